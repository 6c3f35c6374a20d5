package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Attack tests for the resident agent's trust boundaries (see AgentProtocol's class comment): root's agent
 * ({@code vipctl agent --agent-group adm}) serves root and the members of its group through per-user pools of FIFO
 * pairs. An unprivileged group member (uid 65534 with the supplementary group adm, made with setpriv, no /etc/group
 * change) and a non-member (uid 65534, no groups) attack it from inside lab host A with the packaged launcher and
 * plain shell tools. Each test uses its own agent directory (VIPCTL_AGENT_DIR in a @TempDir), so no agent of the
 * machine is involved.
 *
 * <p>The last seven tests each showed a weakness found while writing these tests, fixed since: their comments say what
 * they showed.
 */
class AgentTrustLabTest {
    @RegisterExtension
    static final LabExtension LAB = new LabExtension();

    private static final String IF = NamespaceLab.INTERFACE;
    private static final String VIP = NamespaceLab.VIP_WITH_PREFIX;
    /** Host A's own address on eth0: no member may take it down. */
    private static final String OWN_ADDRESS = "198.51.100.11/24";
    private static final int MEMBER_UID = 65534;
    private static final String AGENT_GROUP = "adm";
    /** uid/gid nobody with the supplementary group adm (gid 4 on Debian): a member of the agent's group. */
    private static final List<String> MEMBER = List.of("setpriv", "--reuid=65534", "--regid=65534", "--groups=4");
    /** uid/gid nobody without any supplementary group: not a member. */
    private static final List<String> NON_MEMBER = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    /** VIPs besides {@link #VIP} that tests configure on host A; removed after each test. */
    private static final List<String> OTHER_VIPS = List.of("198.51.100.101/24", "198.51.100.102/24", "198.51.100.103/24",
            "198.51.100.104/24", "198.51.100.105/24", "198.51.100.106/24", "198.51.100.107/24", "198.51.100.108/24",
            "198.51.100.151/24", "198.51.100.152/24", "198.51.100.153/24", "198.51.100.154/24");
    /** What the agent writes at the start of each of its log lines: a timestamp, then its name and pid. */
    private static final Pattern LOG_LINE_START = Pattern.compile("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} vipctl-agent\\[(\\d+)\\] .*");
    /** How long an agent may take to start: its warm-up takes several seconds, more on a loaded machine. */
    private static final long AGENT_START_SECONDS = 120;
    private static final long COMMAND_SECONDS = 120;

    /** Holds a copy of the distribution that nobody can read, if the packaged one is not (see {@link #launcherForMembers}). */
    @TempDir
    static Path shared;
    /** The launcher that the member and the non-member run. */
    private static String memberLauncher;

    @TempDir
    Path dir;
    private Path agentDir;
    private Path agentLog;
    private NamespaceLab.Host host;
    /** Processes this test started (agents, member processes): killed after it, before its VIPs are removed. */
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void launcherForMembers() throws IOException {
        memberLauncher = UnprivilegedLauncher.path(shared);
    }

