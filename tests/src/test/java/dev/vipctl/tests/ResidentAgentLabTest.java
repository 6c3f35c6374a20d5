package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The resident agent ({@code vipctl agent}) with the real launcher: requests handed over through its FIFO, the
 * fallbacks when it cannot take them, and that bad or stale requests change nothing and do not stop it. Each test
 * uses its own agent directory (VIPCTL_AGENT_DIR), so no agent of the machine is involved.
 */
class ResidentAgentLabTest {
    @RegisterExtension
    static final LabExtension LAB = new LabExtension();

    private static final String VIP = NamespaceLab.VIP_WITH_PREFIX;
    private static final String IF = NamespaceLab.INTERFACE;

    @TempDir
    Path dir;
    private Path agentDir;
    private Path agentLog;

    @BeforeEach
    void paths() {
        agentDir = dir.resolve("agent");
        agentLog = dir.resolve("agent.log");
        LAB.removeVip();
    }

    @AfterEach
    void removeVip() {
        LAB.removeVip();
    }

    @Test
    void upAndDownAreHandedToTheAgentAndDoWhatTheySay() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        startAgent(host);

        Shell.Result up = vipctl(host, "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), up.stdout);
        assertTrue(Launcher.jsonNumber(up.stdout, "startToFirstGarp") > 0, up.stdout);
        assertTrue(host.run("ip", "-4", "addr", "show", "dev", IF).contains(NamespaceLab.VIP + "/24"), "the agent added the VIP");

        Shell.Result down = vipctl(host, "down", "--interface", IF, "--vip", VIP);
        assertEquals(0, down.exitCode, Launcher.describe(down));
        assertTrue(down.stdout.contains("is down on " + IF), down.stdout);
        assertFalse(host.run("ip", "-4", "addr", "show", "dev", IF).contains(NamespaceLab.VIP + "/"), "the agent removed the VIP");

        Shell.Result bad = vipctl(host, "up", "--interface", IF, "--vip", "198.51.100.300/24");
        assertEquals(2, bad.exitCode, Launcher.describe(bad));
        assertTrue(bad.stderr.contains("--vip"), "the agent's own validation message reaches the caller: " + bad.stderr);
        String log = Files.readString(agentLog);
        assertTrue(log.contains("request from uid 0: up --interface " + IF + " --vip " + VIP + " --garp-count 1 --json -> exit 0"), log);
        assertTrue(log.contains("-> exit 2"), log);
    }

    @Test
    void badAndStaleRequestsAreLoggedAndChangeNothingAndTheAgentGoesOn() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Path requests = startAgent(host);
        long now = nowMicros();

        write(requests, "garbage\0".getBytes(StandardCharsets.UTF_8));
        write(requests, request(now, agentDir.resolve("reply.1.2"), "up"));                         // no reply FIFO there
        write(requests, request(now, Path.of("/etc/reply.1.2"), "up", "--interface", IF, "--vip", VIP)); // outside the directory
        write(requests, fields("vipctl-request-1", Long.toString(now), agentDir.resolve("reply.3.4").toString(), "x9"));
        Reply stale = ask(requests, now - 5_000_000, "up", "--interface", IF, "--vip", VIP); // 5 s old: its launcher gave up
        Reply other = ask(requests, nowMicros(), "demo");

