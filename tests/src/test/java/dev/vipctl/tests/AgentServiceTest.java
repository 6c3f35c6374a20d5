package dev.vipctl.tests;

import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The resident agent's systemd service as the package ships it: the unit's settings, what systemd-analyze says of it
 * (verify, and the exposure that security measures), the generator that wants an agent for each interface the
 * configuration names, and the maintainer scripts' part (the system user, the agents started and stopped). systemd is
 * not PID 1 where the tests run, so the unit is checked, not started. The generator and the scripts run as root in a
 * private system ({@link DebianPackage#PRIVATE_SYSTEM}); systemctl and deb-systemd-invoke are stand-ins there that
 * write down how they were called (daemon-reload runs the generator, as systemd does).
 */
class AgentServiceTest {
    private static final String UNIT = "lib/systemd/system/vipctl-agent@.service";
    private static final String GENERATOR = "lib/systemd/system-generators/vipctl-agent-generator";
    /** The issue's bar for {@code systemd-analyze security}: an overall exposure of 2.5 at most (it scores 0.0-10.0). */
    private static final double EXPOSURE_LIMIT = 2.5;
    private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for \\S+: (\\d+\\.\\d) ");

    @TempDir
    static Path tree;
    @TempDir
    static Path control;
    @TempDir
    Path scratch;
    @TempDir
    Path work;

    @BeforeAll
    static void unpack() {
        DebianPackage.assertBuilt();
        DebianPackage.extract(tree);
        DebianPackage.extractControl(control);
    }

    /** The unit's settings (all sections), each with its values in order; comments and section headers left out. */
    private static Map<String, List<String>> settings() throws IOException {
        Map<String, List<String>> settings = new LinkedHashMap<>();
        for (String line : Files.readAllLines(tree.resolve(UNIT))) {
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("[")) {
                continue;
            }
            int equals = line.indexOf('=');
            assertTrue(equals > 0, "a setting: " + line);
            settings.computeIfAbsent(line.substring(0, equals), key -> new ArrayList<>()).add(line.substring(equals + 1));
        }
        return settings;
    }

    @Test
    void theUnitRunsTheAgentAsVipctlWithTheTwoCapabilitiesAlone() throws IOException {
        Map<String, List<String>> settings = settings();
        Map<String, String> expected = new TreeMap<>(Map.ofEntries(
                Map.entry("Type", "notify"),
                Map.entry("NotifyAccess", "main"),
                Map.entry("ExecStart", "/usr/bin/vipctl agent --interface %I --agent-group vipctl"),
                Map.entry("User", "vipctl"),
                Map.entry("Group", "vipctl"),
                Map.entry("AmbientCapabilities", "CAP_NET_ADMIN CAP_NET_RAW"),
                Map.entry("CapabilityBoundingSet", "CAP_NET_ADMIN CAP_NET_RAW"),
                Map.entry("NoNewPrivileges", "yes"),
                Map.entry("RuntimeDirectory", "vipctl"),
                Map.entry("RuntimeDirectoryMode", "0750"),
                Map.entry("RuntimeDirectoryPreserve", "yes"),
                Map.entry("TimeoutStartSec", "60"),
                Map.entry("WatchdogSec", "10"),
                Map.entry("Restart", "always"),
                Map.entry("SuccessExitStatus", "143"),
                Map.entry("RestrictAddressFamilies", "AF_UNIX AF_NETLINK AF_PACKET"),
                Map.entry("ProtectSystem", "strict"),
                Map.entry("BindsTo", "sys-subsystem-net-devices-%i.device"),
                Map.entry("After", "sys-subsystem-net-devices-%i.device"),
                Map.entry("WantedBy", "sys-subsystem-net-devices-%i.device")));
        for (Map.Entry<String, String> setting : expected.entrySet()) {
            assertEquals(List.of(setting.getValue()), settings.get(setting.getKey()), setting.getKey());
        }
        // What would keep the agent from its work: the launchers' processes (other users'), /proc/sys/net, the JIT,
        // the host's network namespace with capabilities that reach it.
        for (String absent : List.of("ProtectProc", "ProcSubset", "MemoryDenyWriteExecute", "PrivateNetwork", "PrivateUsers", "DynamicUser")) {
            assertFalse(settings.containsKey(absent), absent + " is not set");
        }
    }

    @Test
    void itsExposureIsAtMostTwoAndAHalf() {
        Tools.require("systemd-analyze", "systemd");
        // --threshold takes the exposure times ten and fails the command above it: the file's property, not a timing.
        List<String> command = List.of("systemd-analyze", "security", "--offline=yes", "--no-pager",
                "--threshold=" + Math.round(EXPOSURE_LIMIT * 10), tree.resolve(UNIT).toString());
        Shell.Result security = Shell.run(command);
        Matcher exposure = EXPOSURE.matcher(security.stdout);
        assertTrue(exposure.find(), Launcher.describe(security));
        System.out.println("[EXPOSURE] " + String.join(" ", command.subList(0, 5)) + " vipctl-agent@.service: " + exposure.group(1));
        assertEquals(0, security.exitCode, "exposure " + exposure.group(1) + " over " + EXPOSURE_LIMIT + ": " + Launcher.describe(security));
        assertTrue(Double.parseDouble(exposure.group(1)) <= EXPOSURE_LIMIT, exposure.group(1));
    }

    /** Runs {@code steps} (sh) as root in a private system; $1 the unpacked tree, $2 its control files, $3 scratch. */
    private Shell.Result inPrivateSystem(List<String> unshareOptions, Map<String, String> environment, String steps) {
        Root.assumeRoot();
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private"));
        command.addAll(unshareOptions);
        command.addAll(List.of("sh", "-c", DebianPackage.PRIVATE_SYSTEM + steps, "sh", tree.toString(), control.toString(), scratch.toString()));
        return Shell.run(command, environment, 120);
    }

    @Test
    void systemdAnalyzeVerifyFindsNothingToSay() {
        Tools.require("systemd-analyze", "systemd");
        // Where dpkg would put them: the command the unit runs, and the man page its Documentation= names.
        Shell.Result verify = inPrivateSystem(List.of(), Map.of(), "ln -s \"$1/usr/share/vipctl/bin/vipctl\" /usr/bin/vipctl;"
                + " cp \"$1/usr/share/man/man1/vipctl.1.gz\" /usr/share/man/man1/; systemd-analyze verify \"$1/" + UNIT + "\"");
        assertEquals(0, verify.exitCode, Launcher.describe(verify));
        assertEquals("", verify.stdout + verify.stderr, Launcher.describe(verify));
    }

    /** Runs the generator in a private system whose /etc/vipctl holds {@code files} (none: no /etc/vipctl). */
    private Shell.Result generate(Map<String, byte[]> files, Path output) throws IOException {
        Path configuration = Files.createDirectories(work.resolve("configuration"));
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            Files.write(configuration.resolve(file.getKey()), file.getValue());
        }
        String copy = files.isEmpty() ? "" : "mkdir /etc/vipctl; cp \"$4\"/* /etc/vipctl/; ";
        Root.assumeRoot();
        String script = DebianPackage.PRIVATE_SYSTEM + copy + "exec \"$1/" + GENERATOR + "\" \"$5\" \"$5.early\" \"$5.late\"";
        return Shell.run(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", tree.toString(), control.toString(),
                scratch.toString(), configuration.toString(), output.toString()), Map.of(), 60);
    }

    /** The generator's links under {@code output}: "DIR/NAME -> TARGET", sorted. */
    private static Set<String> links(Path output) throws IOException {
        if (!Files.exists(output)) {
            return Set.of();
        }
        try (Stream<Path> paths = Files.walk(output)) {
            return paths.filter(Files::isSymbolicLink).map(link -> {
                try {
                    return output.relativize(link) + " -> " + Files.readSymbolicLink(link);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The link the generator should make for {@code name}, its names as systemd-escape writes them. */
    private static String wanted(String name) {
        String device = Shell.check("systemd-escape", "--path", "--suffix=device", "/sys/subsystem/net/devices/" + name).trim();
        String agent = Shell.check("systemd-escape", "--template=vipctl-agent@.service", name).trim();
        return device + ".wants/" + agent + " -> /" + UNIT;
    }

    @Test
    void theGeneratorWantsAnAgentForEachConfiguredInterfaceOnce() throws IOException {
        Tools.require("systemd-escape", "systemd");
        Map<String, byte[]> files = new TreeMap<>();
        files.put("sip.properties", bytes("vip=198.51.100.10/24\ninterface=eth0\n"));
        files.put("same.properties", bytes("interface=eth0\n"));
        files.put("colon.properties", bytes("  interface : br-lan.10  # the launcher reads the first word\n"));
        files.put("last.properties", bytes("interface=first\r\ninterface=vlan@x\r\n"));
        files.put("utf8.properties", bytes("interface=\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e91\n")); // 15 bytes
        files.put("commented.properties", bytes("# interface=eth7\nvip=198.51.100.10/24\n"));
        files.put("notes.txt", bytes("interface=eth8\n"));
        Path output = work.resolve("generator");
        Shell.Result generated = generate(files, output);
        assertEquals(0, generated.exitCode, Launcher.describe(generated));
        assertEquals("", generated.stdout + generated.stderr, Launcher.describe(generated));
        Set<String> expected = new TreeSet<>();
        for (String name : List.of("eth0", "br-lan.10", "vlan@x")) {
            expected.add(wanted(name));
        }
        // By hand: a command's non-ASCII arguments would depend on this JVM's locale.
        String utf8 = "\\xc3\\xa9".repeat(7) + "1";
        expected.add("sys-subsystem-net-devices-" + utf8 + ".device.wants/vipctl-agent@" + utf8 + ".service -> /" + UNIT);
        assertTrue(expected.contains("sys-subsystem-net-devices-br\\x2dlan.10.device.wants/vipctl-agent@br\\x2dlan.10.service -> /" + UNIT), expected.toString());
        assertEquals(expected, links(output));
    }

    @Test
    void theGeneratorIgnoresWhatCannotBeAnInterfaceWithALineEach() throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        files.put("slash.properties", bytes("interface=a/b\n"));
        files.put("colon.properties", bytes("interface=a:b\n"));
        files.put("dots.properties", bytes("interface=..\n"));
        files.put("dot.properties", bytes("interface=.\n"));
        files.put("leading-dot.properties", bytes("interface=.hidden\n"));
        files.put("long.properties", bytes("interface=0123456789abcdef\n"));
        files.put("long-utf8.properties", bytes("interface=\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\n")); // 16 bytes
        files.put("fine.properties", bytes("interface=eth1\n"));
        Path output = work.resolve("generator");
        Shell.Result generated = generate(files, output);
        assertEquals(0, generated.exitCode, Launcher.describe(generated));
        assertEquals("", generated.stdout, Launcher.describe(generated));
        Set<String> ignored = new TreeSet<>(files.keySet());
        ignored.remove("fine.properties");
        List<String> lines = List.of(generated.stderr.split("\n"));
        assertEquals(ignored.size(), lines.size(), Launcher.describe(generated));
        for (String file : ignored) {
            assertEquals(1, lines.stream().filter(line -> line.startsWith("vipctl-agent-generator: /etc/vipctl/" + file + ": ")).count(), file + ": " + generated.stderr);
        }
        assertEquals(Set.of("sys-subsystem-net-devices-eth1.device.wants/vipctl-agent@eth1.service -> /" + UNIT), links(output));
    }

    @Test
    void withoutConfigurationTheGeneratorWantsNothing() throws IOException {
        Path output = work.resolve("generator");
        Shell.Result generated = generate(Map.of(), output);
        assertEquals(0, generated.exitCode, Launcher.describe(generated));
        assertEquals("", generated.stdout + generated.stderr, Launcher.describe(generated));
        assertFalse(Files.exists(output), "nothing made");
        generated = generate(Map.of("empty.properties", new byte[0]), output);
        assertEquals(0, generated.exitCode, Launcher.describe(generated));
        assertEquals("", generated.stdout + generated.stderr, Launcher.describe(generated));
        assertFalse(Files.exists(output), "nothing made");
    }

    @Test
    void aGeneratedAgentIsEnabledForDebSystemdInvoke() throws IOException {
        Tools.require("systemctl", "systemd");
        // deb-systemd-invoke starts a unit only if systemctl is-enabled says "enabled..."; the generator's output is
        // what systemd reads from /run/systemd/generator.
        Path root = work.resolve("root");
        Files.createDirectories(root.resolve(UNIT).getParent());
        Files.copy(tree.resolve(UNIT), root.resolve(UNIT));
        Shell.Result generated = generate(Map.of("sip.properties", bytes("interface=eth0\n")), root.resolve("run/systemd/generator"));
        assertEquals(0, generated.exitCode, Launcher.describe(generated));
        Shell.Result enabled = Shell.run(List.of("systemctl", "--root=" + root, "is-enabled", "vipctl-agent@eth0.service"));
        assertEquals("enabled-runtime", enabled.stdout.trim(), Launcher.describe(enabled));
        Shell.Result other = Shell.run(List.of("systemctl", "--root=" + root, "is-enabled", "vipctl-agent@eth1.service"));
        assertEquals("disabled", other.stdout.trim(), Launcher.describe(other));
    }

    /**
     * Stand-ins for systemd's commands in $3/bin, each writing its arguments to /run/calls; daemon-reload runs the
     * unpacked generator into /run/systemd/generator, as systemd runs its generators.
     */
    private static final String STAND_INS = "mkdir \"$3/bin\";"
            + " printf '#!/bin/sh\\necho \"systemctl $*\" >>/run/calls\\n[ \"$*\" = \"--system daemon-reload\" ] || exit 0\\n"
            + "rm -rf /run/systemd/generator; mkdir -p /run/systemd/generator\\nexec \"%s/" + GENERATOR + "\" /run/systemd/generator /run/systemd/generator.early /run/systemd/generator.late\\n' \"$1\" >\"$3/bin/systemctl\";"
            + " printf '#!/bin/sh\\necho \"deb-systemd-invoke $*\" >>/run/calls\\n' >\"$3/bin/deb-systemd-invoke\";"
            + " chmod 755 \"$3/bin/systemctl\" \"$3/bin/deb-systemd-invoke\"; touch /run/calls; PATH=$3/bin:$1/usr/bin:$PATH; ";

    @Test
    void postinstMakesTheSystemUserAndStartsTheAgentsOfPresentInterfaces() {
        Tools.require("adduser", "adduser");
        // A network namespace of its own, with an eth0 (a veth) and /sys showing it; the package's example files name
        // eth0, one more names an interface that is not there. The first configure runs without systemd, the second
        // with it (the user exists by then).
        Shell.Result result = inPrivateSystem(List.of("--net"), Map.of("JAVA_HOME", "/nonexistent"), STAND_INS
                + "ip link add eth0 type veth peer name vipctl-peer; mount -t sysfs sysfs /sys;"
                + " mkdir /etc/vipctl; cp \"$1\"/etc/vipctl/*.properties /etc/vipctl/; echo interface=vipctl-gone >/etc/vipctl/gone.properties;"
                + " sh \"$2/postinst\" configure; echo first; cat /run/calls;"
                + " mkdir -p /run/systemd/system; sh \"$2/postinst\" configure ''; echo second; cat /run/calls;"
                + " getent passwd vipctl; getent group vipctl; id -Gn vipctl");
        assertEquals(0, result.exitCode, Launcher.describe(result));
        List<String> lines = List.of(result.stdout.split("\n"));
        assertEquals(List.of("first", "second", "systemctl --system daemon-reload", "deb-systemd-invoke restart vipctl-agent@eth0.service"),
                lines.subList(0, 4), Launcher.describe(result));
        String[] user = lines.get(4).split(":");
        String[] group = lines.get(5).split(":");
        assertEquals("vipctl", user[0], lines.get(4));
        assertTrue(Integer.parseInt(user[2]) < 1000, "a system user: " + lines.get(4));
        assertEquals(group[2], user[3], "its own group: " + lines.get(4) + " " + lines.get(5));
        assertEquals(List.of("/nonexistent", "/usr/sbin/nologin"), List.of(user[5], user[6]), lines.get(4));
        assertEquals("vipctl", group[0]);
        assertEquals("vipctl", lines.get(6), "in no other group");
        assertEquals(7, lines.size(), Launcher.describe(result));
    }

    @Test
    void prermStopsEveryAgentAtRemoveAndPostrmForgetsThem() {
        Shell.Result result = inPrivateSystem(List.of(), Map.of(), STAND_INS
                + "sh \"$2/prerm\" remove; sh \"$2/postrm\" remove; echo without; cat /run/calls; : >/run/calls; mkdir -p /run/systemd/system;"
                + " sh \"$2/prerm\" upgrade 0.1.1; echo upgrade; cat /run/calls; sh \"$2/prerm\" remove; sh \"$2/postrm\" remove; echo remove; cat /run/calls");
        assertEquals(0, result.exitCode, Launcher.describe(result));
        assertEquals(List.of("without", "upgrade", "remove", "deb-systemd-invoke stop vipctl-agent@*.service", "systemctl --system daemon-reload"),
                List.of(result.stdout.split("\n")), Launcher.describe(result));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
