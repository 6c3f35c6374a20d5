package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The resident agent as its systemd unit runs it: an unprivileged user with CAP_NET_ADMIN and CAP_NET_RAW only (made
 * here with setpriv: uid {@value #AGENT_UID}, group adm, those two capabilities as ambient, bounding set and nothing
 * else, no_new_privs), serving root's launcher and a group member's. Its lock directory /run/vipctl is a tmpfs of the
 * agent's (0750, as the unit's RuntimeDirectory=) in a mount namespace of its own, so the machine's is not touched.
 * The agent's user is named to root's launcher by VIPCTL_AGENT_USER (no account is added to this machine).
 */
class UnprivilegedAgentLabTest {
    @RegisterExtension
    static final LabExtension LAB = new LabExtension();

    private static final String IF = NamespaceLab.INTERFACE;
    private static final String VIP = NamespaceLab.VIP_WITH_PREFIX;
    private static final int AGENT_UID = 64101;
    private static final String AGENT_GROUP = "adm";
    /** linux/capability.h: CAP_NET_ADMIN 12, CAP_NET_RAW 13: the bits 0x3000 of /proc/PID/status's Cap lines. */
    private static final String TWO_CAPABILITIES = "0000000000003000";
    private static final List<String> AS_AGENT_USER = List.of("setpriv", "--reuid=" + AGENT_UID, "--regid=4", "--clear-groups");
    private static final List<String> AGENT_PRIVILEGES = List.of("--inh-caps=-all,+net_admin,+net_raw",
            "--ambient-caps=-all,+net_admin,+net_raw", "--bounding-set=-all,+net_admin,+net_raw", "--no-new-privs");
    /** uid/gid nobody with the supplementary group adm: a member of the agent's group. */
    private static final List<String> MEMBER = List.of("setpriv", "--reuid=65534", "--regid=65534", "--groups=4");
    private static final long AGENT_START_SECONDS = 120;
    private static final long COMMAND_SECONDS = 120;

    /** The unit as shipped: {@link #unitSandbox} mirrors its system-call filter and address families. */
    private static final Path UNIT = Path.of("../agent/src/deb/systemd/vipctl-agent@.service");

    @TempDir
    static Path shared;
    private static String launcher;
    /** unit-sandbox, compiled: runs a command confined as the unit confines the agent. */
    private static String sandbox;

    @TempDir
    Path dir;
    private Path agentDir;
    private Path agentLog;
    private NamespaceLab.Host host;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void unprivilegedLauncher() throws IOException {
        launcher = UnprivilegedLauncher.path(shared);
    }

    /**
     * Compiles unit-sandbox.c with the calls of @system-service as this machine's systemd lists them (the groups it
     * names expanded), after checking that the unit still asks for exactly that filter and those address families.
     */
    @BeforeAll
    static void unitSandbox() throws Exception {
        Tools.require("gcc", "gcc");
        Tools.require("systemd-analyze", "systemd");
        List<String> unit = Files.readAllLines(UNIT);
        for (String setting : List.of("SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM",
                "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_PACKET", "NoNewPrivileges=yes")) {
            assertTrue(unit.contains(setting), "the unit has " + setting + ", which unit-sandbox.c mirrors");
        }
        Map<String, List<String>> groups = new HashMap<>();
        List<String> current = null;
        for (String line : Shell.check("systemd-analyze", "syscall-filter").split("\n")) {
            if (line.startsWith("@")) {
                groups.put(line.trim(), current = new ArrayList<>());
            } else if (current != null && !line.isBlank() && !line.trim().startsWith("#")) {
                current.add(line.trim());
            }
        }
        Set<String> calls = new TreeSet<>();
        expand("@system-service", groups, calls);
        assertTrue(calls.contains("read") && calls.contains("fsetxattr") && !calls.contains("chroot"), calls.toString());
        StringBuilder header = new StringBuilder();
        for (String call : calls) {
            header.append("#ifdef __NR_").append(call).append("\n__NR_").append(call).append(",\n#endif\n");
        }
        Path dir = Files.createDirectories(shared.resolve("sandbox"));
        Files.writeString(dir.resolve("ALLOWED.h"), header);
        try (InputStream source = UnprivilegedAgentLabTest.class.getResourceAsStream("unit-sandbox.c")) {
            Files.write(dir.resolve("unit-sandbox.c"), source.readAllBytes());
        }
        Shell.check("gcc", "-O2", "-Wall", "-Werror", "-I", dir.toString(), "-o", dir.resolve("unit-sandbox").toString(),
                dir.resolve("unit-sandbox.c").toString());
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        sandbox = dir.resolve("unit-sandbox").toString();
    }

