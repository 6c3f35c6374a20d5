package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad requests through the real launcher, inside a lab host: each gives its documented code, a clear message, and no change. */
class BadInputLabTest {
    private static final String VIP = NamespaceLab.VIP_WITH_PREFIX;
    /** Marks an expected text that is printed on stdout (doctor's findings), not stderr. */
    private static final String STDOUT = "stdout:";
    @RegisterExtension
    static final LabExtension LAB = new LabExtension();
    /** Files that the rows' paths ($TMP) name: config files, a regular file; "missing" is never created. */
    @TempDir
    static Path files;

    @BeforeAll
    static void prepareHostAndFiles() throws IOException {
        Files.writeString(files.resolve("regular-file"), "not a directory\n");
        Files.writeString(files.resolve("unknown-key.properties"), "interface=eth0\nvlan=7\n");
        Files.writeString(files.resolve("flag-yes.properties"), "json=yes\n");
        Files.writeString(files.resolve("probe-wait.properties"), "probe-wait-ms=9000\n");
        Files.writeString(files.resolve("bad-escape.properties"), "label=eth0:\\uZZZZ\n");
        // A VIP is already up, so that "no change" covers removing and relabelling too.
        LAB.lab().hostA().run("ip", "addr", "add", VIP, "dev", NamespaceLab.INTERFACE, "label", "eth0:1");
        // A second interface that stays down (a veth pair is never up until set so).
        LAB.lab().hostA().run("ip", "link", "add", "down0", "type", "veth", "peer", "name", "down0-peer");
        // Interfaces without ARP, up and with carrier: lo (the lab brings it up), a veth with IFF_NOARP, a TUN device.
        LAB.lab().hostA().run("ip", "link", "add", "noarp0", "type", "veth", "peer", "name", "noarp0-peer");
        LAB.lab().hostA().run("ip", "link", "set", "dev", "noarp0", "arp", "off", "up");
        LAB.lab().hostA().run("ip", "link", "set", "dev", "noarp0-peer", "up");
        LAB.lab().hostA().run("ip", "tuntap", "add", "dev", "tun0", "mode", "tun");
        LAB.lab().hostA().run("ip", "link", "set", "dev", "tun0", "up");
    }

    /**
     * Everything about host A's interfaces that a mistaken run could change: links and IPv4 addresses. (IPv6
     * link-local addresses change by themselves while the lab is young: their DAD ends.)
     */
    private static String hostState() {
        return LAB.lab().hostA().run("ip", "-4", "-o", "addr", "show") + LAB.lab().hostA().run("ip", "-o", "link", "show");
    }

    /**
     * Runs {@code command + args} (the launcher in host A's namespace when {@code command} is null) and checks the refusal:
     * the code, the text (on stderr; on stdout when it starts with {@code stdout:}, as 'doctor' reports its findings there),
     * no stack trace or Java exception on either stream, and no change on the host.
     */
    private static void assertRefusedWithoutChange(List<String> command, int expectedCode, String expectedText, String... args) {
        String before = hostState();
        Shell.Result result;
        if (command == null) {
            result = Launcher.run(LAB.lab().hostA(), args);
        } else {
            List<String> full = new ArrayList<>(command);
            full.addAll(List.of(args));
            result = Shell.run(full);
        }
        assertEquals(expectedCode, result.exitCode, Launcher.describe(result));
        boolean onStdout = expectedText.startsWith(STDOUT);
        String text = onStdout ? expectedText.substring(STDOUT.length()).trim() : expectedText;
        String printed = onStdout ? result.stdout : result.stderr;
        assertTrue(printed.contains(text), (onStdout ? "stdout" : "stderr") + " says '" + text + "': " + Launcher.describe(result));
        assertFalse(result.stderr.contains("Exception") || result.stdout.contains("Exception"),
                "no stack trace or Java exception for the operator: " + Launcher.describe(result));
        assertEquals(before, hostState(), "nothing changed on the host");
    }

