package dev.vipctl.agent.cli;

import dev.vipctl.agent.ExitCode;
import org.apache.commons.cli.Option;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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

        Run groff = Run.of("groff", "-man", "-Tutf8", "-ww", "-z", page.toString());
        assertEquals(0, groff.exitCode, groff.output);
        assertEquals("", groff.output, "groff warnings");
        Run lexgrog = Run.of("lexgrog", page.toString());
        assertEquals(0, lexgrog.exitCode, lexgrog.output);
        assertTrue(lexgrog.output.contains("\"vipctl - move a virtual IP"), lexgrog.output);
    }

    @Test
    void escapedTextCannotStartARequestOrAnEscape() {
        assertEquals("\\&.x", Usage.escape(".x"));
        assertEquals("\\&'x", Usage.escape("'x"));
        assertEquals("a\\eb \\-\\-c", Usage.escape("a\\b --c"));
    }

    /** A tool's exit code and its merged output; one that is not installed says which Debian package has it. */
    private static final class Run {
        final int exitCode;
        final String output;

        private Run(int exitCode, String output) {
            this.exitCode = exitCode;
            this.output = output;
        }

        static Run of(String... command) throws Exception {
            Process process;
            try {
                process = new ProcessBuilder(command).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new AssertionError(command[0] + " is not installed: apt-get install " + (command[0].equals("groff") ? "groff-base" : "man-db"), e);
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Run(process.waitFor(), output);
        }
    }
}
