package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real launcher, as fresh processes, moving the VIP between the two hosts of a namespace lab while the
 * client's view (its neighbour entry, its pings) is checked against the real kernel.
 */
class TakeoverLabTest {
    private static final String VIP = NamespaceLab.VIP_WITH_PREFIX;
    /** Short pacing keeps the suite quick; the defaults are exercised by the demo and the default-profile test. */
    private static final String[] FAST_GARP = {"--garp-count", "2", "--garp-interval-ms", "50"};

    @RegisterExtension
    static final LabExtension LAB = new LabExtension();

    /** Each test starts with the VIP on neither host and no neighbour entry for it on the client. */
    @BeforeEach
    void resetLab() {
        LAB.removeVip();
    }

    private static Shell.Result vipctl(NamespaceLab.Host host, String command, String... more) {
        String[] args = new String[3 + more.length];
        args[0] = command;
        args[1] = "--interface";
        args[2] = NamespaceLab.INTERFACE;
        System.arraycopy(more, 0, args, 3, more.length);
        return Launcher.run(host, args);
    }

    private static Shell.Result up(NamespaceLab.Host host, String... more) {
        String[] args = new String[2 + FAST_GARP.length + more.length];
        args[0] = "--vip";
        args[1] = VIP;
        System.arraycopy(FAST_GARP, 0, args, 2, FAST_GARP.length);
        System.arraycopy(more, 0, args, 2 + FAST_GARP.length, more.length);
        return vipctl(host, "up", args);
    }

    private static void assertOk(Shell.Result result) {
        assertEquals(0, result.exitCode, Launcher.describe(result));
    }

    private static String clientNeighbourEntry() {
        return LAB.lab().client().run("ip", "neigh", "show", NamespaceLab.VIP, "dev", NamespaceLab.INTERFACE).trim();
    }

    private static boolean clientReachesVip() {
        return Shell.run(LAB.lab().client().command("ping", "-c", "1", "-W", "1", NamespaceLab.VIP)).exitCode == 0;
    }

    private static String addresses(NamespaceLab.Host host) {
        return host.run("ip", "-4", "-o", "addr", "show", "dev", NamespaceLab.INTERFACE);
    }

    @Test
    void upMakesTheClientReachTheVipAtHostAsMac() {
        assertFalse(clientReachesVip(), "nobody holds the VIP yet");
        assertOk(up(LAB.lab().hostA()));

        assertTrue(clientReachesVip());
        assertTrue(clientNeighbourEntry().contains(LAB.lab().hostA().mac().toString()), clientNeighbourEntry());
        String configured = addresses(LAB.lab().hostA());
        assertTrue(configured.contains("inet " + VIP) && configured.contains("eth0:1"), "label eth0:1 is set: " + configured);
        assertTrue(configured.contains("inet " + LAB.lab().hostA().address() + "/24"), "the host's own address is still there: " + configured);
    }

    @Test
    void switchoverMovesTheClientsEntryThroughGratuitousArp() {
        assertOk(up(LAB.lab().hostA()));
        assertTrue(clientReachesVip());
        assertTrue(clientNeighbourEntry().contains(LAB.lab().hostA().mac().toString()), clientNeighbourEntry());

        assertOk(vipctl(LAB.lab().hostA(), "down", "--vip", VIP));
        assertOk(up(LAB.lab().hostB()));
        // The client sent nothing since: only host B's announcement can have changed its entry, long before it expires.
        assertTrue(clientNeighbourEntry().contains(LAB.lab().hostB().mac().toString()), "moved to host-b: " + clientNeighbourEntry());
        assertTrue(clientReachesVip());
        assertFalse(addresses(LAB.lab().hostA()).contains(NamespaceLab.VIP + "/"), "host-a dropped the VIP");
    }

    @Test
    void withoutGratuitousArpTheClientKeepsTheOldMac() {
        // The control for the test above, and the vendor scripts' behaviour: --garp-count 0 announces nothing.
        assertOk(up(LAB.lab().hostA()));
        assertTrue(clientReachesVip());
        assertOk(vipctl(LAB.lab().hostA(), "down", "--vip", VIP));
        assertOk(vipctl(LAB.lab().hostB(), "up", "--vip", VIP, "--garp-count", "0"));

        assertTrue(clientNeighbourEntry().contains(LAB.lab().hostA().mac().toString()), "still host-a: " + clientNeighbourEntry());
    }

