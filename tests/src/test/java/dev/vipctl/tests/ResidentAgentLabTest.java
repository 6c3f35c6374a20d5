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
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The resident agent ({@code vipctl agent}) with the real launcher: requests handed over and answered as without it;
 * each request run by the agent once or not at all, whatever happens to its launcher or to the agent; the fallbacks;
 * bash without a clock and a locale that writes a decimal comma; requests the launcher must not hand over; a warm-up
 * that changes nothing; and descriptors, threads and files that come back to where they were. Each test has its own
 * agent directory (VIPCTL_AGENT_DIR), so no agent of the machine is involved. (The attacks of other users are in
 * {@link AgentTrustLabTest}.)
 */
class ResidentAgentLabTest {
    @RegisterExtension
    static final LabExtension LAB = new LabExtension();

    private static final String VIP = NamespaceLab.VIP_WITH_PREFIX;
    private static final String IF = NamespaceLab.INTERFACE;

    @TempDir
    Path dir;
    private Path agentDir;
    /** The log of the agent started last: each agent its own, so that one's lines are never taken for another's. */
    private Path agentLog;
    private int agents;

    @BeforeEach
    void paths() {
        agentDir = dir.resolve("agent");
        LAB.removeVip();
    }

    @AfterEach
    void removeVip() {
        LAB.removeVip();
    }

    @Test
    void upAndDownAreHandedToTheAgentAndDoWhatTheySay() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Agent agent = startAgent(host);

        Shell.Result up = vipctl(host, "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), up.stdout);
        assertTrue(Launcher.jsonNumber(up.stdout, "startToFirstGarp") > 0, up.stdout);
        assertTrue(Launcher.jsonNumber(up.stdout, "launcher") > 0 && Launcher.jsonNumber(up.stdout, "handOver") >= 0,
                "the launcher's part of the time, and the hand-over's: " + up.stdout);
        assertTrue(addresses(host).contains(NamespaceLab.VIP + "/24"), "the agent added the VIP");

        Shell.Result down = vipctl(host, "down", "--interface", IF, "--vip", VIP);
        assertEquals(0, down.exitCode, Launcher.describe(down));
        assertEquals(NamespaceLab.VIP_WITH_PREFIX + " is down on " + IF + " (removed)\n", down.stdout, "the output, byte for byte");
        assertEquals("", down.stderr);
        assertFalse(addresses(host).contains(NamespaceLab.VIP + "/"), "the agent removed the VIP");

        Shell.Result bad = vipctl(host, "up", "--interface", IF, "--vip", "198.51.100.300/24", "--json");
        assertEquals(2, bad.exitCode, Launcher.describe(bad));
        assertEquals("agent", Launcher.jsonString(bad.stdout, "servedBy"), "bad input is answered by the agent too: " + bad.stdout);
        assertTrue(bad.stderr.contains("--vip"), "the agent's own validation message reaches the caller: " + bad.stderr);

        agent.awaitLog("-> exit 2"); // the agent writes a request's line after its answer
        String log = agent.log();
        assertTrue(log.contains("request from uid 0 (pid ") && log.contains("): up --interface " + IF + " --vip " + VIP + " --garp-count 1 --json -> exit 0"), log);
    }

