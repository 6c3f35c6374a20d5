package dev.vipctl.agent.cli;

import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.HostWithoutCapture;
import dev.vipctl.agent.Timings;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the command line reports where vipctl cannot capture (Windows without Npcap): the log says so once, the JSON
 * says how the wire was asked and who announced, and no frame was sent. Over the engine's fake OS; the privilege check
 * before it is this host's, so the test needs root.
 */
class MainWithoutCaptureTest {
    private static final IpAddress VIP = IpAddress.parseIpv4("198.51.100.100");

    @TempDir
    Path temp;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private HostWithoutCapture host;

    @BeforeEach
    void rootAndAHost() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: vipctl up checks this process's privileges first; needs root");
        host = new HostWithoutCapture(VIP);
    }

    private int run(String... args) {
        Main main = new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Main.SERVED_BY_PROCESS, host);
        return main.run(args, new Timings(System.nanoTime(), -1));
    }

    @Test
    void upSaysInTheLogAndTheJsonThatItAskedThroughSendArpAndWindowsAnnounced() throws Exception {
        host.resolver.answers(IpAddress.parseIpv4("198.51.100.1"), MacAddress.parse("02:00:00:00:00:01"));
        Path log = temp.resolve("takeover.log");

        int code = run("up", "--interface", "eth0", "--vip", "198.51.100.100/24", "--verify-peer", "198.51.100.1", "--json",
                "--lock-dir", temp.resolve("locks").toString(), "--log-file", log.toString());

        String json = out.toString(StandardCharsets.UTF_8);
        assertEquals(ExitCode.OK.code(), code, err.toString(StandardCharsets.UTF_8));
        assertTrue(json.contains("\"askedThrough\":\"sendarp\""), json);
        assertTrue(json.contains("\"withoutCapture\":\"" + host.resolver.why().replace("\\", "\\\\") + "\""), json);
        assertTrue(json.contains("\"announcedBy\":\"windows-dad\""), json);
        assertTrue(json.contains("\"framesSent\":0"), json);
        String lines = Files.readString(log);
        assertEquals(1, lines.split("without capture: ", -1).length - 1, "said once: " + lines);
        assertTrue(lines.contains("not probed after the takeover (no capture)"), lines);
    }
}
