package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real keepalived (Debian's) on host-a and host-b of a namespace lab, with the shipped keepalived.conf, vi_1.properties
 * and vipctl-keepalived-notify, changed only in their values (paths into a temporary directory, the checkout's
 * scripts): VRRP elects a master, vipctl moves the VIP, and the client follows it from a to b when a's keepalived is
 * killed, and back when it returns.
 */
class KeepalivedLabTest {
    private static final Path INTEGRATION = Path.of("..", "integrations", "keepalived").toAbsolutePath().normalize();
    /** Three advert intervals of 1 s and the skew elect a new master; vipctl up then announces for 2 s. Only a bound. */
    private static final long SETTLE_SECONDS = 60;
    private static final String VIP = NamespaceLab.VIP_WITH_PREFIX;

    @RegisterExtension
    static final LabExtension LAB = new LabExtension();

    @TempDir
    Path dir;

    private final List<Keepalived> started = new ArrayList<>();

    /** One keepalived on one lab host: its files in the test's directory, its processes stopped after the test. */
    private final class Keepalived {
        final NamespaceLab.Host host;
        final String configId;
        final Path conf;
        final Path pid;
        final Path vrrpPid;
        final Path notifyLog;
        Process process;

        Keepalived(NamespaceLab.Host host, String configId) throws IOException {
            this.host = host;
            this.configId = configId;
            this.conf = dir.resolve(configId + ".conf");
            this.pid = dir.resolve(configId + ".pid");
            this.vrrpPid = dir.resolve(configId + ".vrrp.pid");
            this.notifyLog = dir.resolve(configId + ".notify.log");
            Path properties = dir.resolve(configId + ".properties");
            Files.writeString(properties, replace(Files.readString(INTEGRATION.resolve("vi_1.properties")),
                    "#log-file=/var/log/vipctl/vi_1.log", "log-file=" + dir.resolve(configId + ".vipctl.log")));
            String reader = String.join(" ", INTEGRATION.resolve("vipctl-keepalived-notify").toString(),
                    "--vipctl", Launcher.PATH.toString(), "--log-file", notifyLog.toString(), "VI_1", properties.toString());
            assertFalse(reader.contains("\""), "keepalived splits the quoted script line at blanks only: " + reader);
            String shipped = Files.readString(INTEGRATION.resolve("keepalived.conf"));
            String adapted = replace(shipped, "vrrp_notify_fifo /run/vipctl-keepalived.fifo", "vrrp_notify_fifo " + dir.resolve(configId + ".fifo"));
            adapted = replace(adapted, "\"/usr/libexec/vipctl/vipctl-keepalived-notify VI_1 /etc/vipctl/vi_1.properties\"", "\"" + reader + "\"");
            Files.writeString(conf, adapted);
        }

        void start() {
            // -n: stays in the foreground, the test's child; -P: VRRP only; -G: nothing to the machine's syslog.
            process = host.start("keepalived", "-n", "-P", "-G", "-i", configId, "-f", conf.toString(),
                    "-p", pid.toString(), "-r", vrrpPid.toString());
        }

        /** keepalived's parent and VRRP child, and the reader it started, SIGKILLed as a crash would end them. */
        void kill() throws Exception {
            long vrrp = awaitPid(vrrpPid);
            List<ProcessHandle> all = new ArrayList<>(List.of(process.toHandle()));
            all.addAll(process.descendants().collect(java.util.stream.Collectors.toList()));
            ProcessHandle.of(vrrp).ifPresent(all::add);
            for (ProcessHandle handle : all) {
                handle.destroyForcibly();
            }
            awaitExit(all);
        }

        /** SIGTERM, as 'systemctl stop keepalived' sends it; waits for keepalived and its reader to finish. */
        void stop() throws Exception {
            if (process == null) {
                return;
            }
            List<ProcessHandle> all = new ArrayList<>(List.of(process.toHandle()));
            all.addAll(process.descendants().collect(java.util.stream.Collectors.toList()));
            process.destroy();
            awaitExit(all);
            process = null;
        }

        String log() {
            try {
                return Files.exists(notifyLog) ? Files.readString(notifyLog) : "";
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public String toString() {
            return configId + " on " + host;
        }
    }

    private static String replace(String text, String shipped, String adapted) {
        assertTrue(text.contains(shipped), "the shipped file has '" + shipped + "'");
        return text.replace(shipped, adapted);
    }

    private static long awaitPid(Path file) throws Exception {
        await("pid file " + file, () -> Files.exists(file) && !readQuietly(file).isBlank(), () -> "");
        return Long.parseLong(readQuietly(file).trim());
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static void awaitExit(List<ProcessHandle> processes) throws Exception {
        for (ProcessHandle handle : processes) {
            try {
                handle.onExit().get(SETTLE_SECONDS, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                handle.destroyForcibly();
                fail(handle.pid() + " " + handle.info().commandLine().orElse("") + " did not exit within " + SETTLE_SECONDS + " s");
            }
        }
    }

    private static void await(String what, BooleanSupplier condition, Supplier<String> diagnosis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + SETTLE_SECONDS + " s: " + what + "\n" + diagnosis.get());
            }
            Thread.sleep(100);
        }
    }

    private static boolean holdsVip(NamespaceLab.Host host) {
        return host.run("ip", "-4", "-o", "addr", "show", "dev", NamespaceLab.INTERFACE).contains(" " + VIP + " ");
    }

    private static String clientNeighbourEntry() {
        return LAB.lab().client().run("ip", "neigh", "show", NamespaceLab.VIP, "dev", NamespaceLab.INTERFACE).trim();
    }

    private static boolean clientReachesVip() {
        return Shell.run(LAB.lab().client().command("ping", "-c", "1", "-W", "1", NamespaceLab.VIP)).exitCode == 0;
    }

    private String state(Keepalived a, Keepalived b) {
        return "host-a: " + holdsVip(a.host) + ", host-b: " + holdsVip(b.host) + ", client: " + clientNeighbourEntry()
                + "\n--- " + a + " reader log:\n" + a.log() + "--- " + b + " reader log:\n" + b.log();
    }

    /** The VIP on {@code master} only, and the client's traffic there: its neighbour entry and a ping answered. */
    private void awaitClientAt(Keepalived master, Keepalived backup) throws InterruptedException {
        await("the VIP on " + master.host.role() + " only", () -> holdsVip(master.host) && !holdsVip(backup.host), () -> state(master, backup));
        await("the client reaches the VIP at " + master.host.mac(),
                () -> clientReachesVip() && clientNeighbourEntry().contains(master.host.mac().toString()), () -> state(master, backup));
    }

    /** The reader's log after {@code from} has these lines, in this order. */
    private static void awaitLines(Keepalived keepalived, int from, String... lines) throws InterruptedException {
        await(keepalived + " logged " + String.join(", then ", lines), () -> {
            String log = keepalived.log().substring(Math.min(from, keepalived.log().length()));
            int at = 0;
            for (String line : lines) {
                at = log.indexOf(line, at);
                if (at < 0) {
                    return false;
                }
            }
            return true;
        }, keepalived::log);
    }

    private static String ran(String state, String command, Path properties, int exit) {
        return "VI_1 " + state + ": vipctl " + command + " --config " + properties + ": exit " + exit;
    }

    private Path properties(Keepalived keepalived) {
        return dir.resolve(keepalived.configId + ".properties");
    }

    @BeforeEach
    void requireKeepalived() {
        Tools.require("keepalived", "keepalived");
        LAB.removeVip();
    }

    @AfterEach
    void stopKeepalived() throws Exception {
        try {
            for (Keepalived keepalived : started) {
                keepalived.stop();
            }
        } finally {
            for (Keepalived keepalived : started) {
                if (keepalived.process != null) {
                    keepalived.process.descendants().forEach(ProcessHandle::destroyForcibly);
                    keepalived.process.destroyForcibly();
                }
            }
            LAB.removeVip();
        }
    }

    private Keepalived[] startBoth() throws Exception {
        Keepalived a = new Keepalived(LAB.lab().hostA(), "host-a");
        Keepalived b = new Keepalived(LAB.lab().hostB(), "host-b");
        started.add(a);
        started.add(b);
        a.start();
        b.start();
        awaitLines(a, 0, ran("BACKUP", "down", properties(a), 0), ran("MASTER", "up", properties(a), 0));
        awaitLines(b, 0, ran("BACKUP", "down", properties(b), 0));
        awaitClientAt(a, b);
        return new Keepalived[] {a, b};
    }

    /**
     * A crash of the master's keepalived (SIGKILL to all its processes) runs no notification on a: its VIP stays.
     * b's keepalived becomes master and vipctl up takes the VIP over, announces it and reports the split brain (exit
     * 11, naming a's MAC); the client follows b. a's keepalived, started again, enters BACKUP first (vipctl down
     * removes the VIP the crash left), then preempts as master; b goes back to BACKUP and vipctl down.
     */
    @Test
    void aKilledMastersClientsFollowToTheBackupAndBack() throws Exception {
        long start = System.nanoTime();
        Keepalived[] both = startBoth();
        Keepalived a = both[0];
        Keepalived b = both[1];

        int bFrom = b.log().length();
        a.kill();
        awaitLines(b, bFrom, ran("MASTER", "up", properties(b), 11), a.host.mac().toString());
        assertTrue(holdsVip(a.host), "the crash ran no vipctl down on host-a: " + state(a, b));
        await("the client reaches the VIP at host-b's MAC",
                () -> clientReachesVip() && clientNeighbourEntry().contains(b.host.mac().toString()), () -> state(a, b));

        int aFrom = a.log().length();
        bFrom = b.log().length();
        a.start();
        awaitLines(a, aFrom, ran("BACKUP", "down", properties(a), 0), "is down on eth0 (removed)", ran("MASTER", "up", properties(a), 0));
        awaitLines(b, bFrom, ran("BACKUP", "down", properties(b), 0));
        awaitClientAt(a, b);

        stopBothAndCheckNothingIsLeft(a, b);
        System.out.printf("KeepalivedLabTest SIGKILL: %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    /**
     * An orderly stop of the master's keepalived (SIGTERM): it sends priority 0 and writes STOP, and the reader runs
     * vipctl down before b's vipctl up looks: b finds the VIP free (exit 0) and the client follows; back as above.
     */
    @Test
    void aStoppedMastersClientsFollowToTheBackupAndBack() throws Exception {
        long start = System.nanoTime();
        Keepalived[] both = startBoth();
        Keepalived a = both[0];
        Keepalived b = both[1];

        int aFrom = a.log().length();
        int bFrom = b.log().length();
        a.stop();
        awaitLines(a, aFrom, ran("STOP", "down", properties(a), 0));
        awaitLines(b, bFrom, ran("MASTER", "up", properties(b), 0));
        awaitClientAt(b, a);

        aFrom = a.log().length();
        bFrom = b.log().length();
        a.start();
        awaitLines(a, aFrom, ran("BACKUP", "down", properties(a), 0), ran("MASTER", "up", properties(a), 0));
        awaitLines(b, bFrom, ran("BACKUP", "down", properties(b), 0));
        awaitClientAt(a, b);

        stopBothAndCheckNothingIsLeft(a, b);
        System.out.printf("KeepalivedLabTest SIGTERM: %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    /**
     * Stopping keepalived on both hosts runs vipctl down on each: no VIP is left, and no process of the test. b is
     * stopped while it may still be becoming master (its up announces for about 2 s): the reader, in a session of its
     * own, reads the STOP after that up, so b's down still runs.
     */
    private void stopBothAndCheckNothingIsLeft(Keepalived a, Keepalived b) throws Exception {
        a.stop();
        b.stop();
        await("no process of the test left", () -> Shell.run(List.of("pgrep", "-f", dir.toString())).stdout.isBlank(),
                () -> Shell.run(List.of("pgrep", "-a", "-f", dir.toString())).stdout);
        assertFalse(holdsVip(a.host) || holdsVip(b.host), state(a, b));
    }
}
