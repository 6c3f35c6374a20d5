package dev.vipctl.linux;

import dev.vipctl.os.posix.UnixDatagramReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** sd_notify(3)'s datagrams as a socket bound where $NOTIFY_SOCKET says receives them; needs no privilege. */
class SystemdNotifierTest {
    private static final long PID = 4242;
    private static final int WAIT_MILLIS = 10_000;

    @TempDir
    Path dir;
    private final List<String> log = new ArrayList<>();

    @Test
    void statesArriveAtAPathSocket() throws Exception {
        String name = dir.resolve("notify").toString();
        try (UnixDatagramReceiver systemd = UnixDatagramReceiver.bind(name)) {
            SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", name), PID, log::add);
            notifier.send("READY=1\nSTATUS=serving eth0");
            notifier.send("STOPPING=1");
            assertEquals("READY=1\nSTATUS=serving eth0", systemd.receive(WAIT_MILLIS));
            assertEquals("STOPPING=1", systemd.receive(WAIT_MILLIS), "one datagram per state");
        }
        assertEquals(List.of(), log);
    }

    @Test
    void statesArriveAtAnAbstractSocket() throws Exception {
        String name = "@vipctl-notifier-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (UnixDatagramReceiver systemd = UnixDatagramReceiver.bind(name)) {
            SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", name), PID, log::add).send("READY=1");
            assertEquals("READY=1", systemd.receive(WAIT_MILLIS));
        }
        assertEquals(List.of(), log);
    }

    @Test
    void withoutNotifySocketNothingIsSentOrSaid() {
        SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("WATCHDOG_USEC", "1000000"), PID, log::add);
        notifier.send("READY=1");
        notifier.startWatchdog(() -> true);
        assertEquals(0, notifier.watchdogMicros(), "no socket, no watchdog");
        assertEquals(List.of(), log);
    }

    @Test
    void aFailedSendIsLoggedOnceAndThrowsNothing() {
        String name = dir.resolve("nobody-listens").toString();
        SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", name), PID, log::add);
        notifier.send("READY=1");
        notifier.send("STOPPING=1");
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).contains("NOTIFY_SOCKET=" + name) && log.get(0).contains("ENOENT (2)") && log.get(0).contains("(READY=1)"),
                log.get(0));
    }

    @Test
    void anUnusableSocketNameIsLoggedAndIgnored() {
        SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "run/notify", "WATCHDOG_USEC", "1000000"), PID, log::add);
        notifier.send("READY=1");
        assertEquals(0, notifier.watchdogMicros());
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).startsWith("NOTIFY_SOCKET ignored"), log.get(0));
    }

    @Test
    void watchdogIntervalIsThisProcesssOnly() {
        assertEquals(0, SystemdNotifier.watchdogMicros(Map.of(), PID, log::add), "no WATCHDOG_USEC");
        assertEquals(30_000_000, SystemdNotifier.watchdogMicros(Map.of("WATCHDOG_USEC", "30000000"), PID, log::add), "no WATCHDOG_PID: ours");
        assertEquals(30_000_000, SystemdNotifier.watchdogMicros(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "4242"), PID, log::add));
        assertEquals(0, SystemdNotifier.watchdogMicros(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "1"), PID, log::add),
                "another process's watchdog (we inherited its environment)");
        assertEquals(List.of(), log);
        assertEquals(0, SystemdNotifier.watchdogMicros(Map.of("WATCHDOG_USEC", "30s"), PID, log::add));
        assertEquals(0, SystemdNotifier.watchdogMicros(Map.of("WATCHDOG_USEC", "0"), PID, log::add));
        assertEquals(2, log.size(), "each unusable value said: " + log);
    }

    @Test
    void watchdogPingsWhileAliveOnly() throws Exception {
        String name = dir.resolve("notify").toString();
        AtomicBoolean alive = new AtomicBoolean(true);
        try (UnixDatagramReceiver systemd = UnixDatagramReceiver.bind(name)) {
            SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", name, "WATCHDOG_USEC", "100000"), PID, log::add);
            assertEquals(100_000, notifier.watchdogMicros());
            notifier.startWatchdog(alive::get);
            for (int i = 0; i < 3; i++) {
                assertEquals("WATCHDOG=1", systemd.receive(WAIT_MILLIS), "ping " + i);
            }
            alive.set(false);
            // Drains a ping that was already on its way, then none: 20 periods of 50 ms pass in silence.
            systemd.receive(200);
            assertNull(systemd.receive(1000), "no ping once not alive");
        }
    }
}
