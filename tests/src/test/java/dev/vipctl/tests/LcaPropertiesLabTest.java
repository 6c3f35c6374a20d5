package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped LCA properties files (integrations/lca/) driving the real launcher as the four Application objects run
 * it: host-a is the primary SIP Server's host with sip-primary.properties, host-b the backup's with
 * sip-backup.properties, through the vendor's workflows in the order its Alarm Reactions start the applications
 * (hot standby, Table 8). The files name the lab's own interface, VIP and router; only their log file moves into a
 * temporary directory. The client plays the subnet's router that the files' verify-peer names.
 */
class LcaPropertiesLabTest {
    private static final Path LCA = Path.of("..", "integrations", "lca");
    private static final String VIP = NamespaceLab.VIP_WITH_PREFIX;
    private static final Pattern LOG_LINE = Pattern.compile("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} vipctl\\[\\d+\\] .*");
    private static final String UP_START = "up eth0 " + VIP + " label eth0:1: start";
    private static final String UP_OK = "up eth0 " + VIP + " label eth0:1: OK (exit 0)";
    private static final String DOWN_OK = "down eth0 " + VIP + ": OK (exit 0)";

    @RegisterExtension
    static final LabExtension LAB = new LabExtension();

    private static String router;

    @TempDir
    Path logs;

    private NamespaceLab.Host primary;
    private NamespaceLab.Host backup;
    private Path primaryConfig;
    private Path backupConfig;

    @BeforeAll
    static void clientIsTheRouterTheFilesName() throws IOException {
        router = shipped("sip-primary.properties").getProperty("verify-peer");
        LAB.lab().client().run("ip", "addr", "add", router + "/" + NamespaceLab.PREFIX, "dev", NamespaceLab.INTERFACE);
    }

    @BeforeEach
    void installTheFiles() throws IOException {
        LAB.removeVip();
        primary = LAB.lab().hostA();
        backup = LAB.lab().hostB();
        primaryConfig = installed("sip-primary.properties");
        backupConfig = installed("sip-backup.properties");
    }

    @Test
    void theFilesNameTheLabsInterfaceVipAndRouterAndTakeOverOnConflict() throws IOException {
        for (String file : List.of("sip-primary.properties", "sip-backup.properties")) {
            Properties shipped = shipped(file);
            assertEquals(NamespaceLab.INTERFACE, shipped.getProperty("interface"), file);
            assertEquals(VIP, shipped.getProperty("vip"), file);
            assertEquals("takeover", shipped.getProperty("on-conflict"), file);
            assertEquals("500", shipped.getProperty("release-wait-ms"), file);
            assertEquals(router, shipped.getProperty("verify-peer"), file);
            assertEquals(null, shipped.getProperty("log-file"), file + ": no log file by default, so that the agent serves root");
        }
    }

    /** Manual switchover, then back: 4561 of the one, 4563 of the other, each starting its applications. */
    @Test
    void manualSwitchoverAndBackMoveTheRoutersEntry() throws IOException {
        assertExit(0, vipctl(primary, "up", primaryConfig), "SIP_SERVER_PRIMARY_VIP_UP at the start");
        assertHolds(primary);
        assertTrue(addresses(primary).contains("eth0:1"), "labelled as the vendor's ifconfig eth0:1: " + addresses(primary));

        // 4561 of the primary: PRIMARY_VIP_DOWN. 4563 of the backup: BACKUP_VIP_UP, and PRIMARY_VIP_DOWN once more.
        assertExit(0, vipctl(primary, "down", primaryConfig), "SIP_SERVER_PRIMARY_VIP_DOWN (4561)");
        assertExit(0, vipctl(backup, "up", backupConfig), "SIP_SERVER_BACKUP_VIP_UP (4563)");
        assertExit(0, vipctl(primary, "down", primaryConfig), "SIP_SERVER_PRIMARY_VIP_DOWN (4563), the VIP already gone");
        assertHolds(backup);
        assertFalse(addresses(primary).contains(" " + VIP + " "), addresses(primary));

        // And back: 4561 of the backup, 4563 of the primary.
        assertExit(0, vipctl(backup, "down", backupConfig), "SIP_SERVER_BACKUP_VIP_DOWN (4561)");
        assertExit(0, vipctl(primary, "up", primaryConfig), "SIP_SERVER_PRIMARY_VIP_UP (4563)");
        assertExit(0, vipctl(backup, "down", backupConfig), "SIP_SERVER_BACKUP_VIP_DOWN (4563), the VIP already gone");
        assertHolds(primary);

        List<String> primaryLog = log("sip-primary.log");
        assertEquals(List.of(UP_START, "release check: free", UP_OK,
                "down eth0 " + VIP + ": start", DOWN_OK + " (removed)",
                "down eth0 " + VIP + ": start", DOWN_OK + " (was not configured)",
                UP_START, "release check: free", UP_OK), stepsOf(primaryLog));
        assertTrue(primaryLog.get(2).contains("peer " + router + " (" + LAB.lab().client().mac() + ") answered"), primaryLog.get(2));
        List<String> backupLog = log("sip-backup.log");
        assertEquals(List.of(UP_START, "release check: free", UP_OK,
                "down eth0 " + VIP + ": start", DOWN_OK + " (removed)",
                "down eth0 " + VIP + ": start", DOWN_OK + " (was not configured)"), stepsOf(backupLog));
    }

