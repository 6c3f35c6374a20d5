package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vipctl bench} runs and its output is well formed: the table, JSON, CSV and HTML report. It never checks how
 * fast anything was (machines here are shared); only that every figure is there and consistent.
 */
class BenchLabTest {
    /** Only for root and the launcher; the bench builds its own labs. */
    @RegisterExtension
    static final LabExtension LAB = new LabExtension();

    /** Generous: a bench that is slow here is not a failure, only one that hangs. */
    private static final long BENCH_TIMEOUT_SECONDS = 300;
    private static final List<String> LAB_WAYS = List.of("vipctl up, new process", "vipctl up, resident agent",
            "vipctl up --probe-wait-ms 0, resident agent", "ip addr add + arping -U -c 1", "ifconfig eth0:1 up (vendor script, no GARP)");

    @Test
    @SuppressWarnings("unchecked")
    void labJsonAndReportCarryEverySectionSideBySide(@TempDir Path dir) throws Exception {
        requireTheOldWaysTools();
        Path html = dir.resolve("bench.html");
        Shell.Result result = benchInLab(dir.resolve("pid"), "--compare-shell", "--cycles", "3", "--runs", "2",
                "--switchovers", "1", "--json", "--report", html.toString());
        assertEquals(0, result.exitCode, Launcher.describe(result));

        Map<String, Object> report = (Map<String, Object>) JsonReader.parse(result.stdout);
        Map<String, Object> environment = (Map<String, Object>) report.get("environment");
        assertTrue(String.valueOf(environment.get("command")).startsWith("vipctl bench --lab --compare-shell"), environment.toString());
        List<Map<String, Object>> sections = (List<Map<String, Object>>) report.get("sections");
        assertEquals(7, sections.size(), "engine phases, whole-process up, down, three vipctl breakdowns, blackout");
        assertEquals(List.of("release check", "add", "verify", "first GARP", "remove + verify"), names(sections.get(0)));
        assertEquals(LAB_WAYS, names(sections.get(1)));
        assertEquals(List.of("vipctl down, new process", "vipctl down, resident agent", "ip addr del", "ifconfig eth0:1 down (vendor script, no GARP)"),
                names(sections.get(2)));
        assertEquals(List.of("startToMain", "validate", "lock", "startup", "inspect", "releaseCheck", "add", "verify", "startToFirstGarp"),
                names(sections.get(3)), "the new process's own phases, up to the first frame");
        assertEquals(List.of("vipctl, new processes", "vipctl, resident agents", "vipctl --probe-wait-ms 0, resident agents",
                "ip addr add + arping -U -c 1"), names(sections.get(6)));
        int[] expectedN = {3, 2, 2, 2, 2, 2, 1};
        int seriesCount = 0;
        for (int s = 0; s < sections.size(); s++) {
            for (Map<String, Object> series : (List<Map<String, Object>>) sections.get(s).get("series")) {
                assertConsistent(series, expectedN[s]);
                seriesCount++;
            }
        }
        for (Map<String, Object> series : (List<Map<String, Object>>) sections.get(6).get("series")) {
            List<Long> lost = (List<Long>) series.get("lostReplies");
            assertEquals(1, lost.size(), "the replies lost in each switchover: " + series);
            assertTrue(lost.get(0) >= 0, series.toString());
        }
        assertTrue(String.valueOf(sections.get(6).get("timed")).contains("Not run: ifconfig eth0:1 up (vendor script, no GARP)"),
                "says why the vendor script's blackout is not run: " + sections.get(6));

        Document page = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(html.toFile());
        assertEquals(sections.size(), page.getElementsByTagName("svg").getLength(), "a chart per section");
        assertEquals(seriesCount, page.getElementsByTagName("rect").getLength(), "a box per series");
        assertFalse(page.getElementsByTagName("table").getLength() < 5, "the environment and a summary table per section");
        assertLabRemoved(dir.resolve("pid"));
    }

