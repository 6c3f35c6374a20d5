package dev.vipctl.tests;

import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Pacemaker resource agent (integrations/pacemaker/vipctl) where no lab is needed: its meta-data against the DTD
 * that Debian's resource-agents ships, and the answers to bad input, with resource-agents' ocf-shellfuncs and with
 * the agent's own equivalent (when OCF_FUNCTIONS_DIR holds none). The lab cases are in PacemakerAgentLabTest.
 */
class PacemakerAgentTest {
    static final Path AGENT = Path.of("..", "integrations", "pacemaker", "vipctl").toAbsolutePath().normalize();
    /** resource-agents' DTD for meta-data (ocf-tester validates against it from this directory). */
    static final Path DTD = Path.of("/usr/share/resource-agents/ra-api-1.dtd");
    static final String EXIT_REASON = "ocf-exit-reason:";

    @TempDir
    Path dir;

    /** Runs the agent's {@code action} with {@code parameters} as OCF_RESKEY_ variables, plus {@code environment}. */
    static Shell.Result agent(List<String> prefix, Map<String, String> environment, String action, String... parameters) {
        Map<String, String> variables = new HashMap<>(environment);
        variables.put("OCF_RESOURCE_INSTANCE", "vip");
        for (String parameter : parameters) {
            int equals = parameter.indexOf('=');
            variables.put("OCF_RESKEY_" + parameter.substring(0, equals), parameter.substring(equals + 1));
        }
        List<String> command = new ArrayList<>(prefix);
        command.add(AGENT.toString());
        command.add(action);
        return Shell.run(command, variables, 60);
    }

    /** The exit reason the agent gave, asserting there is exactly one. */
    static String exitReason(Shell.Result result) {
        List<String> reasons = new ArrayList<>();
        for (String line : result.stderr.split("\n")) {
            if (line.startsWith(EXIT_REASON)) {
                reasons.add(line.substring(EXIT_REASON.length()));
            }
        }
        assertEquals(1, reasons.size(), "one ocf-exit-reason line: " + Launcher.describe(result));
        return reasons.get(0);
    }

    /** With resource-agents' ocf-shellfuncs, or without (an empty OCF_FUNCTIONS_DIR: the agent's own equivalent). */
    private Map<String, String> functions(boolean shipped) throws IOException {
        if (shipped) {
            Tools.require("ocf-tester", "resource-agents");
            return Map.of("OCF_ROOT", "/usr/lib/ocf");
        }
        return Map.of("OCF_FUNCTIONS_DIR", Files.createDirectories(dir.resolve("no-functions")).toString());
    }

    @Test
    void metaDataIsValidAgainstResourceAgentsDtdAndOffersIpaddr2sParameters() throws IOException {
        Tools.require("xmllint", "libxml2-utils");
        Tools.require("ocf-tester", "resource-agents");
        assertTrue(Files.isReadable(DTD), DTD + ": resource-agents ships it");
        Shell.Result metaData = agent(List.of(), Map.of(), "meta-data");
        assertEquals(0, metaData.exitCode, Launcher.describe(metaData));
        Path file = Files.writeString(dir.resolve("meta-data.xml"), metaData.stdout);
        Shell.Result valid = Shell.run(List.of("xmllint", "--noout", "--dtdvalid", DTD.toString(), file.toString()));
        assertEquals(0, valid.exitCode, "valid against " + DTD + ": " + Launcher.describe(valid));
        for (String parameter : List.of("ip", "cidr_netmask", "nic", "iflabel", "arp_count", "arp_interval",
                "on_conflict", "release_wait_ms", "verify_peer", "log_file", "vipctl")) {
            assertTrue(metaData.stdout.contains("<parameter name=\"" + parameter + "\""), parameter + ": " + metaData.stdout);
        }
        assertTrue(metaData.stdout.contains("<parameter name=\"ip\" unique=\"1\" required=\"1\">"), "ip is required, as in IPaddr2");
        assertTrue(metaData.stdout.contains("<action name=\"monitor\" depth=\"10\""), "the split-brain check is offered as depth 10");

        // A document that breaks the DTD fails, so the check above can fail.
        Path broken = Files.writeString(dir.resolve("broken.xml"), metaData.stdout.replace("<content type=\"integer\"", "<content type=\"number\""));
        assertNotEquals(0, Shell.run(List.of("xmllint", "--noout", "--dtdvalid", DTD.toString(), broken.toString())).exitCode);
    }

