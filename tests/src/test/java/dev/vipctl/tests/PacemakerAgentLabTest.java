package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.vipctl.tests.PacemakerAgentTest.AGENT;
import static dev.vipctl.tests.PacemakerAgentTest.EXIT_REASON;
import static dev.vipctl.tests.PacemakerAgentTest.exitReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Pacemaker resource agent inside lab host a: Debian's real ocf-tester passes it, the VIP is really on host a's
 * eth0 after start and gone after stop, and the answers Pacemaker expects to repeated starts and stops, a missing or
 * vanished interface and a split brain. The agent runs the packaged launcher (its vipctl parameter) in host a's
 * namespace. Every test ends with the VIP on neither host.
 */
class PacemakerAgentLabTest {
    private static final String VIP = NamespaceLab.VIP;
    /** One quick announcement round: the pacing is TakeoverLabTest's subject. */
    private static final String[] PARAMETERS = {"ip=" + VIP, "cidr_netmask=24", "nic=eth0", "arp_count=1", "arp_interval=50"};
    /** ocf-tester runs some twenty actions, each starting vipctl: a bound for a loaded machine, not a speed limit. */
    private static final long OCF_TESTER_SECONDS = 300;

    @RegisterExtension
    static final LabExtension LAB = new LabExtension();

    @BeforeEach
    void requireResourceAgents() {
        Tools.require("ocf-tester", "resource-agents");
    }

    @AfterEach
    void removeVip() {
        LAB.removeVip();
    }

    /** The agent's {@code action} in host a, with the packaged launcher as vipctl and resource-agents' functions. */
    private static Shell.Result agent(String action, String... parameters) {
        return agent(Map.of(), action, parameters);
    }

    private static Shell.Result agent(Map<String, String> environment, String action, String... parameters) {
        List<String> all = new ArrayList<>(List.of(parameters));
        all.add("vipctl=" + Launcher.PATH);
        Map<String, String> withRoot = new HashMap<>(environment);
        withRoot.put("OCF_ROOT", "/usr/lib/ocf");
        return PacemakerAgentTest.agent(LAB.lab().hostA().command(), withRoot, action, all.toArray(new String[0]));
    }

    private static String addresses(NamespaceLab.Host host) {
        return Shell.check("ip", "-n", host.namespace(), "-4", "-o", "addr", "show", "dev", NamespaceLab.INTERFACE);
    }

    private static boolean holdsVip(NamespaceLab.Host host) {
        return addresses(host).contains(" " + VIP + "/");
    }

    @Test
    void ocfTesterPassesInsideHostAAndLeavesTheVipDown() {
        List<String> tester = new ArrayList<>(LAB.lab().hostA().command("env", "OCF_ROOT=/usr/lib/ocf", "ocf-tester", "-n", "vip"));
        for (String parameter : PARAMETERS) {
            tester.add("-o");
            tester.add(parameter);
        }
        tester.addAll(List.of("-o", "vipctl=" + Launcher.PATH, AGENT.toString()));
        long started = System.nanoTime();
        Shell.Result result = Shell.run(tester, OCF_TESTER_SECONDS);
        System.out.printf("ocf-tester took %.1f s%n", (System.nanoTime() - started) / 1e9);
        assertEquals(0, result.exitCode, Launcher.describe(result));
        assertTrue(result.stdout.contains(AGENT + " passed all tests"), result.stdout);
        assertFalse(holdsVip(LAB.lab().hostA()), "ocf-tester's last action was a stop: " + addresses(LAB.lab().hostA()));
    }

    @Test
    void startPutsTheVipOnHostAsEth0TwiceOverAndStopRemovesItTwiceOver() {
        Shell.Result probe = agent(Map.of("OCF_RESKEY_CRM_meta_interval", "0"), "monitor", PARAMETERS);
        assertEquals(7, probe.exitCode, "a probe before start: not running: " + Launcher.describe(probe));
        for (int i = 1; i <= 2; i++) {
            Shell.Result start = agent("start", PARAMETERS);
            assertEquals(0, start.exitCode, "start " + i + ": " + Launcher.describe(start));
            assertTrue(addresses(LAB.lab().hostA()).contains("inet " + VIP + "/24 ") && addresses(LAB.lab().hostA()).contains(" eth0:1"),
                    "start " + i + ": the VIP with vipctl's default label: " + addresses(LAB.lab().hostA()));
        }
        assertEquals(1, addresses(LAB.lab().hostA()).split(" " + VIP + "/", -1).length - 1, "one copy: " + addresses(LAB.lab().hostA()));
        Shell.Result monitor = agent("monitor", PARAMETERS);
        assertEquals(0, monitor.exitCode, Launcher.describe(monitor));
        for (int i = 1; i <= 2; i++) {
            Shell.Result stop = agent("stop", PARAMETERS);
            assertEquals(0, stop.exitCode, "stop " + i + ": " + Launcher.describe(stop));
            assertFalse(holdsVip(LAB.lab().hostA()), "stop " + i + ": " + addresses(LAB.lab().hostA()));
            assertFalse(stop.stderr.contains(EXIT_REASON), stop.stderr);
        }
        Shell.Result stopped = agent("monitor", PARAMETERS);
        assertEquals(7, stopped.exitCode, Launcher.describe(stopped));
        assertFalse(stopped.stderr.contains(EXIT_REASON), "not running is no failure: " + stopped.stderr);
    }