    /**
     * One bad input a row, every option and every command: {@code name | exit code | fragment of the message (on stderr,
     * or "stdout: ..." for doctor) | command line}; {@code $TMP} in the command line is {@link #files}. The VIP
     * 198.51.100.100/24 is up as eth0:1 and 198.51.100.11/24 is eth0's own address; 'up' rows name the VIP that is
     * already up, so that even an input accepted by mistake changes no address.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            // Interfaces: missing, down, malformed; every command that looks one up.
            "unknown interface               | 4 | no interface named eth9             | up --interface eth9 --vip 198.51.100.100/24",
            "interface down                  | 4 | administratively down               | up --interface down0 --vip 198.51.100.100/24",
            "down on unknown interface       | 4 | no interface named eth9             | down --interface eth9 --vip 198.51.100.100/24",
            "status on unknown interface     | 4 | no interface named eth9             | status --interface eth9 --vip 198.51.100.100",
            "probe on interface down         | 4 | interface down0 is administratively down | probe --interface down0 --vip 198.51.100.100",
            "doctor on unknown interface     | 4 | stdout: there is no interface named eth9 | doctor --interface eth9",
            "up on loopback                  | 4 | lo is a loopback interface: it has no link layer, so no gratuitous ARP can announce a VIP there and no host can take it over; use the interface that faces the clients | up --interface lo --vip 198.51.100.50/24",
            "probe on loopback               | 4 | lo is a loopback interface          | probe --interface lo --vip 198.51.100.50",
            "doctor on loopback              | 4 | stdout: lo is a loopback interface  | doctor --interface lo",
            "agent on loopback               | 4 | lo is a loopback interface          | agent --interface lo --agent-dir $TMP/agent",
            "up on NOARP interface           | 4 | noarp0 has ARP turned off (NOARP): it neither sends nor answers ARP, so no gratuitous ARP can announce a VIP there and no probe can find who holds it; turn ARP on (ip link set dev noarp0 arp on) | up --interface noarp0 --vip 198.51.100.50/24",
            "up on NOARP, probing only       | 4 | noarp0 has ARP turned off (NOARP)   | up --interface noarp0 --vip 198.51.100.50/24 --garp-count 0",
            "probe on NOARP interface        | 4 | noarp0 has ARP turned off (NOARP)   | probe --interface noarp0 --vip 198.51.100.50",
            "doctor on NOARP interface       | 4 | stdout: noarp0 has ARP turned off (NOARP) | doctor --interface noarp0",
            "agent on NOARP interface        | 4 | noarp0 has ARP turned off (NOARP)   | agent --interface noarp0 --agent-dir $TMP/agent",
            "up on TUN device                | 4 | tun0 is not an Ethernet interface (a tunnel or point-to-point link): ARP does not exist there | up --interface tun0 --vip 198.51.100.50/24",
            "doctor on TUN device            | 4 | stdout: tun0 is not an Ethernet interface | doctor --interface tun0",
            "label given as interface        | 2 | a VIP's label like eth0:1 goes in --label | up --interface eth0:1 --vip 198.51.100.100/24",
            "interface name over 15 chars    | 2 | is not an interface name (1-15 characters | status --interface eth0eth0eth0eth0 --vip 198.51.100.100",
            // Addresses and prefixes.
            "malformed address               | 2 | not an IPv4 address (300 is over 255) | up --interface eth0 --vip 198.51.100.300/24",
            "three-part address              | 2 | --vip '198.51.100' is not an IPv4 address | status --interface eth0 --vip 198.51.100",
            "IPv6 VIP                        | 2 | IPv6 VIPs are not supported         | up --interface eth0 --vip 2001:db8::10/64",
            "prefix over 32                  | 2 | prefix length 33 is outside 1-32    | up --interface eth0 --vip 198.51.100.100/33",
            "prefix 0                        | 2 | prefix length 0 is outside 1-32     | up --interface eth0 --vip 198.51.100.100/0",
            "prefix not a number             | 2 | the prefix length after '/' must be a number 1-32 | down --interface eth0 --vip 198.51.100.100/abc",
            "up without prefix               | 2 | give the prefix length too, like 198.51.100.100/24 | up --interface eth0 --vip 198.51.100.100",
            "down without prefix             | 2 | give the prefix length too, like 198.51.100.11/24 | down --interface eth0 --vip 198.51.100.11",
            "network address as VIP          | 2 | is the network address of its /24 subnet | up --interface eth0 --vip 198.51.100.0/24",
            "subnet broadcast as VIP         | 2 | is the broadcast address of its /24 subnet | up --interface eth0 --vip 198.51.100.255/24",
            "multicast VIP                   | 2 | multicast addresses (224.0.0.0 and up) cannot be a VIP | up --interface eth0 --vip 224.0.0.18/32",
            "limited broadcast VIP           | 2 | reserved/broadcast addresses (224.0.0.0 and up) cannot be a VIP | up --interface eth0 --vip 255.255.255.255/32",
            "this-network VIP                | 2 | 0.x.x.x means 'this network'        | up --interface eth0 --vip 0.0.0.0/8",
            "loopback VIP                    | 2 | 127.x.x.x is loopback               | up --interface eth0 --vip 127.0.0.2/32",
            // What the engine refuses after looking at the interface.
            "host's own address              | 2 | is eth0's own address               | down --interface eth0 --vip 198.51.100.11/24",
            "relabel host's own address      | 2 | is eth0's own address, not a VIP: refusing to relabel it | up --interface eth0 --vip 198.51.100.11/24",
            "same VIP other prefix           | 2 | already on eth0                     | up --interface eth0 --vip 198.51.100.100/32",
            "down with wrong prefix          | 2 | name that prefix                    | down --interface eth0 --vip 198.51.100.100/25",
            // Labels.
            "label over 15 characters        | 2 | Linux allows at most 15             | up --interface eth0 --vip 198.51.100.100/24 --label eth0:1234567890a",
            "label of another interface      | 2 | label 'eth1:1' must be the interface name, a colon and a tag, like eth0:1 | up --interface eth0 --vip 198.51.100.100/24 --label eth1:1",
            "label tag with a slash          | 2 | may hold only letters, digits       | up --interface eth0 --vip 198.51.100.100/24 --label eth0:a/b",
            // Announcement counts, durations and words.
            "garp-count over 100             | 2 | --garp-count 101 is outside 0-100 | up --interface eth0 --vip 198.51.100.100/24 --garp-count 101",
            "garp-interval over 10000        | 2 | --garp-interval-ms 10001 is outside 0-10000 | up --interface eth0 --vip 198.51.100.100/24 --garp-interval-ms 10001",
            "garp-interval not whole         | 2 | --garp-interval-ms '1.5' is not a whole number | up --interface eth0 --vip 198.51.100.100/24 --garp-interval-ms 1.5",
            "garp-mode bad word              | 2 | 'broadcast' is not a gratuitous ARP mode: use request, reply or both | up --interface eth0 --vip 198.51.100.100/24 --garp-mode broadcast",
            // Wire checks.
            "on-conflict bad word            | 2 | --on-conflict 'maybe' is not one of: takeover, fail | up --interface eth0 --vip 198.51.100.100/24 --on-conflict maybe",
            "probe-wait negative             | 2 | --probe-wait-ms -1 is outside 0-5000 | up --interface eth0 --vip 198.51.100.100/24 --probe-wait-ms -1",
            "probe-wait over 5000            | 2 | --probe-wait-ms 5001 is outside 1-5000 | probe --interface eth0 --vip 198.51.100.100 --probe-wait-ms 5001",
            "probe-wait not a number         | 2 | --probe-wait-ms '30ms' is not a whole number | up --interface eth0 --vip 198.51.100.100/24 --probe-wait-ms 30ms",
            "probe-wait 0 for probe          | 2 | --probe-wait-ms 0 is outside 1-5000 | probe --interface eth0 --vip 198.51.100.100 --probe-wait-ms 0",
            "release-wait over 60000         | 2 | --release-wait-ms 60001 is outside 0-60000 | up --interface eth0 --vip 198.51.100.100/24 --release-wait-ms 60001",
            "verify-peer malformed           | 2 | --verify-peer '198.51.100' is not an IPv4 address | up --interface eth0 --vip 198.51.100.100/24 --verify-peer 198.51.100",
            "verify-peer is the VIP          | 2 | --verify-peer 198.51.100.100 is the VIP itself | up --interface eth0 --vip 198.51.100.100/24 --verify-peer 198.51.100.100",
            "verify-peer outside subnet      | 2 | is outside the VIP's subnet 198.51.100.0/24 | up --interface eth0 --vip 198.51.100.100/24 --verify-peer 198.51.101.1",
            "verify-peer subnet broadcast    | 2 | --verify-peer 198.51.100.255 is the network or broadcast address of 198.51.100.0/24 | up --interface eth0 --vip 198.51.100.100/24 --verify-peer 198.51.100.255",
            "verify-peer without probing     | 2 | --verify-peer waits --probe-wait-ms for the answer, so it needs --probe-wait-ms above 0 | up --interface eth0 --vip 198.51.100.100/24 --verify-peer 198.51.100.1 --probe-wait-ms 0",
            "defend over 600000              | 2 | --defend-ms 600001 is outside 0-600000 | up --interface eth0 --vip 198.51.100.100/24 --defend-ms 600001",
            "defend without announcing       | 2 | --defend-ms defends with a fresh announcement, so it needs --garp-count above 0 | up --interface eth0 --vip 198.51.100.100/24 --defend-ms 1000 --garp-count 0",
            // Locks.
            "lock-timeout negative           | 2 | --lock-timeout-ms -5 is outside 0-600000 | up --interface eth0 --vip 198.51.100.100/24 --lock-timeout-ms -5",
            "lock-timeout over 600000        | 2 | --lock-timeout-ms 600001 is outside 0-600000 | down --interface eth0 --vip 198.51.100.100/24 --lock-timeout-ms 600001",
            "lock-dir relative               | 2 | --lock-dir run/vipctl must be an absolute path | up --interface eth0 --vip 198.51.100.100/24 --lock-dir run/vipctl",
            "lock-dir a regular file         | 2 | regular-file exists and is not a directory | down --interface eth0 --vip 198.51.100.100/24 --lock-dir $TMP/regular-file",
            "lock-dir parent missing         | 2 | is not a directory to create it in | up --interface eth0 --vip 198.51.100.100/24 --lock-dir $TMP/missing/locks",
            // Log file.
            "log-file a directory            | 2 | is a directory; name a file in it   | up --interface eth0 --vip 198.51.100.100/24 --log-file $TMP",
            "log-file in missing directory   | 2 | missing does not exist              | down --interface eth0 --vip 198.51.100.100/24 --log-file $TMP/missing/vipctl.log",
            // Config file.
            "config unknown key              | 2 | unknown key 'vlan'; keys are long option names | up --interface eth0 --vip 198.51.100.100/24 --config $TMP/unknown-key.properties",
            "config flag not a boolean       | 2 | config key 'json' must be true or false, not 'yes' | up --interface eth0 --vip 198.51.100.100/24 --config $TMP/flag-yes.properties",
            "config bad probe-wait           | 2 | config key 'probe-wait-ms' 9000 is outside 0-5000 | up --interface eth0 --vip 198.51.100.100/24 --config $TMP/probe-wait.properties",
            "config malformed escape         | 2 | cannot read it: Malformed           | up --interface eth0 --vip 198.51.100.100/24 --config $TMP/bad-escape.properties",
            "config file missing             | 2 | no-such.properties: no such file    | status --interface eth0 --vip 198.51.100.100 --config $TMP/no-such.properties",
            // Commands, arguments, and options that do not apply.
            "missing vip                     | 2 | 'up' needs --vip                    | up --interface eth0",
            "status without vip              | 2 | 'status' needs --vip                | status --interface eth0",
            "missing interface               | 2 | 'down' needs --interface            | down --vip 198.51.100.100/24",
            "probe without interface         | 2 | 'probe' needs --interface           | probe --vip 198.51.100.100",
            "doctor without interface        | 2 | 'doctor' needs --interface          | doctor",
            "missing option value            | 2 | Missing argument for option: vip    | up --interface eth0 --vip",
            "unknown command                 | 2 | unknown command 'takeover'          | takeover --interface eth0 --vip 198.51.100.100/24",
            "no command                      | 2 | no command given                    | --interface eth0",
            "extra argument                  | 2 | unexpected argument 'eth0:1' after the command 'up' | up --interface eth0 --vip 198.51.100.100/24 eth0:1",
            "unknown option                  | 2 | Unrecognized option: --vlan         | up --interface eth0 --vip 198.51.100.100/24 --vlan 7",
            "force given to up               | 2 | --force does not apply to 'up'      | up --interface eth0 --vip 198.51.100.100/24 --force",
            "garp-mode given to down         | 2 | --garp-mode does not apply to 'down' | down --interface eth0 --vip 198.51.100.100/24 --garp-mode both",
            "force given to status           | 2 | --force does not apply to 'status'  | status --interface eth0 --vip 198.51.100.100 --force",
            "label given to probe            | 2 | --label does not apply to 'probe'   | probe --interface eth0 --vip 198.51.100.100 --label eth0:2",
            "garp-count given to doctor      | 2 | --garp-count does not apply to 'doctor' | doctor --interface eth0 --garp-count 2",
            "vip given to demo               | 2 | --vip does not apply to 'demo'      | demo --vip 198.51.100.100/24",
            "bench without lab or interface  | 2 | either in a throwaway lab (--lab) or on a given interface | bench --cycles 5",
            "bench with lab and interface    | 2 | either in a throwaway lab (--lab) or on a given interface | bench --lab --interface eth0",
            "bench on interface without vip  | 2 | 'bench' needs --vip                 | bench --interface eth0",
            "bench vip with lab              | 2 | --vip applies to bench on --interface | bench --lab --vip 198.51.100.100/24",
            "bench on a VIP in use           | 2 | so it needs a VIP nobody uses; 198.51.100.100 is held by this host | bench --interface eth0 --vip 198.51.100.100/24 --compare-shell",
            "bench switchovers off lab       | 2 | --switchovers needs --lab           | bench --interface eth0 --vip 198.51.100.100/24 --switchovers 3",
            "bench json and csv              | 2 | --json and --csv both choose        | bench --lab --json --csv",
            "bench report in missing dir     | 2 | --report /nonexistent/r.html: directory /nonexistent does not exist | bench --lab --report /nonexistent/r.html",
            "bench cycles 0                  | 2 | --cycles 0 is outside 1-100000      | bench --lab --cycles 0",
            "bench runs over 1000            | 2 | --runs 1001 is outside 1-1000       | bench --lab --runs 1001",
            "bench switchovers negative      | 2 | --switchovers -1 is outside 0-1000  | bench --lab --switchovers -1",
            "bench endurance off lab         | 2 | --endurance needs --lab             | bench --interface eth0 --vip 198.51.100.100/24 --endurance 200",
            "bench endurance with runs       | 2 | --endurance replaces the other measurements, so --runs would do nothing | bench --lab --endurance 200 --runs 5",
            "bench endurance too few         | 2 | --endurance 99 is outside 100-1000000 | bench --lab --endurance 99",
            "vip given to agent              | 2 | --vip does not apply to 'agent'     | agent --interface eth0 --vip 198.51.100.100/24",
            "agent without interface         | 2 | 'agent' needs --interface           | agent",
            "agent dir relative              | 2 | --agent-dir run/agent must be an absolute path | agent --interface eth0 --agent-dir run/agent",
            "agent group unknown             | 2 | --agent-group no-such-group-vipctl: no such group | agent --interface eth0 --agent-group no-such-group-vipctl",
            "json given to agent             | 2 | --json does not apply to 'agent'    | agent --interface eth0 --json",
            // Known defects, reported with this table: each row states what the operator should get, and fails until fixed.
            "defend-ms past the int range    | 2 | --defend-ms 99999999999 is outside 0-600000 | up --interface eth0 --vip 198.51.100.100/24 --defend-ms 99999999999",
            "vip given twice                 | 2 | more than once                      | status --interface eth0 --vip 198.51.100.200 --vip 198.51.100.100",
            "on-conflict fail never probes   | 2 | --on-conflict acts on the release check, which --probe-wait-ms 0 turns off | up --interface eth0 --vip 198.51.100.100/24 --on-conflict fail --probe-wait-ms 0",
            "lock-dir that cannot hold files | 2 | cannot create or open /proc/vipctl for the VIP's lock (no such file or directory) | up --interface eth0 --vip 198.51.100.100/24 --lock-dir /proc/vipctl",
    })
    void isRefusedWithItsCodeAndChangesNothing(String name, int code, String text, String commandLine) {
        String[] args = commandLine.trim().split(" +");
        for (int i = 0; i < args.length; i++) {
            args[i] = args[i].replace("$TMP", files.toString());
        }
        assertRefusedWithoutChange(null, code, text.trim(), args);
    }

    /** 'status' and 'down' touch no wire, so they work on an interface without ARP (the VIP put there by ip). */
    @ParameterizedTest
    @ValueSource(strings = {"lo", "noarp0", "tun0"})
    void statusAndDownWorkWithoutArp(String name) {
        String before = hostState();
        LAB.lab().hostA().run("ip", "addr", "add", "198.51.100.50/32", "dev", name, "label", name + ":1");
        try {
            Shell.Result status = Launcher.run(LAB.lab().hostA(), "status", "--interface", name, "--vip", "198.51.100.50/32");
            assertEquals(0, status.exitCode, Launcher.describe(status));
            Shell.Result down = Launcher.run(LAB.lab().hostA(), "down", "--interface", name, "--vip", "198.51.100.50/32");
            assertEquals(0, down.exitCode, Launcher.describe(down));
            assertEquals(before, hostState(), "the VIP is gone again");
        } finally {
            Shell.run(LAB.lab().hostA().command("ip", "addr", "del", "198.51.100.50/32", "dev", name));
        }
    }