    @Test
    void upAndDownAreIdempotent() {
        Shell.Result first = up(LAB.lab().hostA(), "--json");
        Shell.Result second = up(LAB.lab().hostA(), "--json");
        assertOk(first);
        assertOk(second);
        assertTrue(first.stdout.contains("\"changed\":true"), first.stdout);
        assertTrue(second.stdout.contains("\"changed\":false"), second.stdout);
        assertEquals(4, Launcher.jsonNumber(second.stdout, "framesSent"), "up when already up still announces: " + second.stdout);

        Shell.Result down = vipctl(LAB.lab().hostA(), "down", "--vip", VIP, "--json");
        Shell.Result downAgain = vipctl(LAB.lab().hostA(), "down", "--vip", VIP, "--json");
        assertOk(down);
        assertOk(downAgain);
        assertTrue(down.stdout.contains("\"changed\":true"), down.stdout);
        assertTrue(downAgain.stdout.contains("\"changed\":false"), downAgain.stdout);
        assertFalse(addresses(LAB.lab().hostA()).contains(NamespaceLab.VIP + "/"));
    }

    @Test
    void upWithTheDefaultProfileSendsThreeRoundsOfBothForms() {
        Shell.Result result = vipctl(LAB.lab().hostA(), "up", "--vip", VIP, "--json");
        assertOk(result);
        assertEquals(6, Launcher.jsonNumber(result.stdout, "framesSent"), result.stdout);
        assertEquals("both", Launcher.jsonString(result.stdout, "mode"));
    }

    @Test
    void jsonCarriesOutcomeAndEveryPhaseTiming() {
        Shell.Result result = up(LAB.lab().hostA(), "--json", "--label", "eth0:sip");
        assertOk(result);
        String json = result.stdout.trim();
        assertEquals(1, json.split("\n").length, "one JSON object on one line: " + json);
        assertEquals("ok", Launcher.jsonString(json, "outcome"));
        assertEquals("eth0:sip", Launcher.jsonString(json, "label"));
        for (String phase : new String[] {"startToMain", "validate", "startup", "inspect", "add", "verify", "startToFirstGarp", "announce", "total"}) {
            assertTrue(Launcher.jsonNumber(json, phase) >= 0, phase + " in " + json);
        }
        assertTrue(Launcher.jsonNumber(json, "startToFirstGarp") <= Launcher.jsonNumber(json, "total"), json);
    }

    @Test
    void statusSaysWhetherAndHowTheVipIsConfigured() {
        Shell.Result absent = vipctl(LAB.lab().hostA(), "status", "--vip", NamespaceLab.VIP);
        assertEquals(8, absent.exitCode, Launcher.describe(absent));
        assertOk(up(LAB.lab().hostA()));
        Shell.Result present = vipctl(LAB.lab().hostA(), "status", "--vip", NamespaceLab.VIP);
        assertOk(present);
        assertTrue(present.stdout.contains(VIP) && present.stdout.contains("label eth0:1") && present.stdout.contains("secondary"), present.stdout);
    }