        Path foreign = agentDir.resolve("reply." + ProcessHandle.current().pid() + "." + now);  // this JVM: another namespace
        Shell.check("mkfifo", "-m", "600", foreign.toString());
        try (FileChannel channel = FileChannel.open(foreign, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            write(requests, request(nowMicros(), foreign, "up", "--interface", IF, "--vip", VIP));
            assertEquals(List.of("elsewhere"), readFields(channel, 2000), "a launcher in another network namespace is sent away");
        }

        assertEquals(List.of(), stale.fields, "a stale request gets no answer at all");
        assertEquals(List.of("accepted", "2"), other.fields.subList(0, 2), "only up and down are served: " + other.fields);
        assertTrue(other.fields.get(3).contains("'up' and 'down' only"), other.fields.toString());
        assertFalse(host.run("ip", "-4", "addr", "show", "dev", IF).contains(NamespaceLab.VIP + "/"), "no bad request added the VIP");

        Shell.Result up = vipctl(host, "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), "the agent still serves: " + Launcher.describe(up));
        String log = Files.readString(agentLog);
        for (String expected : List.of("not the start of a request (garbage)", "reply FIFO '/etc/reply.1.2' is not",
                "argument count 'x9'", "request dropped unrun", "reply.1.2")) {
            assertTrue(log.contains(expected), "log mentions '" + expected + "':\n" + log);
        }
    }

    @Test
    void aStoppedAgentIsSkippedAndAHungOneNeverRunsTheRequestLate() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Process agent = startAgentProcess(host);
        long pid = pidOf(awaitFifo());

        Shell.Result stop = Shell.run(List.of("kill", "-STOP", Long.toString(pid)));
        assertEquals(0, stop.exitCode, Launcher.describe(stop));
        Shell.Result up;
        try {
            up = vipctl(host, "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        } finally {
            Shell.run(List.of("kill", "-CONT", Long.toString(pid)));
        }
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("process", Launcher.jsonString(up.stdout, "servedBy"), "the launcher ran it itself: " + up.stdout);
        assertTrue(up.stderr.contains("did not take the request within 1 s"), up.stderr);
        Shell.Result down = vipctl(host, "down", "--interface", IF, "--vip", VIP);
        assertEquals(0, down.exitCode, Launcher.describe(down));
        awaitLog("request dropped unrun");
        assertFalse(host.run("ip", "-4", "addr", "show", "dev", IF).contains(NamespaceLab.VIP + "/"),
                "the woken agent did not bring back the VIP with the old 'up'");

        agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Shell.Result afterKill = vipctl(host, "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals(0, afterKill.exitCode, Launcher.describe(afterKill));
        assertEquals("process", Launcher.jsonString(afterKill.stdout, "servedBy"), "a dead agent's FIFO is skipped");
        assertEquals("", afterKill.stderr, "and without a wait or a warning");
    }

    /** The agent dies in the middle of an 'up' it accepted: the launcher runs the request itself, which converges. */
    @Test
    void anAgentKilledMidRequestLeavesTheLauncherToFinishIt() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Process agent = startAgentProcess(host);
        awaitFifo();
        CompletableFuture<Shell.Result> up = CompletableFuture.supplyAsync(() -> vipctl(host, "up", "--interface", IF, "--vip", VIP, "--json"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!host.run("ip", "-4", "addr", "show", "dev", IF).contains(NamespaceLab.VIP + "/24")) {
            assertTrue(System.nanoTime() < deadline, "the agent never added the VIP");
            Thread.sleep(5);
        }
        agent.destroyForcibly(); // during its announcement rounds, about 2 s long

        Shell.Result result = up.get(30, TimeUnit.SECONDS);
        assertEquals(0, result.exitCode, Launcher.describe(result));
        assertEquals("process", Launcher.jsonString(result.stdout, "servedBy"), result.stdout);
        assertTrue(result.stderr.contains("stopped before it answered; running the request in this process"), result.stderr);
        assertTrue(result.stdout.contains("\"changed\":false"), "the VIP was already there, as the agent left it: " + result.stdout);
    }

    @Test
    void anAgentInAnotherNetworkNamespaceIsNotUsed() throws Exception {
        startAgent(LAB.lab().hostB());
        Shell.Result up = vipctl(LAB.lab().hostA(), "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("process", Launcher.jsonString(up.stdout, "servedBy"), up.stdout);
        assertTrue(LAB.lab().hostA().run("ip", "-4", "addr", "show", "dev", IF).contains(NamespaceLab.VIP + "/24"));
        assertFalse(LAB.lab().hostB().run("ip", "-4", "addr", "show", "dev", IF).contains(NamespaceLab.VIP + "/"));
    }

    @Test
    void concurrentRequestsForTwoVipsAreServedSideBySide() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        startAgent(host);
        String second = "198.51.100.101/24";
        try {
            CompletableFuture<Shell.Result> first = CompletableFuture.supplyAsync(() -> vipctl(host, "up", "--interface", IF, "--vip", VIP, "--json"));
            CompletableFuture<Shell.Result> other = CompletableFuture.supplyAsync(() -> vipctl(host, "up", "--interface", IF, "--vip", second,
                    "--label", IF + ":2", "--json"));
            for (Shell.Result result : List.of(first.get(), other.get())) {
                assertEquals(0, result.exitCode, Launcher.describe(result));
                assertEquals("agent", Launcher.jsonString(result.stdout, "servedBy"), result.stdout);
            }
            String addresses = host.run("ip", "-4", "addr", "show", "dev", IF);
            assertTrue(addresses.contains(NamespaceLab.VIP + "/24") && addresses.contains("198.51.100.101/24"), addresses);
        } finally {
            host.run("ip", "addr", "flush", "dev", IF, "label", IF + ":2");
        }
    }

    @Test
    void theChannelIsRootsOrTheGroupsAndSigtermRemovesIt() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Process agent = startAgentProcess(host, "--agent-group", "adm");
        Path requests = awaitFifo();
        assertEquals("rwxrwx--T", Shell.check("stat", "-c", "%A", agentDir.toString()).trim().substring(1), "sticky, group-writable directory");
        assertEquals("adm", Shell.check("stat", "-c", "%G", agentDir.toString()).trim());
        assertEquals("rw--w----", PosixFilePermissions.toString(Files.getPosixFilePermissions(requests)));

        Shell.run(List.of("kill", "-TERM", Long.toString(pidOf(requests))));
        assertTrue(agent.waitFor(20, TimeUnit.SECONDS), "the agent stops on SIGTERM");
        assertFalse(Files.exists(requests), "and removes its FIFO");
        assertTrue(Files.readString(agentLog).contains("agent stopped after"), Files.readString(agentLog));
    }

    // --- helpers ---

    private Shell.Result vipctl(NamespaceLab.Host host, String... args) {
        List<String> command = new ArrayList<>(List.of("env", "VIPCTL_AGENT_DIR=" + agentDir, Launcher.PATH.toString()));
        command.addAll(List.of(args));
        return Shell.run(host.command(command.toArray(new String[0])));
    }

    private Path startAgent(NamespaceLab.Host host) throws Exception {
        startAgentProcess(host);
        return awaitFifo();
    }

    private Process startAgentProcess(NamespaceLab.Host host, String... extra) throws IOException {
        List<String> command = new ArrayList<>(List.of("env", "VIPCTL_AGENT_DIR=" + agentDir, Launcher.PATH.toString(), "agent",
                "--interface", IF, "--log-file", agentLog.toString(), "--quiet"));
        command.addAll(List.of(extra));
        Process agent = new ProcessBuilder(host.command(command.toArray(new String[0])))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(dir.resolve("agent.stderr").toFile()).start();
        return LAB.killAfterTest(agent);
    }

    /** The agent's FIFO, once its log says it serves. */
    private Path awaitFifo() throws Exception {
        awaitLog("agent started");
        try (Stream<Path> entries = Files.list(agentDir)) {
            return entries.filter(p -> p.getFileName().toString().endsWith(".requests")).findFirst()
                    .orElseThrow(() -> new AssertionError("no FIFO in " + agentDir));
        }
    }

    private void awaitLog(String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(agentLog) && Files.readString(agentLog).contains(text)) {
                return;
            }
            Thread.sleep(20);
        }
        Path stderr = dir.resolve("agent.stderr");
        fail("the agent never logged '" + text + "'; log: " + (Files.exists(agentLog) ? Files.readString(agentLog) : "(none)")
                + "; stderr: " + (Files.exists(stderr) ? Files.readString(stderr) : ""));
    }

    private static long pidOf(Path requests) {
        return Long.parseLong(requests.getFileName().toString().replace(".requests", ""));
    }

    /**
     * Sends a request with a reply FIFO of this test's own and collects the reply fields (none if 2 s pass). The FIFO
     * is named with a pid the agent takes for its launcher's: the agent's own, since this test does not run in the
     * agent's network namespace.
     */
    private Reply ask(Path requests, long launchMicros, String... args) throws Exception {
        Path reply = agentDir.resolve("reply." + pidOf(requests) + "." + launchMicros);
        Shell.check("mkfifo", "-m", "600", reply.toString());
        try (FileChannel channel = FileChannel.open(reply, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            write(requests, request(launchMicros, reply, args));
            return new Reply(readFields(channel, 2000));
        } finally {
            Files.deleteIfExists(reply);
        }
    }

    /**
     * The reply's fields: "accepted" and three more (code, stdout, stderr), or one other word ("elsewhere"); none when
     * nothing complete came within {@code waitMillis}.
     */
    private static List<String> readFields(FileChannel channel, long waitMillis) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        CompletableFuture<List<String>> read = CompletableFuture.supplyAsync(() -> {
            try {
                while (true) {
                    channel.read(buffer);
                    String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
                    List<String> fields = new ArrayList<>(List.of(text.split("\0", -1)));
                    fields.remove(fields.size() - 1); // what follows the last NUL is not a whole field
                    if (!fields.isEmpty() && (!fields.get(0).equals("accepted") || fields.size() >= 4)) {
                        return fields;
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            return read.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException nothing) {
            return List.of();
        }
    }

    private static byte[] request(long launchMicros, Path reply, String... args) {
        List<String> fields = new ArrayList<>(List.of("vipctl-request-1", Long.toString(launchMicros), reply.toString(), Integer.toString(args.length)));
        fields.addAll(List.of(args));
        return fields(fields.toArray(new String[0]));
    }

    private static byte[] fields(String... fields) {
        StringBuilder text = new StringBuilder();
        for (String field : fields) {
            text.append(field).append('\0');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(Path requests, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(requests, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes));
        }
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    private static final class Reply {
        final List<String> fields;

        Reply(List<String> fields) {
            this.fields = fields;
        }
    }
}