    private static void expand(String group, Map<String, List<String>> groups, Set<String> calls) {
        List<String> members = groups.get(group);
        assertTrue(members != null, "systemd-analyze syscall-filter lists " + group);
        for (String member : members) {
            if (member.startsWith("@")) {
                expand(member, groups, calls);
            } else {
                calls.add(member);
            }
        }
    }

    @BeforeEach
    void prepare() throws IOException {
        host = LAB.lab().hostA();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        // Like the unit's /run/vipctl: the agent's user's, 0750, its group the members'.
        Path run = Files.createDirectory(dir.resolve("run"));
        Shell.check("chown", AGENT_UID + ":" + AGENT_GROUP, run.toString());
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-x---"));
        agentDir = run.resolve("agent");
        agentLog = run.resolve("agent.log");
        LAB.removeVip();
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Process process : started) {
            process.destroyForcibly();
            process.waitFor(60, TimeUnit.SECONDS);
        }
        LAB.removeVip();
    }

    @Test
    void servesRootAndMembersWithTwoCapabilitiesOnly() throws Exception {
        long pid = startAgent();
        String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        assertTrue(status.contains("\nUid:\t" + AGENT_UID + "\t" + AGENT_UID + "\t" + AGENT_UID + "\t" + AGENT_UID + "\n"), status);
        for (String set : List.of("CapEff", "CapPrm", "CapBnd", "CapAmb")) {
            assertTrue(status.contains("\n" + set + ":\t" + TWO_CAPABILITIES + "\n"), set + " holds CAP_NET_ADMIN and CAP_NET_RAW only: " + status);
        }

        Shell.Result up = root("up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), "root's request went to the unprivileged agent: " + Launcher.describe(up));
        assertTrue(hasVip(), addresses());
        Shell.Result down = member("down", "--interface", IF, "--vip", VIP, "--json");
        assertEquals(0, down.exitCode, Launcher.describe(down));
        assertEquals("agent", Launcher.jsonString(down.stdout, "servedBy"), "so did the member's: " + Launcher.describe(down));
        assertFalse(hasVip(), addresses());
        Shell.Result again = member("up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals("agent", Launcher.jsonString(again.stdout, "servedBy"), Launcher.describe(again));
        assertTrue(hasVip(), addresses());
        Shell.Result rootDown = root("down", "--interface", IF, "--vip", VIP, "--json");
        assertEquals("agent", Launcher.jsonString(rootDown.stdout, "servedBy"), Launcher.describe(rootDown));
        assertFalse(hasVip(), addresses());

        String log = Files.readString(agentLog);
        assertTrue(log.contains("request from uid 0 (pid ") && log.contains("request from uid 65534 (pid "), log);
        Path memberPool = agentDir.resolve(pid + "-" + IF).resolve("65534");
        assertEquals(AGENT_UID, ((Number) Files.getAttribute(memberPool, "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue(),
                "the agent's user owns the member's pool (it could not give it away)");
        Shell.Result acl = Shell.run(List.of("getfacl", "--omit-header", "--numeric", memberPool.toString()));
        assertTrue(acl.stdout.contains("user:65534:rwx"), "the member gets in by its ACL entry: " + Launcher.describe(acl));
    }

    /**
     * A log file or lock directory of root's request would be the agent's user's files, not root's: the agent declines,
     * and root's launcher runs the request in its own JVM, saying why. So does a --config that only root may read.
     */
    @Test
    void rootsOwnFilesStayRootsOwn() throws Exception {
        long pid = startAgent();
        Path rootLog = dir.resolve("root.log");
        Shell.Result up = root("up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json", "--log-file", rootLog.toString());
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("process", Launcher.jsonString(up.stdout, "servedBy"), Launcher.describe(up));
        assertTrue(up.stderr.contains("the resident agent (pid " + pid + ") declined the request (the resident agent runs as uid " + AGENT_UID
                + ", not as root, and does not keep root's --log-file or --lock-dir)"), Launcher.describe(up));
        assertEquals(0, ((Number) Files.getAttribute(rootLog, "unix:uid")).intValue(), "root's log is root's");
        assertTrue(hasVip(), addresses());

        Path config = Files.writeString(dir.resolve("root-only.properties"), "interface=" + IF + "\nvip=" + VIP + "\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        Shell.Result down = root("down", "--config", config.toString(), "--json");
        assertEquals(0, down.exitCode, Launcher.describe(down));
        assertEquals("process", Launcher.jsonString(down.stdout, "servedBy"), Launcher.describe(down));
        assertTrue(down.stderr.contains("cannot use root's --config"), Launcher.describe(down));
        assertFalse(hasVip(), addresses());

        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Shell.Result readable = root("up", "--config", config.toString(), "--garp-count", "1", "--json");
        assertEquals("agent", Launcher.jsonString(readable.stdout, "servedBy"), "a --config the agent may read is served: " + Launcher.describe(readable));
        assertTrue(hasVip(), addresses());
    }

    /** The sandbox is not a no-op: a call outside @system-service, and an Internet socket, fail in it; plain work runs. */
    @Test
    void theUnitSandboxRefusesWhatTheUnitRefuses() {
        Shell.Result plain = Shell.run(List.of(sandbox, "sh", "-c", "echo fine"));
        assertEquals(0, plain.exitCode, Launcher.describe(plain));
        // chroot to / changes nothing (and, as root, works) where chroot(2) is allowed.
        Shell.Result chroot = Shell.run(List.of(sandbox, "chroot", "/", "true"));
        assertTrue(chroot.exitCode != 0 && chroot.stderr.contains("Operation not permitted"), "chroot(2) is outside @system-service: "
                + Launcher.describe(chroot));
        Shell.Result inet = Shell.run(List.of(sandbox, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9"));
        assertTrue(inet.exitCode != 0 && inet.stderr.contains("Address family not supported"), "AF_INET is not allowed: "
                + Launcher.describe(inet));
    }

    /**
     * The agent as the unit confines it: its user, the two capabilities, no_new_privs, @system-service (anything else
     * fails with EPERM) and the three address families. It starts, makes a member's pool (fsetxattr), serves root's
     * and the member's up and down, and ends with 143 on SIGTERM, as SuccessExitStatus= expects.
     */
    @Test
    void servesUnderTheUnitsSystemCallFilterAndAddressFamilies() throws Exception {
        Process agent = startAgentProcess(List.of(sandbox));
        awaitStarted(agent);
        Shell.Result up = member("up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), Launcher.describe(up));
        assertTrue(hasVip(), addresses());
        Shell.Result down = root("down", "--interface", IF, "--vip", VIP, "--json");
        assertEquals("agent", Launcher.jsonString(down.stdout, "servedBy"), Launcher.describe(down));
        assertEquals(0, down.exitCode, Launcher.describe(down));
        assertFalse(hasVip(), addresses());

        Shell.check("kill", "-TERM", Long.toString(agent.pid())); // the chain's last exec: the JVM's pid
        assertTrue(agent.waitFor(60, TimeUnit.SECONDS), "the agent stops on SIGTERM");
        assertEquals(143, agent.exitValue(), Files.readString(agentLog));
        assertTrue(Files.readString(agentLog).contains("agent stopped after 2 request(s)"), Files.readString(agentLog));
    }

    /** Root's launcher takes an agent that is not root's only as the agent's user (VIPCTL_AGENT_USER, default vipctl). */
    @Test
    void rootTrustsAnUnprivilegedAgentOnlyAsTheAgentsUser() throws Exception {
        startAgent();
        List<String> command = List.of("env", "VIPCTL_AGENT_DIR=" + agentDir, "VIPCTL_AGENT_USER=65534", Launcher.PATH.toString(),
                "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json");
        Shell.Result up = Shell.run(host.command(command.toArray(new String[0])), COMMAND_SECONDS);
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("process", Launcher.jsonString(up.stdout, "servedBy"), Launcher.describe(up));
        assertFalse(up.stderr.contains("resident agent"), "another user's process is no agent, not worth a word: " + up.stderr);
        assertTrue(hasVip(), addresses());
    }

    /**
     * The agent's user (were the agent taken over) owns the agents' directory, so it may write anything there: here
     * a directory naming a process of root's that holds a FIFO pair, named as the agent names root's pairs, with the
     * free token and a forged answer in it (no agent runs: the fake is the only one). Root's launcher must not open
     * that process's descriptors (they could be any of root's files or devices): a process of root's counts only when
     * root's own directories name it.
     */
    @Test
    void theAgentsUserCannotPointRootsLauncherAtRootsProcesses() throws Exception {
        Path building = Files.createDirectories(dir.resolve("root-fifos").resolve("0"));
        Shell.check("mkfifo", "-m", "600", building.resolve("1-3-4.q").toString(), building.resolve("1-3-4.a").toString());
        Process rootsProcess = new ProcessBuilder(host.command("sh", "-c", "exec 3<>\"$1/1-3-4.q\" 4<>\"$1/1-3-4.a\""
                + " && printf 'FA000%010d%010d%s' 6 0 forged >&4 && exec sleep 120", "sh", building.toString()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(LAB.killAfterTest(rootsProcess));
        LabExtension.awaitCommand(rootsProcess.pid(), "sleep");
        Path fakeHome = agentDir.resolve(rootsProcess.pid() + "-" + IF);
        Shell.Result planted = asAgentUser("sh", "-c", "mkdir -p \"$1/0\" \"$1/new\" && ln -s \"$2/1-3-4.q\" \"$2/1-3-4.a\" \"$1/0/\"", "sh",
                fakeHome.toString(), building.toString());
        assertEquals(0, planted.exitCode, Launcher.describe(planted));

        Shell.Result up = Shell.run(host.command("env", "VIPCTL_AGENT_DIR=" + agentDir, "VIPCTL_AGENT_USER=" + AGENT_UID, Launcher.PATH.toString(),
                "up", "--interface", IF, "--vip", VIP, "--garp-count", "1", "--json"), COMMAND_SECONDS);
        assertFalse(up.stdout.contains("forged"), "root's launcher printed a forged answer: " + Launcher.describe(up));
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertTrue(hasVip(), addresses());
        try (InputStream answer = Files.newInputStream(Path.of("/proc", Long.toString(rootsProcess.pid()), "fd", "4"))) {
            assertEquals("F", new String(answer.readNBytes(1), StandardCharsets.US_ASCII), "root's launcher read nothing from root's process's FIFO");
        }
    }

    /** Starts the agent as its unprivileged user in host A, in a mount namespace with /run/vipctl its own; its pid. */
    private long startAgent() throws Exception {
        return awaitStarted(startAgentProcess(List.of()));
    }

    /** The agent's process: its user and privileges, then {@code wrapper} (a command that runs the rest), then vipctl. */
    private Process startAgentProcess(List<String> wrapper) throws IOException {
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mkdir -p /run/vipctl && mount -t tmpfs -o mode=0750,uid=" + AGENT_UID + ",gid=4 vipctl-test /run/vipctl && exec \"$@\"", "sh"));
        command.addAll(AS_AGENT_USER);
        command.addAll(AGENT_PRIVILEGES);
        command.addAll(wrapper);
        command.addAll(List.of(launcher, "agent", "--interface", IF, "--agent-dir", agentDir.toString(), "--agent-group", AGENT_GROUP,
                "--log-file", agentLog.toString(), "--quiet"));
        Process process = new ProcessBuilder(host.command(command.toArray(new String[0]))).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.stderr").toFile())).start();
        started.add(LAB.killAfterTest(process));
        return process;
    }

    /** The agent's pid, once its log says it serves. */
    private long awaitStarted(Process process) throws Exception {
        Path stderr = dir.resolve("agent.stderr");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AGENT_START_SECONDS);
        Pattern startedLine = Pattern.compile("agent started: pid (\\d+),");
        while (true) {
            String log = Files.exists(agentLog) ? Files.readString(agentLog) : "";
            Matcher matcher = startedLine.matcher(log);
            if (matcher.find()) {
                return Long.parseLong(matcher.group(1));
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                fail("the unprivileged agent did not start; log: " + log + "; stderr: " + (Files.exists(stderr) ? Files.readString(stderr) : ""));
            }
            Thread.sleep(50);
        }
    }

    /** Root's launcher in host A, with this test's agent directory and the agent's user. */
    private Shell.Result root(String... args) {
        return Shell.run(host.command(concat(List.of("env", "VIPCTL_AGENT_DIR=" + agentDir, "VIPCTL_AGENT_USER=" + AGENT_UID,
                Launcher.PATH.toString()), args)), COMMAND_SECONDS);
    }

    private Shell.Result member(String... args) {
        List<String> head = new ArrayList<>(MEMBER);
        head.addAll(List.of("env", "VIPCTL_AGENT_DIR=" + agentDir, launcher));
        return Shell.run(host.command(concat(head, args)), COMMAND_SECONDS);
    }

    private Shell.Result asAgentUser(String... command) {
        return Shell.run(host.command(concat(AS_AGENT_USER, command)), COMMAND_SECONDS);
    }

    private String addresses() {
        return host.run("ip", "-4", "-o", "addr", "show", "dev", IF);
    }

    private boolean hasVip() {
        return addresses().contains("inet " + VIP + " ");
    }

    private static String[] concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(Arrays.asList(tail));
        return all.toArray(new String[0]);
    }
}