    @Test
    void labTablePrintsTheWaysSideBySideWithTheirRatio(@TempDir Path dir) throws Exception {
        requireTheOldWaysTools();
        Shell.Result result = benchInLab(dir.resolve("pid"), "--compare-shell", "--cycles", "1", "--runs", "1", "--switchovers", "0");
        assertEquals(0, result.exitCode, Launcher.describe(result));
        String table = result.stdout;
        assertTrue(table.contains("Whole process: command start -> first gratuitous ARP seen by the peer, µs"), table);
        for (String way : LAB_WAYS) {
            assertTrue(table.matches("(?s).*\\n  " + java.util.regex.Pattern.quote(way) + "\\s+1(\\s+\\d+){5}\\s+\\d+\\.\\d\\d\\n.*"),
                    "a row with n, five figures and the ratio for " + way + ":\n" + table);
        }
        assertFalse(table.contains("blackout"), "--switchovers 0 skips the blackout: " + table);
        assertTrue(table.contains("Old ways: Linux's; the other platforms' old ways are not implemented: AIX"), "says what it did not run: " + table);
        assertTrue(result.stderr.contains("vipctl bench: whole process: ip addr add + arping -U -c 1"), "progress on stderr: " + result.stderr);
        assertLabRemoved(dir.resolve("pid"));
    }

    @Test
    void onAGivenInterfaceCsvHasOneRowPerSeries() {
        requireTheOldWaysTools();
        Tools.require("tcpdump", "tcpdump");
        // Only ever inside a lab host: the bench on an interface works in the namespace it is started in.
        Shell.Result result = Launcher.run(LAB.lab().hostA(), "bench", "--interface", "eth0", "--vip", "198.51.100.100/24", "--compare-shell",
                "--cycles", "2", "--runs", "2", "--csv");
        assertEquals(0, result.exitCode, Launcher.describe(result));
        String[] rows = result.stdout.split("\n");
        assertEquals("section,series,n,min_us,median_us,p95_us,p99_us,max_us", rows[0]);
        String upSection = "Whole process: command start -> first gratuitous ARP leaving eth0,";
        List<String> ways = new java.util.ArrayList<>();
        for (String row : rows) {
            if (row.startsWith(upSection)) {
                ways.add(row.substring(upSection.length()).replaceAll(",\\d+(,\\d+){5}$", ""));
            }
        }
        assertEquals(List.of("\"vipctl up, new process\"", "ip addr add + arping -U -c 1", "\"ifconfig eth0:1 up (vendor script, no GARP)\""), ways,
                result.stdout);
        assertTrue(result.stdout.contains("\nIn-process engine phases on eth0,remove + verify,2,"), result.stdout);
        assertTrue(result.stdout.contains("\n\"Where the time of 'vipctl up, new process' goes\",startToFirstGarp,2,"), result.stdout);
        for (int i = 1; i < rows.length; i++) {
            String field = "(\"(?:[^\"]|\"\")*\"|[^,\"]+)";
            assertTrue(rows[i].matches(field + "," + field + ",\\d+(,\\d+){5}"), rows[i]);
            String[] cells = rows[i].split(",");
            int n = cells.length;
            assertTrue(Long.parseLong(cells[n - 5]) <= Long.parseLong(cells[n - 4]) && Long.parseLong(cells[n - 4]) <= Long.parseLong(cells[n - 1]), rows[i]);
        }
        assertFalse(LAB.lab().hostA().run("ip", "-4", "addr", "show", "dev", "eth0").contains("198.51.100.100/"), "the bench left no VIP");
    }