    /** Only a warm agent is found, and its warm-up changed nothing: an address of its own, the lock files, the wire. */
    @Test
    void theWarmUpChangesNothingAndTheAgentIsFoundOnlyOnceWarm() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        // The warm-up's address, configured: a warm-up that ran a real 'down' of it would remove it.
        host.run("ip", "addr", "add", "203.0.113.1/24", "dev", IF, "label", IF + ":9");
        Tools.require("tcpdump", "tcpdump");
        Process capture = LAB.killAfterTest(new ProcessBuilder(LAB.lab().hostB().command("tcpdump", "-l", "-n", "-i", IF, "arp and host 203.0.113.1"))
                .redirectOutput(dir.resolve("arp.txt").toFile()).redirectError(dir.resolve("tcpdump.err").toFile()).start());
        awaitFile(dir.resolve("tcpdump.err"), "listening on");
        try {
            Process process = startAgentProcess(host);
            awaitStaging();
            Shell.Result early = vipctl(host, "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--probe-wait-ms", "0", "--json");
            boolean stillWarming = !Files.exists(agentLog) || !Files.readString(agentLog).contains("agent started");
            Agent agent = new Agent(process, awaitStarted());
            assertEquals(0, early.exitCode, Launcher.describe(early));
            assumeTrue(stillWarming, "the agent finished its warm-up before the launcher looked; nothing to check about an early launcher");
            assertEquals("process", Launcher.jsonString(early.stdout, "servedBy"), "a launcher does not find a warming agent: " + early.stdout);
            assertFalse(early.stderr.contains("resident agent"), "and does not wait for it: " + early.stderr);

            assertTrue(addresses(host).contains("203.0.113.1/24") && host.run("ip", "-4", "-o", "addr", "show", "dev", IF).contains(IF + ":9"),
                    "the warm-up's address is still configured, with its label: " + addresses(host));
            Path warmUpLock = LabExtension.lockFile(host, "203.0.113.1");
            assertFalse(Files.exists(warmUpLock), "no lock file of the warm-up's address: " + warmUpLock);
            assertTrue(agent.log().contains("agent started"), agent.log());
        } finally {
            capture.destroy();
            capture.waitFor(10, TimeUnit.SECONDS);
            host.run("ip", "addr", "del", "203.0.113.1/24", "dev", IF);
        }
        assertEquals("", Files.readString(dir.resolve("arp.txt")).strip(), "no ARP about the warm-up's address left the host");
    }

    @Test
    void aStoppedAgentCostsTheWindowAndNeverRunsTheRequestLate() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Agent agent = startAgent(host);

        Shell.Result up;
        signal(agent.pid, "STOP");
        try {
            up = vipctl(host, "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        } finally {
            signal(agent.pid, "CONT");
        }
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("process", Launcher.jsonString(up.stdout, "servedBy"), "the launcher ran it itself: " + up.stdout);
        assertTrue(up.stderr.contains("did not take the request within 0.5 s; running it in this process"), up.stderr);
        Shell.Result down = vipctl(host, "down", "--interface", IF, "--vip", VIP, "--json");
        assertEquals(0, down.exitCode, Launcher.describe(down));
        assertEquals("agent", Launcher.jsonString(down.stdout, "servedBy"), "the woken agent serves the next request: " + down.stdout);
        agent.awaitLog("withdrawn by its launcher");
        assertFalse(addresses(host).contains(NamespaceLab.VIP + "/"), "the woken agent did not bring back the VIP with the old 'up'");
        agent.awaitLines("request from uid 0", 1);
        assertEquals(1, count(agent.log(), "request from uid 0"), "it ran only the 'down': " + agent.log());
    }

    @Test
    void aKilledAgentIsSkippedAtOnceAndWithoutAWord() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Agent agent = startAgent(host);
        agent.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

        Shell.Result up = vipctl(host, "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("process", Launcher.jsonString(up.stdout, "servedBy"), up.stdout);
        assertEquals("", up.stderr, "a dead agent's directory is skipped without a warning");

        Agent next = startAgent(host);
        assertFalse(Files.exists(agentDir.resolve(agent.pid + "-" + IF)), "the next agent removed the dead one's directory");
        assertTrue(Files.exists(agentDir.resolve(next.pid + "-" + IF)));
    }

    /** The agent dies in the middle of an 'up' it accepted: the launcher runs the request itself, which converges. */
    @Test
    void anAgentKilledMidRequestLeavesTheLauncherToFinishIt() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Agent agent = startAgent(host);
        CompletableFuture<Shell.Result> up = CompletableFuture.supplyAsync(() -> vipctl(host, "up", "--interface", IF, "--vip", VIP, "--json"));
        awaitVip(host);
        agent.process.destroyForcibly(); // during its announcement rounds, about 2 s long

        Shell.Result result = up.get(60, TimeUnit.SECONDS);
        assertEquals(0, result.exitCode, Launcher.describe(result));
        assertEquals("process", Launcher.jsonString(result.stdout, "servedBy"), result.stdout);
        assertTrue(result.stderr.contains("stopped before it answered; running the request in this process"), result.stderr);
        assertTrue(result.stdout.contains("\"changed\":false"), "the VIP was already there, as the agent left it: " + result.stdout);
    }

    /**
     * A launcher killed after writing its request but before the agent took it (the agent is stopped meanwhile): the
     * request goes with it, even though the agent wakes up to find it.
     */
    @Test
    void aLauncherKilledBeforeTheAgentTookItsRequestHasItNeverRun() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Agent agent = startAgent(host);
        Path pool = agentDir.resolve(agent.pid + "-" + IF).resolve("0");
        Process launcher;
        signal(agent.pid, "STOP");
        try {
            launcher = startVipctl(host, "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--probe-wait-ms", "0");
            awaitClaim(pool, launcher.pid());
            awaitWaiting(launcher.pid()); // its request written, it waits (at most 0.5 s) for the stopped agent
            launcher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } finally {
            signal(agent.pid, "CONT");
        }
        agent.awaitLog("went away");
        Shell.Result down = vipctl(host, "down", "--interface", IF, "--vip", VIP, "--json");
        assertEquals("agent", Launcher.jsonString(down.stdout, "servedBy"), Launcher.describe(down));
        assertTrue(down.stdout.contains("\"changed\":false"), "the killed launcher's 'up' never ran: " + down.stdout);
        agent.awaitLines("request from uid 0", 1);
        assertEquals(1, count(agent.log(), "request from uid 0"), agent.log());
    }

    /** Killed once the agent has taken the request: it runs, once, to its end; nobody runs it again. */
    @Test
    void aLauncherKilledAfterTheAgentTookItsRequestHasItRunOnce() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Agent agent = startAgent(host);
        Process launcher = startVipctl(host, "up", "--interface", IF, "--vip", VIP, "--garp-count", "2", "--garp-interval-ms", "1500");
        awaitVip(host);
        launcher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

        agent.awaitLog("-> exit 0");
        assertTrue(addresses(host).contains(NamespaceLab.VIP + "/24"), "the VIP stays up");
        assertEquals(1, count(agent.log(), "request from uid 0"), "run once: " + agent.log());
    }

    @Test
    void anAgentInAnotherNetworkNamespaceIsNotUsed() throws Exception {
        startAgent(LAB.lab().hostB());
        Shell.Result up = vipctl(LAB.lab().hostA(), "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("process", Launcher.jsonString(up.stdout, "servedBy"), up.stdout);
        assertTrue(addresses(LAB.lab().hostA()).contains(NamespaceLab.VIP + "/24"));
        assertFalse(addresses(LAB.lab().hostB()).contains(NamespaceLab.VIP + "/"));
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
            String addresses = addresses(host);
            assertTrue(addresses.contains(NamespaceLab.VIP + "/24") && addresses.contains("198.51.100.101/24"), addresses);
        } finally {
            host.run("ip", "addr", "flush", "dev", IF, "label", IF + ":2");
        }
    }

    /** bash before 5.0 has no EPOCHREALTIME: the hand-over works, the timings only lack the launcher's part. */
    @Test
    void bashWithoutAClockHandsOverWithoutTheLaunchersTimes() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        startAgent(host);
        // The launcher sourced by a bash whose EPOCHREALTIME is unset, as bash 4.4's is: the same script, no clock.
        Shell.Result up = run(host, List.of("env", "VIPCTL_AGENT_DIR=" + agentDir, "bash", "-c", "unset EPOCHREALTIME; . \"$0\" \"$@\"",
                Launcher.PATH.toString(), "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json"));
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), up.stdout);
        assertEquals("", up.stderr);
        assertEquals(-1, Launcher.jsonNumber(up.stdout, "startToMain"), "no clock, no start: " + up.stdout);
        assertTrue(Launcher.jsonNumber(up.stdout, "validate") >= 0, up.stdout);
    }

    /** de_DE writes EPOCHREALTIME with a decimal comma; bytes are still counted as bytes. */
    @Test
    void aLocaleWithADecimalCommaAndMultiByteCharactersHandsOver() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Path locales = Files.createDirectories(dir.resolve("locales"));
        Shell.Result made = Shell.run(List.of("localedef", "-i", "de_DE", "-f", "UTF-8", locales.resolve("de_DE.UTF-8").toString()));
        assertEquals(0, made.exitCode, "cannot make the de_DE.UTF-8 locale (its source: apt-get install locales): " + made.stderr);
        startAgent(host);
        List<String> german = List.of("env", "LOCPATH=" + locales, "LC_ALL=de_DE.UTF-8", "VIPCTL_AGENT_DIR=" + agentDir, Launcher.PATH.toString());
        Shell.Result up = run(host, concat(german, "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json"));
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), up.stdout);
        assertEquals("", up.stderr);
        long startToMain = Launcher.jsonNumber(up.stdout, "startToMain");
        assertTrue(startToMain >= 0 && startToMain < 60_000_000, "a launch time read in µs despite the comma: " + up.stdout);

        // A label of multi-byte characters: the agent gets it whole (and refuses it, as vipctl does, naming it).
        Shell.Result label = run(host, concat(german, "up", "--interface", IF, "--vip", VIP, "--label", IF + ":äöü", "--json"));
        assertEquals(2, label.exitCode, Launcher.describe(label));
        assertEquals("agent", Launcher.jsonString(label.stdout, "servedBy"), label.stdout);
        assertTrue(label.stderr.contains(IF + ":äöü"), "the label arrived intact: " + label.stderr);
    }

    /** What does not fit a frame (too many arguments, too many bytes) is not cut: the launcher runs it itself. */
    @Test
    void requestsTooLargeForAFrameAreNotCutButRunByTheLauncher() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Agent agent = startAgent(host);
        List<String> many = new ArrayList<>(List.of("up", "--interface", IF, "--vip", VIP, "--json"));
        many.addAll(Collections.nCopies(70 - many.size(), "--quiet"));
        assertEquals(70, many.size());
        Shell.Result tooMany = vipctl(host, many.toArray(new String[0]));
        assertEquals(2, tooMany.exitCode, Launcher.describe(tooMany));
        assertEquals("process", Launcher.jsonString(tooMany.stdout, "servedBy"), "70 arguments are not handed over: " + tooMany.stdout);

        // 2100 characters, 4200 bytes: fits PIPE_BUF counted in characters, not in bytes.
        Shell.Result tooLong = vipctl(host, "up", "--interface", IF, "--vip", VIP, "--label", IF + ":" + "é".repeat(2100), "--json");
        assertEquals(2, tooLong.exitCode, Launcher.describe(tooLong));
        assertEquals("process", Launcher.jsonString(tooLong.stdout, "servedBy"), "4200 bytes are not handed over: " + tooLong.stdout);
        assertEquals(0, count(agent.log(), "request from"), "the agent saw neither: " + agent.log());
        assertEquals(0, count(agent.log(), "bad request"), agent.log());
    }

    @Test
    void theDirectoryIsRootsAndSigtermRemovesIt() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Agent agent = startAgent(host);
        Path home = agentDir.resolve(agent.pid + "-" + IF);
        assertEquals("rwxr-xr-x root", mode(agentDir));
        assertEquals("rwx------ root", mode(home), "root only without --agent-group");
        assertEquals("rwx------ root", mode(home.resolve("0")));
        try (Stream<Path> pairs = Files.list(home.resolve("0"))) {
            for (Path pair : (Iterable<Path>) pairs::iterator) {
                assertEquals("rw------- root", mode(pair), pair + ": a FIFO of root's, for root alone");
            }
        }
        signal(agent.pid, "TERM");
        assertTrue(agent.process.waitFor(30, TimeUnit.SECONDS), "the agent stops on SIGTERM");
        assertFalse(Files.exists(home), "and removes its directory");
        assertTrue(agent.log().contains("agent stopped after"), agent.log());
    }

    @Test
    void withAGroupTheDirectoryLetsOnlyItsMembersIn() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Agent agent = startAgent(host, "--agent-group", "adm");
        Path home = agentDir.resolve(agent.pid + "-" + IF);
        assertEquals("rwxr-x--- root:adm", Shell.check("stat", "-c", "%A %U:%G", home.toString()).trim().substring(1));
        assertEquals("rwx-wx--T root:adm", Shell.check("stat", "-c", "%A %U:%G", home.resolve("new").toString()).trim().substring(1),
                "members may add their request for a pool, not list or remove others'");
        assertEquals("rwx------ root", mode(home.resolve("0")), "root's pool stays root's");
    }

    /**
     * Endurance, bounded: after 200 'up'/'down' through the agent, its descriptors, threads and files are where they
     * were after the first request (the full run of 10,000 is {@code vipctl bench --lab --endurance 10000}).
     */
    @Test
    void manyRequestsLeaveDescriptorsThreadsAndFilesWhereTheyWere() throws Exception {
        NamespaceLab.Host host = LAB.lab().hostA();
        Agent agent = startAgent(host);
        assertEquals(0, vipctl(host, "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--probe-wait-ms", "0").exitCode);
        assertEquals(0, vipctl(host, "down", "--interface", IF, "--vip", VIP).exitCode);
        Resources before = Resources.of(agent, agentDir);
        for (int i = 0; i < 100; i++) {
            Shell.Result up = vipctl(host, "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--probe-wait-ms", "0");
            Shell.Result down = vipctl(host, "down", "--interface", IF, "--vip", VIP);
            assertEquals(0, up.exitCode + down.exitCode, Launcher.describe(up) + "\n" + Launcher.describe(down));
        }
        agent.awaitLines("request from uid 0", 202);
        assertEquals(202, count(agent.log(), "request from uid 0"), "every request went to the agent");
        Resources after = Resources.of(agent, agentDir);
        assertEquals(before.descriptors, after.descriptors, "open descriptors");
        assertEquals(before.threads, after.threads, "threads");
        assertEquals(before.files, after.files, "files in the agent's directory");
        Path lock = LabExtension.lockFile(host, NamespaceLab.VIP);
        assertFalse(Files.exists(lock), "no lock file left: " + lock);
    }

    // --- helpers ---

    /** An agent's process, its pid, and its log. */
    private final class Agent {
        final Process process;
        final long pid;
        final Path log;

        Agent(Process process, long pid) {
            this.process = process;
            this.pid = pid;
            this.log = agentLog;
        }

        String log() throws IOException {
            return Files.readString(log);
        }

        void awaitLog(String text) throws Exception {
            awaitFile(log, text);
        }

        /**
         * Waits until {@code lines} lines of the log hold {@code text}: the agent writes a request's line after it has
         * answered, so a launcher that returned may be ahead of it.
         */
        void awaitLines(String text, int lines) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (count(log(), text) < lines) {
                assertTrue(System.nanoTime() < deadline, "fewer than " + lines + " lines with '" + text + "': " + log());
                Thread.sleep(20);
            }
        }
    }

    /** What an agent holds, counted from /proc, and the files of its directory. */
    private static final class Resources {
        final long descriptors;
        final long threads;
        final List<String> files;

        private Resources(long descriptors, long threads, List<String> files) {
            this.descriptors = descriptors;
            this.threads = threads;
            this.files = files;
        }

        /**
         * Once two looks 1.2 s apart agree: a used pair is replaced, and an ARP socket closed, just after the answer; a
         * claim that lost the race with a pair's replacement goes at the agent's next sweep (each second).
         */
        static Resources of(Agent agent, Path agentDir) throws Exception {
            Resources last = look(agent, agentDir);
            for (int i = 0; i < 20; i++) {
                Thread.sleep(1200);
                Resources now = look(agent, agentDir);
                if (now.descriptors == last.descriptors && now.threads == last.threads && now.files.equals(last.files)) {
                    return now;
                }
                last = now;
            }
            return last;
        }

        private static Resources look(Agent agent, Path agentDir) throws Exception {
            List<String> files = new ArrayList<>();
            try (Stream<Path> all = Files.walk(agentDir)) {
                all.filter(p -> !p.getFileName().toString().endsWith(".log")).forEach(p -> files.add(agentDir.relativize(p).toString()
                        .replaceAll("/[0-9]+-[0-9]+-[0-9]+\\.", "/N.")));
            }
            Collections.sort(files);
            try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(agent.pid), "fd"));
                 Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(agent.pid), "task"))) {
                return new Resources(fds.count(), tasks.count(), files);
            }
        }
    }

    private Shell.Result vipctl(NamespaceLab.Host host, String... args) {
        return run(host, concat(List.of("env", "VIPCTL_AGENT_DIR=" + agentDir, Launcher.PATH.toString()), args));
    }

    private Process startVipctl(NamespaceLab.Host host, String... args) throws IOException {
        List<String> command = host.command(concat(List.of("env", "VIPCTL_AGENT_DIR=" + agentDir, Launcher.PATH.toString()), args)
                .toArray(new String[0]));
        return LAB.killAfterTest(new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start());
    }

    private static Shell.Result run(NamespaceLab.Host host, List<String> command) {
        return Shell.run(host.command(command.toArray(new String[0])));
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    private Agent startAgent(NamespaceLab.Host host, String... extra) throws Exception {
        Process process = startAgentProcess(host, extra);
        return new Agent(process, awaitStarted());
    }

    private Process startAgentProcess(NamespaceLab.Host host, String... extra) throws IOException {
        agentLog = dir.resolve("agent-" + ++agents + ".log");
        List<String> command = concat(List.of("env", "VIPCTL_AGENT_DIR=" + agentDir, Launcher.PATH.toString(), "agent",
                "--interface", IF, "--log-file", agentLog.toString(), "--quiet"), extra);
        return LAB.killAfterTest(new ProcessBuilder(host.command(command.toArray(new String[0])))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(dir.resolve("agent.stderr").toFile()).start());
    }

    /** The agent's pid, once its log says it serves. */
    private long awaitStarted() throws Exception {
        awaitFile(agentLog, "agent started");
        String log = Files.readString(agentLog);
        String started = log.substring(log.lastIndexOf("agent started: pid ") + "agent started: pid ".length());
        return Long.parseLong(started.substring(0, started.indexOf(',')));
    }

    /** The agent has made its (not yet published) directory: it is warming up. */
    private void awaitStaging() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.isDirectory(agentDir) || !hasEntryStartingWith(agentDir, ".")) {
            assertTrue(System.nanoTime() < deadline, "the agent never made its directory");
            Thread.sleep(5);
        }
    }

    /** The launcher {@code pid} has claimed a pair of {@code pool}: it holds one of the pool's FIFOs open. */
    private static void awaitClaim(Path pool, long pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                if (fds.anyMatch(fd -> {
                    try {
                        return Files.readSymbolicLink(fd).startsWith(pool);
                    } catch (IOException closedMeanwhile) {
                        return false;
                    }
                })) {
                    return;
                }
            } catch (java.nio.file.NoSuchFileException notYetOrGone) {
                // the exec chain has not come to the launcher's pid yet
            }
            assertTrue(System.nanoTime() < deadline, "no launcher claimed a pair of " + pool);
            Thread.sleep(1);
        }
    }

    /**
     * The launcher (bash, at the end of the ip netns exec and env chain, so with its pid) waits in select(2) for the
     * answer: it wrote its request before. Where the kernel does not say, the claim alone has to do.
     */
    private static void awaitWaiting(long pid) throws Exception {
        Path wchan = Path.of("/proc", Long.toString(pid), "wchan");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String waitingIn = Files.exists(wchan) ? Files.readString(wchan) : "";
            if (waitingIn.contains("select") || waitingIn.contains("poll")) {
                return;
            }
            Thread.sleep(1);
        }
    }

    private static boolean hasEntryStartingWith(Path directory, String prefix) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.anyMatch(p -> p.getFileName().toString().startsWith(prefix));
        }
    }

    private void awaitFile(Path file, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(20);
        }
        Path stderr = dir.resolve("agent.stderr");
        fail(file + " never said '" + text + "'; it says: " + (Files.exists(file) ? Files.readString(file) : "(nothing)")
                + "; the agent's stderr: " + (Files.exists(stderr) ? Files.readString(stderr) : ""));
    }

    private static void awaitVip(NamespaceLab.Host host) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!addresses(host).contains(NamespaceLab.VIP + "/24")) {
            assertTrue(System.nanoTime() < deadline, "the VIP never appeared");
            Thread.sleep(2);
        }
    }

    private static String addresses(NamespaceLab.Host host) {
        return host.run("ip", "-4", "addr", "show", "dev", IF);
    }

    private static String mode(Path path) throws IOException {
        return Shell.check("stat", "-c", "%A %U", path.toString()).trim().substring(1);
    }

    private static void signal(long pid, String signal) {
        Shell.Result result = Shell.run(List.of("kill", "-" + signal, Long.toString(pid)));
        assertEquals(0, result.exitCode, Launcher.describe(result));
    }

    private static long count(String text, String part) {
        long count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }
}