    /**
     * An 'up' that uses no ARP at all (--garp-count 0 --probe-wait-ms 0) only adds the address, as a direct-server-return
     * host puts a VIP on lo; it claims nothing about the wire. (A TUN device without its process has no carrier.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"lo", "noarp0"})
    void upWithoutAnyArpAddsTheVip(String name) {
        String before = hostState();
        try {
            Shell.Result up = Launcher.run(LAB.lab().hostA(), "up", "--interface", name, "--vip", "198.51.100.50/32",
                    "--garp-count", "0", "--probe-wait-ms", "0");
            assertEquals(0, up.exitCode, Launcher.describe(up));
            assertTrue(up.stdout.contains("no gratuitous ARP (--garp-count 0); no probing (--probe-wait-ms 0)"), Launcher.describe(up));
            assertTrue(LAB.lab().hostA().run("ip", "-4", "-o", "addr", "show", "dev", name).contains("198.51.100.50/32"));
            Shell.Result down = Launcher.run(LAB.lab().hostA(), "down", "--interface", name, "--vip", "198.51.100.50/32");
            assertEquals(0, down.exitCode, Launcher.describe(down));
            assertEquals(before, hostState(), "the VIP is gone again");
        } finally {
            Shell.run(LAB.lab().hostA().command("ip", "addr", "del", "198.51.100.50/32", "dev", name));
        }
    }

    @Test
    void anUnprivilegedUserChangesNothing(@TempDir Path dir) throws IOException {
        // nobody may not be able to enter the checkout (a fresh clone can sit in a 0700 directory): run a copy, from /
        // (the launcher returns to its working directory by name, which nobody could not do in the checkout).
        Path launcher = worldReadableCopyOfDistribution(dir);
        List<String> asNobody = List.of("ip", "netns", "exec", LAB.lab().hostA().namespace(),
                "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "env", "-C", "/", launcher.toString());
        assertRefusedWithoutChange(asNobody, 3, "CAP_NET_ADMIN", "down", "--interface", "eth0", "--vip", VIP);
        assertRefusedWithoutChange(asNobody, 3, "CAP_NET_RAW", "up", "--interface", "eth0", "--vip", "198.51.100.101/24");
    }

    private static Path worldReadableCopyOfDistribution(Path dir) throws IOException {
        Path home = Launcher.PATH.getParent().getParent();
        Path copy = dir.resolve("vipctl");
        try (Stream<Path> files = Files.walk(home)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = copy.resolve(home.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(
                        Files.isDirectory(source) || Files.isExecutable(source) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return copy.resolve("bin/vipctl");
    }

}