    @Test
    @SuppressWarnings("unchecked")
    void scaleReportsUpStatusAndDownAtEachCountWithTheBytesTheKernelSent(@TempDir Path dir) throws Exception {
        Path html = dir.resolve("scale.html");
        Shell.Result result = benchInLab(dir.resolve("pid"), "--scale", "0,3,20", "--cycles", "2", "--json", "--report", html.toString());
        assertEquals(0, result.exitCode, Launcher.describe(result));

        List<Map<String, Object>> sections = (List<Map<String, Object>>) ((Map<String, Object>) JsonReader.parse(result.stdout)).get("sections");
        List<String> titles = new java.util.ArrayList<>();
        for (Map<String, Object> section : sections) {
            titles.add((String) section.get("title"));
        }
        String others = " with N other addresses on eth0 and N on eth1";
        assertEquals(List.of("Scale: up --probe-wait-ms 0 --garp-count 1" + others, "Scale: status" + others, "Scale: down" + others), titles);
        long[] growthPerAddress = new long[sections.size()];
        for (int s = 0; s < sections.size(); s++) {
            assertEquals(List.of("N=0", "N=3", "N=20"), names(sections.get(s)));
            long[] bytes = new long[3];
            List<Map<String, Object>> series = (List<Map<String, Object>>) sections.get(s).get("series");
            for (int i = 0; i < series.size(); i++) {
                assertConsistent(series.get(i), 2);
                bytes[i] = (Long) ((Map<String, Object>) series.get(i).get("values")).get("kernel bytes");
            }
            assertTrue(bytes[0] > 0 && bytes[0] < bytes[1] && bytes[1] < bytes[2], titles.get(s) + ": " + java.util.Arrays.toString(bytes));
            assertEquals(0, (bytes[1] - bytes[0]) % 3, "the same bytes for each of eth0's 3 addresses: " + java.util.Arrays.toString(bytes));
            growthPerAddress[s] = (bytes[1] - bytes[0]) / 3;
            assertEquals(growthPerAddress[s] * 20, bytes[2] - bytes[0], "as many bytes more for each of 20: " + java.util.Arrays.toString(bytes));
        }
        assertEquals(2 * growthPerAddress[1], growthPerAddress[0], "up lists the addresses twice (inspect, verify), status once");
        assertEquals(2 * growthPerAddress[1], growthPerAddress[2], "down lists the addresses twice (inspect, verify), status once");

        Document page = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(html.toFile());
        assertEquals(3, page.getElementsByTagName("svg").getLength(), "a chart per operation");
        assertEquals(9, page.getElementsByTagName("rect").getLength(), "a box per count");
        assertLabRemoved(dir.resolve("pid"));
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(Map<String, Object> section) {
        List<String> names = new java.util.ArrayList<>();
        for (Map<String, Object> series : (List<Map<String, Object>>) section.get("series")) {
            names.add((String) series.get("name"));
        }
        return names;
    }

    @SuppressWarnings("unchecked")
    private static void assertConsistent(Map<String, Object> series, int n) {
        List<Long> samples = (List<Long>) series.get("samplesMicros");
        assertEquals((long) n, series.get("n"), series.toString());
        assertEquals(n, samples.size(), series.toString());
        long previous = Long.MIN_VALUE;
        for (String key : List.of("min", "median", "p95", "p99", "max")) {
            long value = (Long) series.get(key);
            assertTrue(value >= previous && value >= 0, key + " out of order in " + series);
            previous = value;
        }
        assertEquals(series.get("min"), samples.stream().min(Long::compare).orElseThrow(), series.toString());
        assertEquals(series.get("max"), samples.stream().max(Long::compare).orElseThrow(), series.toString());
    }

    /** --compare-shell runs the old ways: the shell's arping and the vendor script's ifconfig. */
    private static void requireTheOldWaysTools() {
        Tools.require("arping", "iputils-arping");
        Tools.require("ifconfig", "net-tools");
    }

    /**
     * Runs {@code vipctl bench --lab args...} and writes its process id to {@code pidFile}: the launcher execs the JVM,
     * so it is the id that names the bench's lab.
     */
    private static Shell.Result benchInLab(Path pidFile, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", pidFile.toString(),
                Launcher.PATH.toString(), "bench", "--lab"));
        command.addAll(List.of(args));
        return Shell.run(command, BENCH_TIMEOUT_SECONDS);
    }

    /** The bench's own lab is gone; other labs (this class's, a demo's, another run's) may be there. */
    private static void assertLabRemoved(Path pidFile) throws java.io.IOException {
        String benchLab = NamespaceLab.namePrefixOf(Long.parseLong(Files.readString(pidFile).trim()));
        for (String line : Shell.check("ip", "netns", "list").split("\n")) {
            assertFalse(line.startsWith(benchLab), "left behind: " + line);
        }
    }
}