    @BeforeEach
    void prepare() throws IOException {
        host = LAB.lab().hostA();
        // Members must be able to reach the agent directory: @TempDir makes its directory 0700 (its parent, /tmp, is 1777).
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        agentDir = dir.resolve("agent");
        agentLog = dir.resolve("agent.log");
        removeVips();
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Process process : started) {
            process.destroyForcibly(); // SIGKILL: also ends a stopped agent
            process.waitFor(60, TimeUnit.SECONDS);
        }
        removeVips();
    }

    private void removeVips() {
        for (String vip : OTHER_VIPS) {
            Shell.run(host.command("ip", "addr", "del", vip, "dev", IF));
        }
        LAB.removeVip();
    }

    // --- 1. A member's hand-over ---

    @Test
    void aMembersHandOverIsServedByTheAgentEndToEnd() throws Exception {
        Agent agent = startAgent();

        Shell.Result up = member("up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), "the member's very first request is the agent's: " + Launcher.describe(up));
        assertTrue(hasAddress(VIP), "the agent added the VIP: " + addresses());
        Path pool = agent.pool(MEMBER_UID);
        assertEquals(0, ownerOf(pool), "the member's pool is the agent's");
        Shell.Result acl = Shell.run(List.of("getfacl", "--omit-header", "--numeric", pool.toString()));
        assertEquals(List.of("user::rwx", "user:" + MEMBER_UID + ":rwx", "group::---", "mask::rwx", "other::---"),
                acl.stdout.lines().filter(line -> !line.isEmpty()).collect(Collectors.toList()), "opened to the member alone: " + Launcher.describe(acl));

        Shell.Result down = member("down", "--interface", IF, "--vip", VIP, "--json");
        assertEquals(0, down.exitCode, Launcher.describe(down));
        assertEquals("agent", Launcher.jsonString(down.stdout, "servedBy"), Launcher.describe(down));
        assertFalse(hasAddress(VIP), "the agent removed the VIP: " + addresses());

        String log = Files.readString(agentLog);
        assertTrue(log.contains("request from uid " + MEMBER_UID + " (pid ") && log.contains("up --interface " + IF + " --vip " + VIP
                + " --garp-count 1 --json -> exit 0"), log);
        assertTrue(log.contains("down --interface " + IF + " --vip " + VIP + " --json -> exit 0"), log);
    }

    // --- 2. Root's powers a member may not use ---

    @Test
    void aMemberCannotMakeTheAgentWriteOrReadFilesOrLiftASafetyRule() throws Exception {
        startAgent();
        Path rootOnly = Files.createDirectory(dir.resolve("root-only"));
        Files.setPosixFilePermissions(rootOnly, PosixFilePermissions.fromString("rwx------"));
        Path victim = rootOnly.resolve("victim");
        Path etc = Files.createDirectory(dir.resolve("etc")); // like /etc: anyone may look, only root may write
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path nologin = etc.resolve("nologin");
        // A root-only config file: were it parsed, the error about its bad value would print the secret.
        String secretText = "TOPSECRET-" + Long.toHexString(System.nanoTime());
        Path secret = Files.writeString(dir.resolve("secret.properties"), "interface=" + IF + "\ngarp-count=" + secretText + "\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path lockDir = Files.createDirectory(dir.resolve("locks"));
        Files.setPosixFilePermissions(lockDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertTrue(hasAddress(OWN_ADDRESS), addresses());

        List<List<String>> attempts = List.of(
                List.of("--log-file", "up", "--interface", IF, "--vip", VIP, "--log-file", victim.toString()),
                List.of("--log-file", "up", "--interface", IF, "--vip", VIP, "--log-file=" + nologin),
                List.of("--log-file", "up", "--interface", IF, "--vip", VIP, "--log-f", nologin.toString()), // an abbreviation
                List.of("--log-file", "down", "--interface", IF, "--vip", VIP, "--log-file", victim.toString()),
                List.of("--config", "up", "--interface", IF, "--vip", VIP, "--config", secret.toString()),
                List.of("--config", "up", "--interface", IF, "--vip", VIP, "-c", secret.toString()),
                List.of("--config", "down", "--interface", IF, "--vip", VIP, "--config=" + secret),
                List.of("--lock-dir", "up", "--interface", IF, "--vip", VIP, "--lock-dir", lockDir.toString()),
                List.of("--lock-dir", "down", "--interface", IF, "--vip", VIP, "--lock-dir=" + lockDir),
                List.of("--force", "down", "--interface", IF, "--vip", OWN_ADDRESS, "--force"),
                List.of("--force", "down", "--interface", IF, "--vip", OWN_ADDRESS, "--for")); // an abbreviation
        for (List<String> attempt : attempts) {
            String option = attempt.get(0);
            String before = hostState();
            Shell.Result result = member(attempt.subList(1, attempt.size()).toArray(new String[0]));
            String what = String.join(" ", attempt.subList(1, attempt.size())) + ": " + Launcher.describe(result);
            assertEquals(2, result.exitCode, what);
            assertTrue(result.stderr.contains("may not give " + option), "the agent's refusal names " + option + ": " + what);
            assertFalse(result.stdout.contains(secretText) || result.stderr.contains(secretText), "the secret stays root's: " + what);
            assertEquals(before, hostState(), "nothing changed on the host: " + what);
        }
        assertFalse(Files.exists(victim, LinkOption.NOFOLLOW_LINKS), "root wrote no file for the member in " + rootOnly);
        assertFalse(Files.exists(nologin, LinkOption.NOFOLLOW_LINKS), "root wrote no file for the member in " + etc);
        try (Stream<Path> entries = Files.list(lockDir)) {
            assertEquals(List.of(), entries.collect(Collectors.toList()), "root made no lock file in the member's --lock-dir");
        }
        assertTrue(hasAddress(OWN_ADDRESS), "host A's own address is still there: " + addresses());
        assertFalse(hasAddress(VIP), addresses());
        String log = Files.readString(agentLog);
        assertFalse(log.contains(secretText), "nor in the agent's log: " + log);
    }

    // --- 3. No planting, no forging ---

    @Test
    void aMemberCannotPlantOrOpenAnythingOutsideItsOwnPool() throws Exception {
        Agent agent = startAgent();
        Path rootPool = agent.pool(0);
        List<Path> rootFifos = fifosIn(rootPool);
        assertFalse(rootFifos.isEmpty(), "root's pool has its pairs");
        List<Path> planted = new ArrayList<>();
        for (Path place : List.of(agentDir, agent.home, rootPool)) {
            planted.add(place.resolve("planted-fifo.q"));
            assertPermissionDenied(asMember("mkfifo", place.resolve("planted-fifo.q").toString()));
            planted.add(place.resolve("planted-file.a"));
            assertPermissionDenied(asMember("touch", place.resolve("planted-file.a").toString()));
            planted.add(place.resolve("planted-by-sh.c"));
            assertPermissionDenied(asMemberSh("exec 3<>\"$1\"", place.resolve("planted-by-sh.c").toString()));
        }
        // Another agent's directory, and a pool the agent did not make.
        Path fakeHome = agentDir.resolve((agent.pid + 1) + "-" + IF);
        planted.add(fakeHome);
        assertPermissionDenied(asMember("mkdir", fakeHome.toString()));
        planted.add(agent.pool(MEMBER_UID));
        assertPermissionDenied(asMember("mkdir", agent.pool(MEMBER_UID).toString()));
        assertPermissionDenied(asMember("ls", rootPool.toString()));
        for (Path fifo : rootFifos) {
            assertPermissionDenied(asMemberSh("exec 3<>\"$1\"", fifo.toString()));            // for writing (and reading)
            assertPermissionDenied(asMemberSh("exec 3>\"$1\"", fifo.toString()));             // for writing
            assertPermissionDenied(asMember("timeout", "10", "sh", "-c", "exec 3<\"$1\"", "sh", fifo.toString())); // for reading
            assertPermissionDenied(asMember("rm", "-f", fifo.toString()));
            assertPermissionDenied(asMember("mv", fifo.toString(), fifo + ".x"));
        }
        assertPermissionDenied(asMember("mv", rootPool.toString(), rootPool + "x"));
        assertPermissionDenied(asMember("rm", "-f", agent.home.resolve("alive").toString()));
        for (Path path : planted) {
            assertFalse(Files.exists(path, LinkOption.NOFOLLOW_LINKS), path + " was not made");
        }
        assertEquals(rootFifos, fifosIn(rootPool), "root's pool has the pairs the agent made, no others");
        assertEquals(0, ownerOf(rootPool));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(rootPool, LinkOption.NOFOLLOW_LINKS)));

        // new/ takes anyone's file, but a pool only for the file's owner: not root's, nor another user's.
        Path newPools = agent.home.resolve("new");
        for (String uid : List.of("0", "1001")) {
            Shell.Result asked = asMember("touch", newPools.resolve(uid).toString());
            assertEquals(0, asked.exitCode, Launcher.describe(asked));
        }
        awaitEmpty(newPools, 15);
        assertFalse(Files.exists(agent.pool(1001), LinkOption.NOFOLLOW_LINKS), "no pool for a uid the member named");
        assertEquals(0, ownerOf(rootPool), "root's pool is still root's");

        Shell.Result up = root("up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), "root's request went to the real agent: " + Launcher.describe(up));
        assertTrue(hasAddress(VIP), "and the VIP is really there: " + addresses());
    }

    // --- 4. Root's launcher and a fake agent ---

    /**
     * A member builds what looks like an agent: a directory named by the pid of its own process, which holds a pair of
     * FIFOs named as an agent names root's ({@code N-Q-A}: its descriptors 3 and 4), with the free token and a forged
     * answer (accepted, exit 0, stdout "forged") already waiting. Root's launcher opens only a process's descriptors
     * that runs as root or as the agent's user (VIPCTL_AGENT_USER, default vipctl): not the member's.
     */
    @Test
    void rootsLauncherTrustsOnlyTheAgentsProcess() throws Exception {
        Path memberDir = memberDirectory("member");
        Process forger = fakeAgent(MEMBER, memberDir.resolve("building"));
        Path fakeHome = memberDir.resolve(forger.pid() + "-" + IF);
        Shell.Result moved = asMember("mv", memberDir.resolve("building").toString(), fakeHome.toString());
        assertEquals(0, moved.exitCode, Launcher.describe(moved));

        Shell.Result up = Shell.run(host.command("env", "VIPCTL_AGENT_DIR=" + memberDir, Launcher.PATH.toString(), "up", "--interface", IF,
                "--vip", VIP, "--garp-count", "1", "--json"), COMMAND_SECONDS);
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("process", Launcher.jsonString(up.stdout, "servedBy"), "root's launcher ran the request itself: " + Launcher.describe(up));
        assertFalse(up.stdout.contains("forged") || up.stderr.contains("forged"), "and printed nothing of the member's: " + Launcher.describe(up));
        assertFalse(up.stderr.contains("resident agent"), "a process not the agent's is not an agent: " + up.stderr);
        assertTrue(hasAddress(VIP), "the VIP is really there: " + addresses());
        assertEquals("F", tokenLeft(forger), "root's launcher took no token from the member's FIFO");
    }

    /**
     * Root's launcher checked only that the agent directory and the agent's directory were owned by root ({@code -O},
     * which follows a symlink): with VIPCTL_AGENT_DIR a root-owned sticky directory that anyone may write to (like
     * /tmp), any user, not even a member, could link {@code PID-eth0} to that directory, put a pool {@code 0} with FIFOs
     * of its own next to it and a forged answer into them, and root's launcher printed the forgery and exited 0 without
     * running anything. Now root's launcher trusts a process, not a directory; the agent refuses such a directory.
     */
    @Test
    void rootsLauncherTrustsNoAgentDirectoryOthersMayWriteTo() throws Exception {
        Path sticky = Files.createDirectory(dir.resolve("sticky"));
        Files.setPosixFilePermissions(sticky, PosixFilePermissions.fromString("rwxrwxrwx"));
        Shell.check("chmod", "1777", sticky.toString());
        Process forger = fakeAgent(NON_MEMBER, sticky.resolve("building"));
        Shell.Result linked = asNonMember("ln", "-s", sticky.resolve("building").toString(), sticky.resolve(forger.pid() + "-" + IF).toString());
        assertEquals(0, linked.exitCode, Launcher.describe(linked));

        Shell.Result up = Shell.run(host.command("env", "VIPCTL_AGENT_DIR=" + sticky, Launcher.PATH.toString(), "up", "--interface", IF,
                "--vip", VIP, "--garp-count", "1", "--json"), COMMAND_SECONDS);
        assertFalse(up.stdout.contains("forged"), "root's launcher printed another user's forged answer: " + Launcher.describe(up));
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("process", Launcher.jsonString(up.stdout, "servedBy"), Launcher.describe(up));
        assertTrue(hasAddress(VIP), "the VIP is really there: " + addresses());
        assertEquals("F", tokenLeft(forger), "root's launcher took no token from the forger's FIFO");
    }

    /**
     * A fake agent in {@code home} made by {@code user}: a pool 0 with the pair {@code 1-3-4}, held by a process of the
     * user as descriptors 3 (request) and 4 (answer), the free token and a forged answer waiting in the answer FIFO.
     */
    private Process fakeAgent(List<String> user, Path home) throws Exception {
        Path pool = home.resolve("0");
        Shell.Result built = Shell.run(host.command(concat(user, "sh", "-c", "mkdir -p \"$1/new\" \"$2\" && mkfifo -m 600 \"$2/1-3-4.q\" \"$2/1-3-4.a\"",
                "sh", home.toString(), pool.toString())), COMMAND_SECONDS);
        assertEquals(0, built.exitCode, Launcher.describe(built));
        Process forger = startProcess(host.command(concat(user, "sh", "-c", "exec 3<>\"$1/1-3-4.q\" 4<>\"$1/1-3-4.a\""
                + " && printf 'FA000%010d%010d%s' 6 0 forged >&4 && exec sleep 120", "sh", pool.toString())));
        LabExtension.awaitCommand(forger.pid(), "sleep"); // exec chain ip, setpriv, sh, sleep: the pid is sleep's
        return forger;
    }

    /** The first byte waiting in the fake agent's answer FIFO (read through its descriptor, as root). */
    private static String tokenLeft(Process forger) throws IOException {
        try (java.io.InputStream answer = Files.newInputStream(Path.of("/proc", Long.toString(forger.pid()), "fd", "4"))) {
            return new String(answer.readNBytes(1), java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    // --- 5. Non-members ---

    @Test
    void nonMembersGetNothing() throws Exception {
        Agent agent = startAgent();
        assertPermissionDenied(asNonMember("ls", agent.home.toString()));
        assertPermissionDenied(asNonMember("touch", agent.home.resolve("new").resolve(Integer.toString(MEMBER_UID)).toString()));

        // From /: the launcher returns to its working directory by name, which a non-member may not enter (a checkout in a
        // 0700 directory).
        Shell.Result up = Shell.run(host.command(concat(NON_MEMBER, "env", "-C", "/", "VIPCTL_AGENT_DIR=" + agentDir, memberLauncher, "up", "--interface", IF,
                "--vip", VIP, "--garp-count", "1", "--json")), COMMAND_SECONDS);
        assertEquals(3, up.exitCode, "not privileged, in its own process: " + Launcher.describe(up));
        assertEquals("process", Launcher.jsonString(up.stdout, "servedBy"), Launcher.describe(up));
        assertFalse(up.stderr.contains("resident agent"), "not a word about the agent it cannot use: " + up.stderr);
        assertFalse(hasAddress(VIP), addresses());
        assertFalse(Files.exists(agent.pool(MEMBER_UID), LinkOption.NOFOLLOW_LINKS), "no pool for a non-member");
        assertFalse(Files.readString(agentLog).contains("uid " + MEMBER_UID), Files.readString(agentLog));
    }

    // --- 6. A stopped agent ---

    @Test
    void aStoppedAgentNeverBlocksLaunchersNorRunsTheirWithdrawnRequests() throws Exception {
        Agent agent = startAgent();
        List<String> vips = OTHER_VIPS.subList(0, 8);
        List<Shell.Result> results = new ArrayList<>();
        ExecutorService launchers = Executors.newFixedThreadPool(vips.size());
        signal("STOP", agent.pid);
        int pairs = 0;
        try {
            // Root's pairs while the agent stands still: all free (root's launchers claim by a token the agent puts
            // into each new pair, and the warm-up's pairs were replaced after their answers).
            for (Path fifo : fifosIn(agent.pool(0))) {
                if (fifo.getFileName().toString().endsWith(".q")) {
                    pairs++;
                }
            }
            List<CompletableFuture<Shell.Result>> ups = new ArrayList<>();
            for (int i = 0; i < vips.size(); i++) {
                String[] args = {"up", "--interface", IF, "--vip", vips.get(i), "--label", IF + ":" + (i + 1), "--garp-count", "1",
                        "--probe-wait-ms", "0", "--json"};
                ups.add(CompletableFuture.supplyAsync(() -> root(args), launchers));
            }
            for (CompletableFuture<Shell.Result> up : ups) {
                results.add(up.get(COMMAND_SECONDS + 30, TimeUnit.SECONDS));
            }
        } finally {
            signal("CONT", agent.pid);
            launchers.shutdownNow();
        }
        int tookBack = 0;
        for (int i = 0; i < vips.size(); i++) {
            Shell.Result up = results.get(i);
            String what = vips.get(i) + ": " + Launcher.describe(up);
            assertEquals(0, up.exitCode, what);
            assertEquals("process", Launcher.jsonString(up.stdout, "servedBy"), what);
            boolean claimed = up.stderr.contains("did not take the request within 0.5 s; running it in this process");
            assertTrue(claimed || up.stderr.contains("no free request channel for uid 0; running the request in this process"), what);
            tookBack += claimed ? 1 : 0;
            assertTrue(hasAddress(vips.get(i)), what + "\n" + addresses());
        }
        assertEquals(pairs, tookBack, "each of root's " + pairs + " free pairs was claimed once and its request taken back");

        for (String vip : vips) {
            Shell.Result down = Shell.run(host.command("env", "VIPCTL_NO_AGENT=1", Launcher.PATH.toString(), "down", "--interface", IF,
                    "--vip", vip), COMMAND_SECONDS);
            assertEquals(0, down.exitCode, Launcher.describe(down));
        }
        awaitLog(agentLog, "withdrawn", 30);
        Thread.sleep(3000);
        String addresses = addresses();
        for (String vip : vips) {
            assertFalse(addresses.contains("inet " + vip + " "), "the woken agent ran no withdrawn 'up' (" + vip + "): " + addresses);
        }
        String log = Files.readString(agentLog);
        for (String vip : vips) {
            assertFalse(log.contains("--vip " + vip + " "), "the agent ran nothing for " + vip + ": " + log);
        }
        Shell.Result after = root("up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals("agent", Launcher.jsonString(after.stdout, "servedBy"), "the woken agent serves again: " + Launcher.describe(after));
    }

    // --- 7. A member's flood ---

    @Test
    void aMembersFloodHurtsNoOne() throws Exception {
        Agent agent = startAgent();
        Path pool = memberPool(agent);
        awaitOneMinuteForTheFlood();
        // 2000 stray files in its pool; a stream of frames that break the protocol on whatever pairs it has (some land
        // on a pair's old name as a file of their own); 300 000 bytes into one request FIFO.
        Shell.Result flood = asMemberSh("cd \"$1\" || exit 1\n"
                + "i=0; while [ $i -lt 2000 ]; do : > junk.$i; i=$((i+1)); done\n"
                + "n=0; while [ $n -lt 100 ]; do for q in *.q; do (exec 3<>\"$q\" && printf 'v%s' garbage-garbage-garbage-garbage >&3)"
                + " 2>/dev/null; n=$((n+1)); done; done\n"
                + "for q in *.q; do head -c 300000 /dev/zero | tr '\\000' v | timeout 30 dd of=\"$q\" bs=4096 2>/dev/null; break; done\n"
                + "exit 0", pool.toString());
        assertEquals(0, flood.exitCode, Launcher.describe(flood));

        // Until the pool holds the agent's FIFOs only: the junk, and the regular files that writes to a pair's old
        // name made, are gone.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<String> junk = notFifosIn(pool);
        while (!junk.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            junk = notFifosIn(pool);
        }
        assertEquals(List.of(), junk.subList(0, Math.min(10, junk.size())), junk.size() + " stray files are still in the member's pool");

        Shell.Result up = root("up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), "root's hand-over after the flood: " + Launcher.describe(up));
        Shell.Result down = member("down", "--interface", IF, "--vip", VIP, "--json");
        assertEquals(0, down.exitCode, Launcher.describe(down));
        assertEquals("agent", Launcher.jsonString(down.stdout, "servedBy"), "the member's hand-over after the flood: " + Launcher.describe(down));
        assertFalse(hasAddress(VIP), addresses());

        List<String> badRequests = logLines(agentLog).stream().filter(line -> line.contains("bad request")).collect(Collectors.toList());
        assertFalse(badRequests.isEmpty(), "the flood reached the agent");
        assertTrue(badRequests.size() <= 25, "at most about 20 lines a minute about a caller's bad requests, not " + badRequests.size()
                + ":\n" + String.join("\n", badRequests));
    }

    // --- Findings: each fails until the weakness it shows is fixed ---

    /**
     * The agent logs each request's arguments as they are: a member's argument with a newline in it writes a line of
     * its own into root's log, here one that claims root forced host A's own address down.
     */
    @Test
    void aMemberCannotForgeLinesInTheAgentsLog() throws Exception {
        Agent agent = startAgent();
        String forged = "2026-01-01 00:00:00.000 vipctl-agent[1] request from uid 0 (pid 1): down --interface " + IF + " --vip " + OWN_ADDRESS
                + " --force -> exit 0";
        memberPool(agent);
        Shell.Result result = member("up", "--interface", IF, "--vip", VIP + "\n" + forged + "\n" + "2026-01-01 00:00:00.001 vipctl-agent[1] x");
        assertEquals(2, result.exitCode, Launcher.describe(result));
        awaitLog(agentLog, forged, 10); // the agent served it
        for (String line : logLines(agentLog)) {
            Matcher start = LOG_LINE_START.matcher(line);
            assertTrue(start.matches() && start.group(1).equals(Long.toString(agent.pid)),
                    "every line of the agent's log is the agent's; a member's argument wrote this one: " + line);
        }
    }

    /**
     * A member fills its own pair's answer FIFO (it owns it and may open it for writing), then writes a frame that breaks
     * the protocol and keeps the request FIFO open: the agent's leader declines it with a write that waits up to 10 s
     * for room, holding the leadership, so for those 10 s nobody's request is read. Root's hand-over meanwhile falls
     * back to its own JVM ("did not take the request within 0.5 s"); the member can repeat this with each new pair.
     */
    @Test
    void aMemberCannotStallTheAgentForEveryoneElse() throws Exception {
        Path pool = memberPool(startAgent());
        startProcess(host.command(concat(MEMBER, "sh", "-c", "cd \"$1\" || exit 1\n"
                + "for q in *.q; do break; done\n"
                + "n=${q%.q}\n"
                + ": > \"$n.c\"\n"
                + "dd if=/dev/zero of=\"$n.a\" bs=4096 count=64 oflag=nonblock 2>/dev/null\n" // fill the answer pipe
                + "dd if=/dev/zero of=\"$n.a\" bs=1 count=4096 oflag=nonblock 2>/dev/null\n"
                + "exec 4<>\"$q\"\n"
                + "printf 'v%s' xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx >&4\n"
                + "exec sleep 120", "sh", pool.toString())));
        awaitLog(agentLog, "bad request on uid " + MEMBER_UID, 30);

        Shell.Result up = root("up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), "a member's full answer FIFO must not stop the agent from serving root: "
                + Launcher.describe(up));
    }

    /**
     * The agent removes what a member puts into its pool, but the first entry it cannot remove (a non-empty directory)
     * ends each sweep: whatever comes after it in the directory stays, so the pool grows after all.
     */
    @Test
    void aDirectoryInItsPoolDoesNotKeepAMembersStrayFilesThere() throws Exception {
        Agent agent = startAgent();
        Path pool = memberPool(agent);
        Shell.Result junk = asMemberSh("cd \"$1\" || exit 1\n"
                + "i=0; while [ $i -lt 2000 ]; do : > junk.$i; i=$((i+1)); done\n"
                + "mkdir keep && : > keep/file", pool.toString());
        assertEquals(0, junk.exitCode, Launcher.describe(junk));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<String> left = junkIn(pool);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            left = junkIn(pool);
        }
        assertEquals(List.of(), left.subList(0, Math.min(10, left.size())), left.size() + " stray files are still in the member's pool");
    }

    /**
     * A member moves a non-empty directory into new/ (it may add entries there): the agent cannot remove it, and logs
     * "cannot read .../new" with line(), not the rate-limited problem(), once a second and once for every inotify event
     * the member causes (touch). 200 touches, about 200 lines; the directory stays.
     */
    @Test
    void aDirectoryInNewDoesNotFloodTheAgentsLog() throws Exception {
        Agent agent = startAgent();
        Path pool = memberPool(agent);
        Path newPools = agent.home.resolve("new");
        Shell.Result moved = asMemberSh("mkdir \"$1/d\" && : > \"$1/d/f\" && mv \"$1/d\" \"$2/d\"", pool.toString(), newPools.toString());
        assertEquals(0, moved.exitCode, Launcher.describe(moved));
        int before = logLines(agentLog).size();
        Shell.Result touched = asMemberSh("i=0; while [ $i -lt 200 ]; do touch \"$1\"; i=$((i+1)); done", newPools.resolve("d").toString());
        assertEquals(0, touched.exitCode, Launcher.describe(touched));
        Thread.sleep(2000);
        List<String> lines = logLines(agentLog);
        List<String> added = lines.subList(before, lines.size());
        assertTrue(added.size() <= 25, () -> "a member's entries in new/ cost the log at most about 20 lines a minute, not " + added.size()
                + ", e.g.: " + added.get(added.size() - 1));
        awaitEmpty(newPools, 10);
    }

    /**
     * When the agent stops (SIGTERM, so systemctl stop or restart) it removes its directory with Files.walkFileTree and
     * Files.deleteIfExists by path, into the members' pools. A member swaps a directory in its pool with a symlink to a
     * directory only root may read (renameat2 RENAME_EXCHANGE in a loop): the agent lists the member's directory, then
     * deletes "pool/d/NAME" while pool/d is the symlink, so root deletes the victim's files. The same walk removes a
     * dead agent's directory at the next start (removeLeftovers). Up to 3 agents in a row whose swapping began (at most 6);
     * the first usually suffices.
     */
    @Test
    void stoppingTheAgentNeverDeletesFilesThroughAMembersSymlink() throws Exception {
        Assumptions.assumeTrue(Shell.run(List.of("uname", "-m")).stdout.trim().equals("x86_64"), "renameat2 is syscall 316 on x86_64");
        Assumptions.assumeTrue(Shell.run(List.of("perl", "-e", "1")).exitCode == 0, "needs perl for the member's swapping loop");
        Path victim = Files.createDirectory(dir.resolve("victim"));
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rwx------"));
        int files = 200;
        for (int i = 1; i <= files; i++) {
            Files.writeString(victim.resolve("f" + i), "precious\n");
        }
        Path memberDir = memberDirectory("member");
        String swap = "my ($dir, $link) = @ARGV;\n"
                + "while (1) {\n"
                + "  syscall(316, -100, $dir, -100, $link, 2) == 0 or exit 0;\n" // renameat2(AT_FDCWD, dir, AT_FDCWD, link, RENAME_EXCHANGE)
                + "  syscall(316, -100, $dir, -100, $link, 2) == 0 or exit 0;\n"
                + "  for (my $i = 0; $i < 200; $i++) {}\n"                      // a directory most of the time
                + "}\n";
        StringBuilder rounds = new StringBuilder();
        int swapped = 0;
        for (int round = 1; swapped < 3 && round <= 6 && count(victim) == files; round++) {
            Agent agent = startAgent(dir.resolve("agent-" + round + ".log"));
            Path pool = memberPool(agent);
            Path link = memberDir.resolve("link-" + round);
            Shell.Result planted = asMemberSh("mkdir \"$1/d\" && cd \"$1/d\" && i=1 && while [ $i -le " + files + " ]; do : > f$i; i=$((i+1)); done"
                    + " && ln -s \"$2\" \"$3\"", pool.toString(), victim.toString(), link.toString());
            assertEquals(0, planted.exitCode, Launcher.describe(planted));
            Process swapper = startProcess(host.command(concat(MEMBER, "perl", "-e", swap, pool.resolve("d").toString(), link.toString())));
            // Until the swapping has begun: the link's name holds the directory now and then. The agent's sweep removes
            // what a member leaves in its pool within a second, pool/d too: on a loaded machine it may do so before the
            // loop's first swap, which then ends it, and the round proves nothing (another agent is started).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            boolean swapping = true;
            while (!Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) {
                if (!swapper.isAlive()) {
                    swapping = false;
                    break;
                }
                assertTrue(System.nanoTime() < deadline, "the member's swapping loop never ran");
                Thread.yield();
            }
            signal("TERM", agent.pid);
            assertTrue(agent.process.waitFor(60, TimeUnit.SECONDS), "the agent stops on SIGTERM");
            swapper.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            swapped += swapping ? 1 : 0;
            rounds.append("\nround ").append(round).append(swapping ? "" : " (the sweep removed pool/d before the first swap)")
                    .append(": ").append(count(victim)).append(" of ").append(files)
                    .append(" files left; the agent's log: ").append(Files.readString(dir.resolve("agent-" + round + ".log")));
        }
        assertEquals(files, count(victim), "stopping the agent deleted files in " + victim + " (root 0700), which the member cannot even list:"
                + rounds);
        assertTrue(swapped > 0, "no round's swapping loop ran before the agent's sweep removed pool/d:" + rounds);
    }

    /**
     * A member has as many pairs as the agent has request threads (4): four slow requests of its own (100 announcement
     * rounds 10 s apart, about 16 minutes each) take every thread, and root's hand-over is declined ("busy") until they end.
     */
    @Test
    void oneMemberCannotTakeEveryRequestThread() throws Exception {
        Agent agent = startAgent();
        memberPool(agent);
        List<String> slow = OTHER_VIPS.subList(8, 12);
        for (int i = 0; i < slow.size(); i++) {
            startProcess(host.command(concat(MEMBER, "env", "VIPCTL_AGENT_DIR=" + agentDir, memberLauncher, "up", "--interface", IF, "--vip",
                    slow.get(i), "--label", IF + ":" + (11 + i), "--garp-count", "100", "--garp-interval-ms", "10000", "--probe-wait-ms", "0",
                    "--json")));
        }
        // The agent runs two of them (the members' share); the others are declined, and fail in their launchers' own
        // processes, which lack the privileges.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (slow.stream().filter(this::hasAddress).count() < 2) {
            assertTrue(System.nanoTime() < deadline, "the member's requests never added their VIPs: " + addresses());
            Thread.sleep(100);
        }
        Thread.sleep(2000);
        assertEquals(2, slow.stream().filter(this::hasAddress).count(), "the members' share is two requests at once: " + addresses());
        Shell.Result up = root("up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), "one member's requests must not take all of the agent from root: "
                + Launcher.describe(up));
    }

    // --- helpers ---

    /** A running agent: its process, pid and directory. */
    private static final class Agent {
        final Process process;
        final long pid;
        final Path home;

        Agent(Process process, long pid, Path home) {
            this.process = process;
            this.pid = pid;
            this.home = home;
        }

        Path pool(int uid) {
            return home.resolve(Integer.toString(uid));
        }
    }

    private Agent startAgent() throws Exception {
        return startAgent(agentLog);
    }

    /** Starts root's agent for eth0 with group adm in host A, and waits until it serves. */
    private Agent startAgent(Path log) throws Exception {
        Agent agent = tryStartAgent(log);
        if (agent == null) {
            Path stderr = dir.resolve("agent.stderr");
            fail("the agent did not start; log: " + (Files.exists(log) ? Files.readString(log) : "(none)") + "; stderr: "
                    + (Files.exists(stderr) ? Files.readString(stderr) : ""));
        }
        return agent;
    }

    /** One start: the agent, or null when it stopped before it served. */
    private Agent tryStartAgent(Path log) throws Exception {
        Path stderr = dir.resolve("agent.stderr");
        Process process = new ProcessBuilder(host.command("env", "VIPCTL_AGENT_DIR=" + agentDir, Launcher.PATH.toString(), "agent",
                "--interface", IF, "--log-file", log.toString(), "--quiet", "--agent-group", AGENT_GROUP))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile())).start();
        started.add(LAB.killAfterTest(process));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AGENT_START_SECONDS);
        Pattern startedLine = Pattern.compile("agent started: pid (\\d+),");
        while (true) {
            Matcher matcher = startedLine.matcher(Files.exists(log) ? Files.readString(log) : "");
            if (matcher.find()) {
                long pid = Long.parseLong(matcher.group(1));
                Path home = agentDir.resolve(pid + "-" + IF);
                assertTrue(Files.isDirectory(home, LinkOption.NOFOLLOW_LINKS), "the agent's directory " + home);
                return new Agent(process, pid, home);
            }
            if (!process.isAlive()) {
                return null;
            }
            if (System.nanoTime() > deadline) {
                fail("the agent did not start within " + AGENT_START_SECONDS + " s; log: " + (Files.exists(log) ? Files.readString(log) : "(none)")
                        + "; stderr: " + (Files.exists(stderr) ? Files.readString(stderr) : ""));
            }
            Thread.sleep(50);
        }
    }

    /** The member's pool, made by its first hand-over (a 'down' of a VIP that is not there). */
    private Path memberPool(Agent agent) {
        Shell.Result first = member("down", "--interface", IF, "--vip", VIP, "--json");
        assertEquals(0, first.exitCode, Launcher.describe(first));
        assertEquals("agent", Launcher.jsonString(first.stdout, "servedBy"), Launcher.describe(first));
        Path pool = agent.pool(MEMBER_UID);
        assertTrue(Files.isDirectory(pool, LinkOption.NOFOLLOW_LINKS), pool.toString());
        return pool;
    }

    /** Root's launcher in host A, with this test's agent directory. */
    private Shell.Result root(String... args) {
        return Shell.run(host.command(concat(List.of("env", "VIPCTL_AGENT_DIR=" + agentDir, Launcher.PATH.toString()), args)), COMMAND_SECONDS);
    }

    /** The member's launcher in host A, with this test's agent directory. */
    private Shell.Result member(String... args) {
        return Shell.run(host.command(concat(List.of(concat(MEMBER, "env", "VIPCTL_AGENT_DIR=" + agentDir, memberLauncher)), args)), COMMAND_SECONDS);
    }

    private Shell.Result asMember(String... command) {
        return Shell.run(host.command(concat(MEMBER, command)), COMMAND_SECONDS);
    }

    /** {@code sh -c script sh args...} as the member. */
    private Shell.Result asMemberSh(String script, String... args) {
        return asMember(concat(List.of("sh", "-c", script, "sh"), args));
    }

    private Shell.Result asNonMember(String... command) {
        return Shell.run(host.command(concat(NON_MEMBER, command)), COMMAND_SECONDS);
    }

    private Process startProcess(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(LAB.killAfterTest(process));
        return process;
    }

    /** A directory of the member's in this test's directory. */
    private Path memberDirectory(String name) throws IOException {
        Path path = Files.createDirectory(dir.resolve(name));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setAttribute(path, "unix:uid", MEMBER_UID);
        return path;
    }

    private static int ownerOf(Path path) throws IOException {
        return ((Number) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue();
    }

    private static void assertPermissionDenied(Shell.Result result) {
        assertNotEquals(0, result.exitCode, Launcher.describe(result));
        assertTrue(result.stderr.contains("Permission denied"), Launcher.describe(result));
    }

    private static void signal(String signal, long pid) {
        Shell.Result result = Shell.run(List.of("kill", "-" + signal, Long.toString(pid)));
        assertEquals(0, result.exitCode, Launcher.describe(result));
    }

    private static void awaitLog(Path log, String text, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!(Files.exists(log) && Files.readString(log).contains(text))) {
            if (System.nanoTime() > deadline) {
                fail("the agent never logged '" + text + "': " + (Files.exists(log) ? Files.readString(log) : "(no log)"));
            }
            Thread.sleep(50);
        }
    }

    private static void awaitEmpty(Path directory, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            List<String> left;
            try (Stream<Path> entries = Files.list(directory)) {
                left = entries.map(p -> p.getFileName().toString()).collect(Collectors.toList());
            }
            if (left.isEmpty()) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, directory + " still holds " + left);
            Thread.sleep(100);
        }
    }

    /**
     * The agent allows 20 problem lines per minute of the monotonic clock (System.nanoTime: CLOCK_MONOTONIC, the same
     * in every process). A flood that began in a minute's last 20 s could spread over two minutes and so get twice the
     * lines: it waits for the next minute instead.
     */
    private static void awaitOneMinuteForTheFlood() throws InterruptedException {
        long minute = TimeUnit.MINUTES.toNanos(1);
        long into = Math.floorMod(System.nanoTime(), minute);
        if (into > TimeUnit.SECONDS.toNanos(40)) {
            TimeUnit.NANOSECONDS.sleep(minute - into + TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    private static List<String> junkIn(Path pool) throws IOException {
        try (Stream<Path> entries = Files.list(pool)) {
            return entries.map(p -> p.getFileName().toString()).filter(name -> name.startsWith("junk.") || name.equals("keep"))
                    .sorted().collect(Collectors.toList());
        }
    }

    /**
     * A pool's pairs ({@code N-Q-A.q}, {@code N-Q-A.a}), without claims: the agent's warm-up leaves stray claims behind
     * (a claim that lost the race with a pair's replacement), which its sweep removes a moment later.
     */
    private static List<Path> fifosIn(Path pool) throws IOException {
        try (Stream<Path> entries = Files.list(pool)) {
            return entries.filter(p -> p.getFileName().toString().matches("[0-9]+-[0-9]+-[0-9]+\\.[qa]")).sorted().collect(Collectors.toList());
        }
    }

    /** What in a pool is not a FIFO, nor a claim. */
    private static List<String> notFifosIn(Path pool) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> entries = Files.list(pool)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                try {
                    if (!name.matches("[0-9]+-[0-9]+-[0-9]+\\.c") && !Files.readAttributes(entry, java.nio.file.attribute.BasicFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS).isOther()) {
                        found.add(name);
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    // removed meanwhile
                }
            }
        }
        found.sort(null);
        return found;
    }

    private static long count(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.count();
        }
    }

    private static List<String> logLines(Path log) throws IOException {
        return Files.readAllLines(log, StandardCharsets.UTF_8);
    }

    private String addresses() {
        return host.run("ip", "-4", "-o", "addr", "show", "dev", IF);
    }

    private boolean hasAddress(String address) {
        return addresses().contains("inet " + address + " ");
    }

    /** Host A's links and IPv4 addresses: what a request the agent should have refused could change. */
    private String hostState() {
        return host.run("ip", "-4", "-o", "addr", "show") + host.run("ip", "-o", "link", "show");
    }

    /** {@code head}, then {@code tail}: one command line. */
    private static String[] concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(Arrays.asList(tail));
        return all.toArray(new String[0]);
    }
}