    @ParameterizedTest(name = "ocf-shellfuncs shipped: {0}")
    @ValueSource(booleans = {true, false})
    void aMissingOrMalformedIpIsNotConfiguredAtStartAndValidateAllNamingIt(boolean shipped) throws IOException {
        Map<String, String> environment = functions(shipped);
        Path touched = dir.resolve("p");
        for (String action : List.of("start", "validate-all", "monitor")) {
            Shell.Result missing = agent(List.of(), environment, action, "nic=eth0", "cidr_netmask=24");
            assertEquals(6, missing.exitCode, action + ": " + Launcher.describe(missing));
            assertTrue(exitReason(missing).startsWith("ip: the parameter is required"), missing.stderr);

            for (String ip : List.of("300.1.1.1", "x;touch " + touched, "198.51.100.100/24", "198.51.100", "01.2.3.4", " 198.51.100.100")) {
                Shell.Result bad = agent(List.of(), environment, action, "ip=" + ip, "nic=eth0", "cidr_netmask=24");
                assertEquals(6, bad.exitCode, action + " ip=" + ip + ": " + Launcher.describe(bad));
                assertEquals("ip: '" + ip + "' is not an IPv4 address in dotted quad notation", exitReason(bad));
            }
        }
        assertFalse(Files.exists(touched), "no parameter is run as a command");

        // Nothing malformed can have been configured: stop succeeds, as Pacemaker fences a node whose stop fails.
        Shell.Result stop = agent(List.of(), environment, "stop", "ip=300.1.1.1", "nic=eth0");
        assertEquals(0, stop.exitCode, Launcher.describe(stop));
        assertFalse(stop.stderr.contains(EXIT_REASON), stop.stderr);
    }

    @ParameterizedTest(name = "ocf-shellfuncs shipped: {0}")
    @ValueSource(booleans = {true, false})
    void eachMalformedParameterIsNamed(boolean shipped) throws IOException {
        Map<String, String> environment = functions(shipped);
        String[][] cases = {
                {"nic=eth0/1", "nic: 'eth0/1' is not an interface name"},
                {"nic=an-interface-name-too-long", "nic: 'an-interface-name-too-long' is not an interface name"},
                {"cidr_netmask=255.255.255.0", "cidr_netmask: '255.255.255.0' is not a prefix length from 1 to 32"},
                {"cidr_netmask=33", "cidr_netmask: '33' is not a prefix length"},
                {"iflabel=a b", "iflabel: 'a b' may hold only letters"},
                {"arp_count=-1", "arp_count: '-1' is not a number from 0 to 100"},
                {"arp_count=101", "arp_count: '101' is not a number"},
                {"arp_interval=1e3", "arp_interval: '1e3' is not a number"},
                {"on_conflict=yield", "on_conflict: 'yield' is neither takeover nor fail"},
                {"release_wait_ms=99999999999", "release_wait_ms: '99999999999' is not a number"},
                {"verify_peer=gateway", "verify_peer: 'gateway' is not an IPv4 address"},
                {"log_file=vipctl.log", "log_file: 'vipctl.log' is not an absolute path"},
        };
        for (String[] badCase : cases) {
            for (String action : List.of("start", "validate-all")) {
                Shell.Result bad = agent(List.of(), environment, action, "ip=198.51.100.100", "cidr_netmask=24", badCase[0]);
                assertEquals(6, bad.exitCode, action + " " + badCase[0] + ": " + Launcher.describe(bad));
                assertTrue(exitReason(bad).startsWith(badCase[1]), badCase[1] + ": " + bad.stderr);
            }
        }
    }

    @ParameterizedTest(name = "ocf-shellfuncs shipped: {0}")
    @ValueSource(booleans = {true, false})
    void anUnknownActionIsUnimplementedAndUsageSucceeds(boolean shipped) throws IOException {
        Map<String, String> environment = functions(shipped);
        Shell.Result unknown = agent(List.of(), environment, "promote", "ip=198.51.100.100");
        assertEquals(3, unknown.exitCode, Launcher.describe(unknown));
        assertEquals("action 'promote' is not implemented", exitReason(unknown));
        Shell.Result none = agent(List.of(), environment, "");
        assertEquals(3, none.exitCode, Launcher.describe(none));
        for (String action : List.of("usage", "help")) {
            Shell.Result usage = agent(List.of(), environment, action);
            assertEquals(0, usage.exitCode, Launcher.describe(usage));
            assertTrue(usage.stdout.startsWith("usage: "), usage.stdout);
        }
    }

    @Test
    void aVipctlThatIsNotInstalledIsNotInstalledExceptInAProbe() {
        Map<String, String> environment = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        String[] parameters = {"ip=198.51.100.100", "nic=lo", "cidr_netmask=24", "vipctl=" + dir.resolve("missing")};
        Shell.Result start = agent(List.of(), environment, "start", parameters);
        assertEquals(5, start.exitCode, Launcher.describe(start));
        assertTrue(exitReason(start).startsWith("vipctl: '" + dir.resolve("missing") + "' is not an executable file"), start.stderr);
        Shell.Result probe = agent(List.of(), Map.of("OCF_RESKEY_CRM_meta_interval", "0"), "monitor", parameters);
        assertEquals(7, probe.exitCode, "a probe: cannot be running here: " + Launcher.describe(probe));
        Shell.Result relative = agent(List.of(), environment, "validate-all", "ip=198.51.100.100", "nic=lo", "vipctl=vipctl");
        assertEquals(5, relative.exitCode, "only an absolute path: " + Launcher.describe(relative));
    }
}
