package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vipctl doctor} through the real launcher, on a healthy lab host and on broken ones: the verdict, the findings
 * with their fixes, the exit code, and that it changed nothing.
 */
class DoctorLabTest {
    private static final String[] CHECKS = {"os", "privileges", "interface", "carrier", "addresses", "arp-socket",
        "arp_ignore", "arp_announce", "promote_secondaries", "arp_accept", "lock-directory"};

    @RegisterExtension
    static final LabExtension LAB = new LabExtension();

    private static String state(NamespaceLab.Host host) {
        return host.run("ip", "-4", "-o", "addr", "show") + host.run("ip", "-o", "link", "show")
                + host.run("sysctl", "net.ipv4.conf.all.promote_secondaries", "net.ipv4.conf.eth0.arp_ignore");
    }

    private static Shell.Result doctor(NamespaceLab.Host host, String interfaceName, String... more) {
        String before = state(host);
        List<String> args = new ArrayList<>(List.of("doctor", "--interface", interfaceName));
        args.addAll(List.of(more));
        Shell.Result result = Launcher.run(host, args.toArray(new String[0]));
        assertEquals(before, state(host), "doctor changed nothing");
        return result;
    }

    @Test
    void aHealthyHostPassesEveryCheckAndIsWarnedAboutPromoteSecondaries() {
        Shell.Result result = doctor(LAB.lab().hostB(), NamespaceLab.INTERFACE);

        assertEquals(0, result.exitCode, Launcher.describe(result));
        for (String check : CHECKS) {
            assertTrue(result.stdout.contains(" " + check + " "), "reports " + check + ":\n" + result.stdout);
        }
        assertTrue(result.stdout.contains("OK      arp-socket"), result.stdout);
        // A fresh namespace has the kernel default promote_secondaries=0: the one warning, with its fix.
        assertTrue(result.stdout.contains("WARN    promote_secondaries"), result.stdout);
        assertTrue(result.stdout.contains("fix: sysctl -w net.ipv4.conf.all.promote_secondaries=1"), result.stdout);
        assertTrue(result.stdout.contains("0 failure(s), 1 warning(s)"), result.stdout);
    }

    @Test
    void settingTheSysctlsTheDoctorRecommendsClearsItsWarning() {
        NamespaceLab.Host host = LAB.lab().client();
        host.run("sysctl", "-w", "net.ipv4.conf.all.promote_secondaries=1");
        Shell.Result result = doctor(host, NamespaceLab.INTERFACE, "--json");

        assertEquals(0, result.exitCode, Launcher.describe(result));
        assertTrue(result.stdout.contains("\"check\":\"promote_secondaries\",\"status\":\"ok\""), result.stdout);
        assertTrue(result.stdout.contains("\"message\":\"0 failure(s), 0 warning(s)\""), result.stdout);
    }

    @Test
    void aHostThatWouldNotAnswerProbesIsWarned() {
        NamespaceLab.Host host = LAB.lab().hostA();
        host.run("sysctl", "-w", "net.ipv4.conf.eth0.arp_ignore=8");
        try {
            Shell.Result result = doctor(host, NamespaceLab.INTERFACE, "--json");
            assertEquals(0, result.exitCode, Launcher.describe(result));
            assertTrue(result.stdout.contains("\"check\":\"arp_ignore\",\"status\":\"warn\""), result.stdout);
        } finally {
            host.run("sysctl", "-w", "net.ipv4.conf.eth0.arp_ignore=0");
        }
    }

    @Test
    void anInterfaceThatIsDownFailsWithTheCodeUpWouldGive() {
        NamespaceLab.Host host = LAB.lab().hostA();
        host.run("ip", "link", "add", "down0", "type", "veth", "peer", "name", "down0-peer");
        try {
            Shell.Result result = doctor(host, "down0");
            assertEquals(4, result.exitCode, Launcher.describe(result));
            assertTrue(result.stdout.contains("FAIL    interface"), result.stdout);
            assertTrue(result.stdout.contains("ip link set down0 up"), result.stdout);
            assertTrue(result.stdout.contains("'vipctl up' would stop with exit 4 (INTERFACE_UNAVAILABLE)"), result.stdout);
        } finally {
            host.run("ip", "link", "del", "down0");
        }
    }

    @Test
    void anInterfaceWithoutCarrierFails() {
        NamespaceLab.Host host = LAB.lab().hostA();
        // Up, but its peer is down: no carrier.
        host.run("ip", "link", "add", "nocarrier0", "type", "veth", "peer", "name", "nocarrier0-peer");
        host.run("ip", "link", "set", "nocarrier0", "up");
        try {
            Shell.Result result = doctor(host, "nocarrier0");
            assertEquals(4, result.exitCode, Launcher.describe(result));
            assertTrue(result.stdout.contains("FAIL    carrier"), result.stdout);
        } finally {
            host.run("ip", "link", "del", "nocarrier0");
        }
    }

    @Test
    void interfacesWithoutArpFailWithUpsReasonAndSkipTheArpChecks() {
        NamespaceLab.Host host = LAB.lab().hostA();
        host.run("ip", "link", "add", "noarp0", "type", "veth", "peer", "name", "noarp0-peer");
        host.run("ip", "link", "set", "dev", "noarp0", "arp", "off", "up");
        host.run("ip", "link", "set", "dev", "noarp0-peer", "up");
        try {
            for (String name : List.of("lo", "noarp0")) {
                Shell.Result result = doctor(host, name, "--json");
                assertEquals(4, result.exitCode, Launcher.describe(result));
                assertTrue(result.stdout.contains("\"check\":\"interface\",\"status\":\"fail\",\"detail\":\"" + name
                        + (name.equals("lo") ? " is a loopback interface: " : " has ARP turned off (NOARP): ")), result.stdout);
                for (String skipped : List.of("arp-socket", "arp_ignore", "arp_announce")) {
                    assertTrue(result.stdout.contains("\"check\":\"" + skipped + "\",\"status\":\"skipped\",\"detail\":\"not checked: "
                            + name + " does not run ARP (see interface)\""), result.stdout);
                }
            }
        } finally {
            host.run("ip", "link", "del", "noarp0");
        }
    }

    @Test
    void aMissingInterfaceFailsAndSkipsWhatDependsOnIt() {
        Shell.Result result = doctor(LAB.lab().hostB(), "eth9", "--json");

        assertEquals(4, result.exitCode, Launcher.describe(result));
        assertTrue(result.stdout.contains("\"check\":\"interface\",\"status\":\"fail\""), result.stdout);
        assertTrue(result.stdout.contains("\"check\":\"addresses\",\"status\":\"skipped\""), result.stdout);
    }
}
