package dev.vipctl.agent.cli;

import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.Timings;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the command prints and returns for the paths that never reach the OS. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        Main main = new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return main.run(args, new Timings(System.nanoTime(), -1));
    }

    @Test
    void helpListsCommandsOptionsAndEveryExitCode() {
        assertEquals(0, run("--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String word : new String[] {"up", "down", "status", "demo", "--interface", "--vip", "--label", "--garp-count",
                "--garp-interval-ms", "--garp-mode", "--json", "--log-file", "--quiet", "--config", "--version"}) {
            assertTrue(help.contains(word), "help mentions " + word);
        }
        for (ExitCode code : ExitCode.values()) {
            assertTrue(help.contains("  " + code.code() + "  " + code.meaning()), "help lists exit code " + code.code());
        }
    }

    /** The README's table says what --help says, word for word (backticks aside). */
    @Test
    void theReadmeListsEveryExitCodeAsTheHelpDoes() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md")).replace("`", "");
        for (ExitCode code : ExitCode.values()) {
            assertTrue(readme.contains("\n| " + code.code() + " | " + code.meaning() + " |\n"), "README lists exit code " + code.code());
        }
    }

    @Test
    void badInputGoesToStderrWithItsCode() {
        assertEquals(ExitCode.BAD_INPUT.code(), run("up", "--interface", "eth0", "--vip", "198.51.100.100/33"));
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains("prefix length 33"), message);
        assertTrue(message.contains("--help"), message);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void badInputWithJsonAlsoPrintsTheErrorObject() {
        assertEquals(ExitCode.BAD_INPUT.code(), run("up", "--json", "--interface", "eth0", "--vip", "nonsense/24"));
        String json = out.toString(StandardCharsets.UTF_8).trim();
        assertTrue(json.startsWith("{\"command\":\"up\",\"servedBy\":\"process\",\"outcome\":\"error\",\"exitCode\":2,\"exitName\":\"BAD_INPUT\""), json);
        assertTrue(json.endsWith("\"changed\":false}"), json);
    }
}
