package dev.vipctl.agent.cli;

import dev.vipctl.agent.ExitCode;
import dev.vipctl.lab.Shell;
import org.apache.commons.cli.Option;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The usage text has one source: the README's Usage block and the man page say what --help says. */
class UsageTest {
    @Test
    void theReadmesUsageBlockIsTheSynopsis() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        assertTrue(readme.contains("## Usage\n\n```\n" + Usage.SYNOPSIS + "```\n"), "README's Usage block differs from Usage.SYNOPSIS");
    }

    @Test
    void theManPageHasEveryOptionAndExitCode() {
        String page = Usage.manPage("0.1.0");
        for (Option option : Settings.OPTIONS.getOptions()) {
            assertTrue(page.contains("\\fB\\-\\-" + Usage.escape(option.getLongOpt()) + "\\fR"), "man page names --" + option.getLongOpt());
            assertTrue(page.contains(Usage.escape(option.getDescription())), "man page describes --" + option.getLongOpt());
        }
        for (ExitCode code : ExitCode.values()) {
            assertTrue(page.contains(".B " + code.code() + "\n" + Usage.escape(code.meaning()) + "\n"), "man page lists exit code " + code.code());
        }
    }

    /** groff's own checks (-ww: all warnings) and man-db's parse of the NAME line, which whatis and apropos use. */
    @Test
    void theManPageRendersWithoutAWarningAndItsNameLineParses(@TempDir Path dir) throws Exception {
        Path page = dir.resolve("vipctl.1");
        Files.writeString(page, Usage.manPage("0.1.0"));

        assertTrue(Shell.onPath("groff"), "groff is not installed: apt-get install groff-base");
        assertTrue(Shell.onPath("lexgrog"), "lexgrog is not installed: apt-get install man-db");
        Shell.Result groff = Shell.run(List.of("groff", "-man", "-Tutf8", "-ww", "-z", page.toString()));
        assertEquals(0, groff.exitCode, groff.stderr);
        assertEquals("", groff.stdout + groff.stderr, "groff warnings");
        Shell.Result lexgrog = Shell.run(List.of("lexgrog", page.toString()));
        assertEquals(0, lexgrog.exitCode, lexgrog.stderr);
        assertTrue(lexgrog.stdout.contains("\"vipctl - move a virtual IP"), lexgrog.stdout);
    }

    @Test
    void escapedTextCannotStartARequestOrAnEscape() {
        assertEquals("\\&.x", Usage.escape(".x"));
        assertEquals("\\&'x", Usage.escape("'x"));
        assertEquals("a\\eb \\-\\-c", Usage.escape("a\\b --c"));
    }
}
