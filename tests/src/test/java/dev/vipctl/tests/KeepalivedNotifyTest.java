package dev.vipctl.tests;

import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * vipctl-keepalived-notify without keepalived: its arguments checked before it reads (exit 2, naming the bad one),
 * and the lines of a FIFO, good and bad, turned into vipctl runs in their order, through a vipctl stand-in that
 * records its arguments. KeepalivedLabTest runs it under the real keepalived with the real vipctl.
 */
class KeepalivedNotifyTest {
    private static final Path READER = Path.of("..", "integrations", "keepalived", "vipctl-keepalived-notify").toAbsolutePath().normalize();
    private static final long WAIT_SECONDS = 30;

    @TempDir
    Path dir;

    private Path config() throws Exception {
        Path config = dir.resolve("vi_1.properties");
        Files.writeString(config, "interface=eth0\nvip=198.51.100.100/24\n");
        return config;
    }

    private Path fifo() {
        Path fifo = dir.resolve("notify.fifo");
        Shell.check("mkfifo", fifo.toString());
        return fifo;
    }

    /** A vipctl that appends its arguments, one run a line, to calls.txt, and exits 0. */
    private Path recordingVipctl() throws Exception {
        Path calls = dir.resolve("calls.txt");
        Path vipctl = dir.resolve("vipctl");
        Files.writeString(vipctl, "#!/bin/sh\nprintf '%s\\n' \"$*\" >>'" + calls + "'\n");
        Files.setPosixFilePermissions(vipctl, PosixFilePermissions.fromString("rwx------"));
        return vipctl;
    }

    private Shell.Result reader(String... args) {
        List<String> command = new ArrayList<>(List.of("bash", READER.toString()));
        command.addAll(List.of(args));
        return Shell.run(command);
    }

    private static void assertNotConfigured(Shell.Result result, String names) {
        assertEquals(2, result.exitCode, Launcher.describe(result));
        assertTrue(result.stderr.contains("not configured: ") && result.stderr.contains(names), Launcher.describe(result));
    }

    @Test
    void missingOrUnusableArgumentsExit2NamingThem() throws Exception {
        Launcher.assertPackaged();
        String vipctl = Launcher.PATH.toString();
        String config = config().toString();
        String fifo = fifo().toString();
        Path log = dir.resolve("notify.log");

        assertNotConfigured(reader("VI_1", fifo), "INSTANCE, VIPCTL_CONFIG and FIFO are needed, got 2");
        assertNotConfigured(reader("--vipctl", "vipctl", "VI_1", config, fifo), "--vipctl 'vipctl' is not an absolute path");
        assertNotConfigured(reader("--vipctl", vipctl, "VI_1", dir.resolve("missing.properties").toString(), fifo),
                "VIPCTL_CONFIG '" + dir.resolve("missing.properties") + "' is not a readable file");
        assertNotConfigured(reader("--vipctl", vipctl, "VI_1", config, config), "FIFO '" + config + "' is not a FIFO");
        assertNotConfigured(reader("--vipctl", vipctl, "--verbose", "x", "VI_1", config, fifo), "unknown option '--verbose'");
        assertNotConfigured(reader("--vipctl", vipctl, "", config, fifo), "INSTANCE is empty");

        // vipctl itself judges the config's keys and values; its message names the bad one.
        Files.writeString(Path.of(config), "interface=eth0\nvip=198.51.100.100/24\nvrrp_instance=VI_1\n");
        Shell.Result badKey = reader("--vipctl", vipctl, "--log-file", log.toString(), "VI_1", config, fifo);
        assertNotConfigured(badKey, "unknown key 'vrrp_instance'");
        assertTrue(Files.readString(log).contains("not configured: VIPCTL_CONFIG"), "logged as well: " + Files.readString(log));
    }

    @Test
    void linesBecomeVipctlRunsInTheirOrderAndAnythingElseIsLoggedAndIgnored() throws Exception {
        Path vipctl = recordingVipctl();
        Path config = config();
        Path fifo = fifo();
        Path log = dir.resolve("notify.log");
        Path injected = dir.resolve("injected");
        Process reader = new ProcessBuilder("bash", READER.toString(), "--vipctl", vipctl.toString(), "--log-file", log.toString(),
                "VI_1", config.toString(), fifo.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile()).start();
        try (FileChannel writer = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // Opened for reading too, which never blocks on a FIFO, and keeps what is written until the reader reads it.
            String lines = String.join("\n",
                    "INSTANCE \"VI_1\" BACKUP 150",
                    "GROUP \"VG_1\" MASTER 150",
                    "INSTANCE \"VI_2\" MASTER 100",
                    "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 150",
                    "INSTANCE \"$(touch " + injected + ")\" MASTER 150",
                    "INSTANCE \"VI_1\" MASTER 150 `touch " + injected + "`",
                    "INSTANCE \"$(id)\" MASTER 150",
                    "INSTANCE VI_1 MASTER 150",
                    "garbage",
                    "",
                    "INSTANCE \"VI_1\" MASTER 150",
                    "INSTANCE \"VI_1\" FAULT 150",
                    "INSTANCE \"VI_1\" MASTER 150",
                    "INSTANCE \"VI_1\" STOP 150",
                    "INSTANCE \"VI_1\" DELETED 150") + "\n";
            writer.write(ByteBuffer.wrap(lines.getBytes(StandardCharsets.US_ASCII)));
            awaitCalls(dir.resolve("calls.txt"), 7);
        }
        if (!reader.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
            reader.destroyForcibly();
            fail("the reader did not end at the end of the FIFO: " + Files.readString(log));
        }

        assertEquals(0, reader.exitValue(), Files.readString(dir.resolve("out.txt")));
        String down = "down --config " + config;
        String up = "up --config " + config;
        assertEquals(List.of("status --config " + config, down, up, down, up, down, down), Files.readAllLines(dir.resolve("calls.txt")));
        assertFalse(Files.exists(injected), "a line is never evaluated");
        String logged = Files.readString(log);
        for (String ignored : new String[] {"GROUP \"VG_1\" MASTER 150' (not an instance's state)", "VI_2\" MASTER 100' (not instance VI_1)",
                "MASTER_RX_LOWER_PRI 150' (not a state vipctl follows)", "touch " + injected + ")\" MASTER 150' (not an instance's state)", "\"$(id)\" MASTER 150' (not instance VI_1)",
                "`touch " + injected + "`' (not an instance's state)", "INSTANCE VI_1 MASTER 150' (not instance VI_1)",
                "'garbage' (not an instance's state)", "'' (not an instance's state)"}) {
            assertTrue(logged.contains("ignored: '") && logged.contains(ignored), ignored + " in:\n" + logged);
        }
        assertTrue(logged.contains("VI_1 FAULT: vipctl down --config " + config + ": exit 0"), logged);
    }

    private static void awaitCalls(Path calls, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!Files.exists(calls) || Files.readAllLines(calls).size() < count) {
            if (System.nanoTime() > deadline) {
                fail("not " + count + " vipctl runs within " + WAIT_SECONDS + " s: " + (Files.exists(calls) ? Files.readAllLines(calls) : "none"));
            }
            Thread.sleep(50);
        }
    }
}