    /**
     * Primary disconnected: its VIP-down application cannot run, so the backup's VIP-up finds the VIP still held. With
     * the files' on-conflict=takeover it takes the VIP and exits 11; with --on-conflict fail it changes nothing and
     * exits 10. Once the old primary is back, its VIP-down runs and only the new primary answers.
     */
    @Test
    void primaryDisconnectedTakesTheVipOverAndReportsTheSplitBrain() throws IOException {
        assertExit(0, vipctl(primary, "up", primaryConfig), "SIP_SERVER_PRIMARY_VIP_UP at the start");
        String primaryMac = primary.mac().toString();

        Shell.Result refused = vipctl(backup, "up", backupConfig, "--on-conflict", "fail");
        assertExit(10, refused, "--on-conflict fail on the command line over the file's takeover");
        assertFalse(addresses(backup).contains(" " + VIP + " "), "nothing changed: " + addresses(backup));
        assertTrue(refused.stderr.contains(primaryMac), refused.stderr);

        Shell.Result takeover = vipctl(backup, "up", backupConfig);
        assertExit(11, takeover, "SIP_SERVER_BACKUP_VIP_UP (4563) while the old primary still holds the VIP");
        assertTrue(takeover.stderr.contains("split brain") && takeover.stderr.contains(primaryMac), takeover.stderr);
        assertTrue(addresses(primary).contains(" " + VIP + " "), "the disconnected primary still holds it");
        assertHolds(backup);

        List<String> backupLog = log("sip-backup.log");
        assertEquals(List.of(UP_START, "release check: still held by " + primaryMac, "up eth0 " + VIP + " label eth0:1: CONFLICT (exit 10)",
                UP_START, "release check: still held by " + primaryMac, "up eth0 " + VIP + " label eth0:1: SPLIT_BRAIN (exit 11)"),
                stepsOf(backupLog));
        assertTrue(backupLog.stream().anyMatch(line -> line.contains("warning: conflict: " + NamespaceLab.VIP + " is still held by " + primaryMac)),
                String.join("\n", backupLog));

        // Reconnected: 4561 of the old primary starts its VIP-down; the operator then asks the wire who holds the VIP.
        assertExit(0, vipctl(primary, "down", primaryConfig), "SIP_SERVER_PRIMARY_VIP_DOWN once reconnected");
        Shell.Result probe = Launcher.run(primary, "probe", "--interface", NamespaceLab.INTERFACE, "--vip", NamespaceLab.VIP);
        assertExit(0, probe, "one holder");
        assertTrue(probe.stdout.contains(backup.mac().toString()) && !probe.stdout.contains(primaryMac), probe.stdout);
        assertHolds(backup);
    }

    private static Properties shipped(String file) throws IOException {
        Properties properties = new Properties();
        properties.load(new StringReader(Files.readString(LCA.resolve(file))));
        return properties;
    }

    /** The shipped file with its (commented) log-file line turned on and pointed into this test's directory. */
    private Path installed(String file) throws IOException {
        List<String> lines = Files.readAllLines(LCA.resolve(file));
        int logLines = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("#log-file=/var/log/vipctl/")) {
                lines.set(i, "log-file=" + logs.resolve(file.replace(".properties", ".log")));
                logLines++;
            }
        }
        assertEquals(1, logLines, file + " has one commented log-file line");
        Path copy = logs.resolve(file);
        Files.write(copy, lines);
        return copy;
    }

    private static Shell.Result vipctl(NamespaceLab.Host host, String command, Path config, String... more) {
        String[] args = new String[3 + more.length];
        args[0] = command;
        args[1] = "--config";
        args[2] = config.toString();
        System.arraycopy(more, 0, args, 3, more.length);
        return Launcher.run(host, args);
    }

    private static void assertExit(int expected, Shell.Result result, String what) {
        assertEquals(expected, result.exitCode, what + ": " + Launcher.describe(result));
    }

    private static String addresses(NamespaceLab.Host host) {
        return host.run("ip", "-4", "-o", "addr", "show", "dev", NamespaceLab.INTERFACE);
    }

    /** The host has the VIP, and the router (which has sent nothing to it) reaches it at the host's MAC. */
    private static void assertHolds(NamespaceLab.Host host) {
        assertTrue(addresses(host).contains(" " + VIP + " "), host + ": " + addresses(host));
        NamespaceLab.Host client = LAB.lab().client();
        String entry = client.run("ip", "neigh", "show", NamespaceLab.VIP, "dev", NamespaceLab.INTERFACE).trim();
        assertTrue(entry.contains(host.mac().toString()), "the router's entry points at " + host + ": " + entry);
        assertEquals(0, Shell.run(client.command("ping", "-c", "1", "-W", "1", NamespaceLab.VIP)).exitCode, "the router reaches the VIP");
    }

    private List<String> log(String file) throws IOException {
        List<String> lines = Files.readAllLines(logs.resolve(file));
        for (String line : lines) {
            assertTrue(LOG_LINE.matcher(line).matches(), line);
        }
        return lines;
    }

    /**
     * Each log line's step without its time, process id and details, as the guide's excerpt shows it: the release
     * check's result, and each result line's exit with what 'down' did. Warnings and claims are left out.
     */
    private static List<String> stepsOf(List<String> lines) {
        List<String> steps = new ArrayList<>();
        for (String line : lines) {
            String step = line.substring(line.indexOf("] ") + 2);
            if (step.startsWith("warning: ") || step.startsWith("claimed by ")) {
                continue;
            }
            if (step.startsWith("release check: ")) {
                step = step.replaceFirst(" (\\(|after ).*", "");
            } else if (step.contains(" (exit ")) {
                String done = step.contains(" (removed)") ? " (removed)" : step.contains(" (was not configured)") ? " (was not configured)" : "";
                step = step.substring(0, step.indexOf(')', step.indexOf(" (exit ")) + 1) + done;
            }
            steps.add(step);
        }
        return steps;
    }
}