    @Test
    void nicAndCidrNetmaskAreFoundFromTheConnectedRouteAndTheLabelFromIflabel() {
        Shell.Result start = agent("start", "ip=" + VIP, "iflabel=web", "arp_count=1");
        assertEquals(0, start.exitCode, Launcher.describe(start));
        assertTrue(addresses(LAB.lab().hostA()).contains("inet " + VIP + "/24 ") && addresses(LAB.lab().hostA()).contains(" eth0:web"),
                addresses(LAB.lab().hostA()));
        assertEquals(0, agent("monitor", "ip=" + VIP).exitCode);
        assertEquals(0, agent("stop", "ip=" + VIP).exitCode);
        assertFalse(holdsVip(LAB.lab().hostA()), addresses(LAB.lab().hostA()));

        // No route to find it from: nic is named.
        String unrouted = "203.0.113.10";
        for (String action : List.of("start", "validate-all")) {
            Shell.Result result = agent(action, "ip=" + unrouted);
            assertEquals(6, result.exitCode, action + ": " + Launcher.describe(result));
            assertTrue(exitReason(result).startsWith("nic: not given, and no directly connected route covers " + unrouted), result.stderr);
        }
        Shell.Result tooLong = agent("start", "ip=" + VIP, "iflabel=abcdefghijk");
        assertEquals(6, tooLong.exitCode, Launcher.describe(tooLong));
        assertEquals("iflabel: the label 'eth0:abcdefghijk' is longer than Linux's 15 characters", exitReason(tooLong));
        assertFalse(holdsVip(LAB.lab().hostA()), addresses(LAB.lab().hostA()));
    }

    @Test
    void aNicThatDoesNotExistIsNotConfiguredAtStartNotRunningAtMonitorAndStoppedAtStop() {
        String[] parameters = {"ip=" + VIP, "cidr_netmask=24", "nic=eth9"};
        for (String action : List.of("start", "validate-all")) {
            Shell.Result result = agent(action, parameters);
            assertEquals(6, result.exitCode, action + ": " + Launcher.describe(result));
            assertEquals("nic: interface 'eth9' does not exist on this host", exitReason(result));
        }
        assertEquals(7, agent("monitor", parameters).exitCode);
        assertEquals(0, agent("stop", parameters).exitCode);
        assertFalse(holdsVip(LAB.lab().hostA()), addresses(LAB.lab().hostA()));
    }

    @Test
    void monitorOnAnInterfaceThatVanishedIsNotRunningAndStopSucceeds() {
        NamespaceLab.Host a = LAB.lab().hostA();
        String link = "ocfgone0";
        String[] parameters = {"ip=198.18.0.100", "cidr_netmask=24", "nic=" + link};
        try {
            a.run("ip", "link", "add", link, "type", "veth", "peer", "name", "ocfgone1");
            a.run("ip", "addr", "add", "198.18.0.100/24", "dev", link, "label", link + ":1");
            a.run("ip", "link", "set", link, "up");
            Shell.Result configured = agent("monitor", parameters);
            assertEquals(0, configured.exitCode, Launcher.describe(configured));
            a.run("ip", "link", "del", link);
            Shell.Result vanished = agent("monitor", parameters);
            assertEquals(7, vanished.exitCode, Launcher.describe(vanished));
            assertFalse(vanished.stderr.contains(EXIT_REASON), vanished.stderr);
            assertEquals(0, agent("stop", parameters).exitCode);
        } finally {
            Shell.run(a.command("ip", "link", "del", link));
        }
    }

    @Test
    void monitorAtLevel10FailsWhileHostBHoldsTheVipToo() {
        assertEquals(0, agent("start", PARAMETERS).exitCode);
        Map<String, String> level10 = Map.of("OCF_CHECK_LEVEL", "10");
        Shell.Result alone = agent(level10, "monitor", PARAMETERS);
        assertEquals(0, alone.exitCode, Launcher.describe(alone));
        Map<String, String> depth10 = Map.of("OCF_RESKEY_OCF_CHECK_LEVEL", "10");

        LAB.lab().hostB().run("ip", "addr", "add", NamespaceLab.VIP_WITH_PREFIX, "dev", NamespaceLab.INTERFACE, "label", "eth0:1");
        String macB = LAB.lab().hostB().mac().toString();
        for (Map<String, String> environment : List.of(level10, depth10)) {
            Shell.Result split = agent(environment, "monitor", PARAMETERS);
            assertEquals(1, split.exitCode, environment + ": " + Launcher.describe(split));
            String reason = exitReason(split);
            assertTrue(reason.startsWith("vipctl probe exited 11 (SPLIT_BRAIN): ") && reason.contains(macB) && reason.contains("split brain"), reason);
        }
        Shell.Result level0 = agent("monitor", PARAMETERS);
        assertEquals(0, level0.exitCode, "level 0 asks only this host: " + Launcher.describe(level0));

        // With on_conflict=fail, start changes nothing and fails; by default it takes the VIP over, and warns.
        assertEquals(0, agent("stop", PARAMETERS).exitCode);
        Shell.Result refused = agent("start", "ip=" + VIP, "cidr_netmask=24", "nic=eth0", "on_conflict=fail", "release_wait_ms=0");
        assertEquals(1, refused.exitCode, Launcher.describe(refused));
        String reason = exitReason(refused);
        assertTrue(reason.startsWith("vipctl up exited 10 (CONFLICT): ") && reason.contains(macB), reason);
        assertFalse(holdsVip(LAB.lab().hostA()), addresses(LAB.lab().hostA()));
        Shell.Result takeover = agent("start", PARAMETERS);
        assertEquals(0, takeover.exitCode, Launcher.describe(takeover));
        assertTrue(takeover.stderr.contains("vipctl up exited 11 (SPLIT_BRAIN)"), "warns: " + takeover.stderr);
        assertFalse(takeover.stderr.contains(EXIT_REASON), takeover.stderr);
        assertTrue(holdsVip(LAB.lab().hostA()), addresses(LAB.lab().hostA()));
    }
}