    @Test
    void logFileGetsTimestampedLines(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path log = dir.resolve("Takeover.log");
        assertOk(up(LAB.lab().hostA(), "--log-file", log.toString(), "--quiet"));
        assertOk(vipctl(LAB.lab().hostA(), "down", "--vip", VIP, "--log-file", log.toString(), "--quiet"));
        List<String> lines = Files.readAllLines(log);
        assertEquals(5, lines.size(), String.join("\n", lines));
        for (String line : lines) {
            assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} vipctl\\[\\d+\\] .*"), line);
        }
        assertTrue(lines.get(0).contains("up eth0 " + VIP + " label eth0:1: start"), lines.get(0));
        assertTrue(lines.get(1).contains("release check: free"), lines.get(1));
        assertTrue(lines.get(2).contains("up eth0 " + VIP + " label eth0:1: OK (exit 0)"), lines.get(2));
        assertTrue(lines.get(4).contains("down eth0 " + VIP + ": OK (exit 0)"), lines.get(4));
    }

    @Test
    void relabelsAVipConfiguredWithAnotherLabel() {
        LAB.lab().hostA().run("ip", "addr", "add", VIP, "dev", NamespaceLab.INTERFACE, "label", "eth0:7");
        assertOk(up(LAB.lab().hostA()));
        String configured = addresses(LAB.lab().hostA());
        assertTrue(configured.contains("eth0:1") && !configured.contains("eth0:7"), configured);
    }

    /**
     * A VIP in its own subnet is that subnet's primary address: a second address of the subnet is its secondary, and
     * the kernel deletes it with the VIP unless promote_secondaries is set (docs/linux.md#primary-and-secondary-addresses). 'down' says so
     * before and reports after; with the sysctl set, nothing is said and the secondary stays.
     */
    @Test
    void downOfAPrimaryVipWarnsAboutTheSecondariesTheKernelTakesWithIt() {
        NamespaceLab.Host host = LAB.lab().hostA();
        try {
            for (String promote : new String[] {"0", "1"}) {
                host.run("sysctl", "-w", "net.ipv4.conf.all.promote_secondaries=" + promote);
                host.run("ip", "addr", "add", "203.0.113.10/24", "dev", NamespaceLab.INTERFACE, "label", "eth0:1");
                host.run("ip", "addr", "add", "203.0.113.11/24", "dev", NamespaceLab.INTERFACE, "label", "eth0:2");

                Shell.Result down = vipctl(host, "down", "--vip", "203.0.113.10/24");

                assertOk(down);
                String left = addresses(host);
                assertFalse(left.contains("203.0.113.10/"), left);
                if (promote.equals("0")) {
                    assertTrue(down.stderr.contains("also removes the secondaries of its subnet [203.0.113.11/24"), down.stderr);
                    assertTrue(down.stderr.contains("the kernel also removed [203.0.113.11/24"), down.stderr);
                    assertFalse(left.contains("203.0.113.11/"), "the kernel took the secondary: " + left);
                } else {
                    assertEquals("", down.stderr, "no warning where secondaries are promoted");
                    assertTrue(left.contains("203.0.113.11/24"), "promoted, not removed: " + left);
                    host.run("ip", "addr", "del", "203.0.113.11/24", "dev", NamespaceLab.INTERFACE);
                }
            }
        } finally {
            host.run("sysctl", "-w", "net.ipv4.conf.all.promote_secondaries=0");
        }
    }

    /**
     * A relabel deletes and re-adds the VIP (the kernel cannot relabel in place), so relabelling a subnet's primary VIP
     * would take the subnet's secondaries with it where they are not promoted: 'up' refuses and changes nothing; with
     * the sysctl set it relabels, and the secondary stays.
     */
    @Test
    void upRefusesARelabelThatWouldTakeTheSubnetsSecondariesWithIt() {
        NamespaceLab.Host host = LAB.lab().hostA();
        try {
            host.run("ip", "addr", "add", "203.0.113.10/24", "dev", NamespaceLab.INTERFACE, "label", "eth0:7");
            host.run("ip", "addr", "add", "203.0.113.11/24", "dev", NamespaceLab.INTERFACE, "label", "eth0:2");
            String before = addresses(host);

            Shell.Result refused = vipctl(host, "up", "--vip", "203.0.113.10/24", "--label", "eth0:1", "--garp-count", "0", "--probe-wait-ms", "0");

            assertEquals(2, refused.exitCode, Launcher.describe(refused));
            assertTrue(refused.stderr.contains("[203.0.113.11/24"), refused.stderr);
            assertEquals(before, addresses(host), "nothing changed");

            host.run("sysctl", "-w", "net.ipv4.conf.all.promote_secondaries=1");
            assertOk(vipctl(host, "up", "--vip", "203.0.113.10/24", "--label", "eth0:1", "--garp-count", "0", "--probe-wait-ms", "0"));
            String after = addresses(host);
            assertTrue(after.contains("203.0.113.10/24") && after.contains("eth0:1") && !after.contains("eth0:7"), after);
            assertTrue(after.contains("203.0.113.11/24"), "promoted, not removed: " + after);
        } finally {
            host.run("sysctl", "-w", "net.ipv4.conf.all.promote_secondaries=0");
            host.run("ip", "addr", "flush", "dev", NamespaceLab.INTERFACE, "to", "203.0.113.0/24");
        }
    }
}
