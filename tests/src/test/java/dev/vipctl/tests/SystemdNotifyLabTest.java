package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import dev.vipctl.linux.NetworkNamespace;
import dev.vipctl.os.posix.UnixDatagramReceiver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The resident agent under systemd's {@code Type=notify}, with the test in systemd's place: a datagram socket bound
 * where {@code $NOTIFY_SOCKET} says (a path, or an abstract name in the agent's network namespace) receives READY=1 once
 * launchers can find the warm agent, WATCHDOG=1 while it serves (only with a watchdog meant for it), and STOPPING=1
 * on SIGTERM.
 */
class SystemdNotifyLabTest {
    @RegisterExtension
    static final LabExtension LAB = new LabExtension();

    private static final String IF = NamespaceLab.INTERFACE;
    /** Generous: the warm-up takes seconds, more on a loaded machine. */
    private static final int READY_WAIT_MILLIS = 120_000;
    private static final int WAIT_MILLIS = 30_000;
    /** How a JVM ends on SIGTERM, after its shutdown hooks: 128 + 15 (a unit counts it a success with SuccessExitStatus=143). */
    private static final int SIGTERM_EXIT = 143;

    @TempDir
    Path dir;
    private Path agentDir;

    @BeforeEach
    void paths() {
        agentDir = dir.resolve("agent");
        LAB.removeVip();
    }

    @AfterEach
    void removeVip() {
        LAB.removeVip();
    }

    /**
     * READY=1 comes when the agent is published and serves; then nothing (the watchdog is another process's: an
     * inherited WATCHDOG_PID) through a whole 'up' and 'down', about 2 s, five of its periods; STOPPING=1 on SIGTERM.
     */
    @Test
    void readyOnceWarmThenStoppingOnSigterm() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        String socket = dir.resolve("notify").toString();
        try (UnixDatagramReceiver systemd = UnixDatagramReceiver.bind(socket)) {
            Process agent = startAgent(host, "NOTIFY_SOCKET=" + socket, "WATCHDOG_USEC=400000", "WATCHDOG_PID=1");
            String ready = systemd.receive(READY_WAIT_MILLIS);
            assertNotNull(ready, "no READY=1; the agent's stderr: " + Files.readString(dir.resolve("agent.stderr")));
            assertTrue(Files.isDirectory(agentDir.resolve(agent.pid() + "-" + IF)), "published before READY=1: " + ready);
            assertEquals("READY=1\nSTATUS=serving " + IF + ", warmed up in ", ready.replaceAll("[0-9]+ ms$", ""), ready);

            Shell.Result up = vipctl(host, "up", "--interface", IF, "--vip", NamespaceLab.VIP_WITH_PREFIX, "--json");
            assertEquals(0, up.exitCode, Launcher.describe(up));
            assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), "the ready agent serves the first request: " + up.stdout);
            Shell.Result down = vipctl(host, "down", "--interface", IF, "--vip", NamespaceLab.VIP_WITH_PREFIX, "--json");
            assertEquals("agent", Launcher.jsonString(down.stdout, "servedBy"), Launcher.describe(down));

            agent.destroy(); // SIGTERM
            assertEquals("STOPPING=1", systemd.receive(WAIT_MILLIS), "the next datagram: no watchdog meant for another pid");
            assertTrue(agent.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the agent ended");
            assertEquals(SIGTERM_EXIT, agent.exitValue());
        }
    }

    /** With WatchdogSec=0.4s: WATCHDOG=1 again and again (every 0.2 s) while the agent serves, requests or not. */
    @Test
    void watchdogPingsWhileServing() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        String socket = dir.resolve("notify").toString();
        try (UnixDatagramReceiver systemd = UnixDatagramReceiver.bind(socket)) {
            Process agent = startAgent(host, "NOTIFY_SOCKET=" + socket, "WATCHDOG_USEC=400000");
            assertTrue(systemd.receive(READY_WAIT_MILLIS).startsWith("READY=1\n"), "READY=1 first");
            for (int i = 0; i < 3; i++) {
                assertEquals("WATCHDOG=1", systemd.receive(WAIT_MILLIS), "ping " + i + " of an idle agent");
            }
            Shell.Result up = vipctl(host, "up", "--interface", IF, "--vip", NamespaceLab.VIP_WITH_PREFIX, "--json");
            assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), Launcher.describe(up));
            for (int i = 0; i < 3; i++) {
                assertEquals("WATCHDOG=1", systemd.receive(WAIT_MILLIS), "ping " + i + " after a request");
            }
            agent.destroy(); // SIGTERM
            List<String> untilStopping = new ArrayList<>();
            for (String next = ""; !next.equals("STOPPING=1"); untilStopping.add(next)) {
                next = systemd.receive(WAIT_MILLIS);
                assertNotNull(next, "no STOPPING=1 after " + untilStopping);
            }
            assertTrue(untilStopping.stream().allMatch(d -> d.equals("WATCHDOG=1") || d.equals("STOPPING=1")), untilStopping.toString());
            assertTrue(agent.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the agent ended");
        }
    }

    /** An abstract $NOTIFY_SOCKET ('@name'), bound in the agent's network namespace, which holds abstract names. */
    @Test
    void abstractNotifySocket() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        String socket = "@vipctl-notify-test-" + ProcessHandle.current().pid();
        try (UnixDatagramReceiver systemd = NetworkNamespace.call(host.namespace(), () -> UnixDatagramReceiver.bind(socket))) {
            Process agent = startAgent(host, "NOTIFY_SOCKET=" + socket);
            String ready = systemd.receive(READY_WAIT_MILLIS);
            assertNotNull(ready, "no READY=1; the agent's stderr: " + Files.readString(dir.resolve("agent.stderr")));
            assertTrue(ready.startsWith("READY=1\nSTATUS=serving " + IF), ready);
            agent.destroy();
            assertEquals("STOPPING=1", systemd.receive(WAIT_MILLIS));
            assertTrue(agent.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the agent ended");
            assertEquals(SIGTERM_EXIT, agent.exitValue());
        }
    }

    private Process startAgent(NamespaceLab.Host host, String... environment) throws Exception {
        List<String> command = new ArrayList<>(List.of("env", "VIPCTL_AGENT_DIR=" + agentDir));
        command.addAll(List.of(environment));
        command.addAll(List.of(Launcher.PATH.toString(), "agent", "--interface", IF, "--log-file", dir.resolve("agent.log").toString(), "--quiet"));
        // 'ip netns exec', env and the launcher each exec the next: the JVM keeps this pid, as systemd's main process.
        return LAB.killAfterTest(new ProcessBuilder(host.command(command.toArray(new String[0])))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(dir.resolve("agent.stderr").toFile()).start());
    }

    private Shell.Result vipctl(NamespaceLab.Host host, String... args) {
        List<String> command = new ArrayList<>(List.of("env", "VIPCTL_AGENT_DIR=" + agentDir, Launcher.PATH.toString()));
        command.addAll(List.of(args));
        return Shell.run(host.command(command.toArray(new String[0])));
    }
}
