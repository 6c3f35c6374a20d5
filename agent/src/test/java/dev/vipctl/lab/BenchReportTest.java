package dev.vipctl.lab;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.xml.sax.InputSource;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.StringReader;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchReportTest {
    private static BenchReport report() {
        BenchReport report = new BenchReport(Map.of("command", "vipctl bench --lab <&>"));
        report.add(new BenchReport.Section("Whole process", "start -> first frame", true)
                .add("vipctl, agent", new long[] {4000, 2000, 3000, 1000})
                .add("ip addr add, \"arping\"", new long[] {8000, 8000}));
        report.add(new BenchReport.Section("Phases", "engine", false).add("add", new long[] {150}));
        return report;
    }

    @Test
    void percentilesAreNearestRank() {
        long[] sorted = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
        assertEquals(50, BenchReport.percentile(sorted, 50));
        assertEquals(100, BenchReport.percentile(sorted, 95));
        assertEquals(10, BenchReport.percentile(sorted, 1));
        assertEquals(7, BenchReport.percentile(new long[] {7}, 99));
    }

    @Test
    void theTableShowsEachSeriesAndTheRatioOnlyWhereWaysAreComparedSideBySide() {
        String table = report().table();
        assertTrue(table.matches("(?s).*vipctl, agent\\s+4\\s+1000\\s+2000\\s+4000\\s+4000\\s+4000\\s+1\\.00\\n.*"), table);
        assertTrue(table.matches("(?s).*ip addr add, \"arping\"\\s+2\\s+8000\\s+8000\\s+8000\\s+8000\\s+8000\\s+4\\.00\\n.*"), table);
        assertTrue(table.matches("(?s).*\\n  add\\s+1\\s+150\\s+150\\s+150\\s+150\\s+150\\s*\\n.*"), "no ratio among phases: " + table);
    }

    @Test
    void csvHasOneQuotedRowPerSeries() {
        String[] rows = report().csv().split("\n");
        assertEquals("section,series,n,min_us,median_us,p95_us,p99_us,max_us", rows[0]);
        assertEquals("Whole process,vipctl, agent,4,1000,2000,4000,4000,4000".replace("vipctl, agent", "\"vipctl, agent\""), rows[1]);
        assertEquals("Whole process,\"ip addr add, \"\"arping\"\"\",2,8000,8000,8000,8000,8000", rows[2]);
        assertEquals(4, rows.length);
    }

    @Test
    void jsonCarriesSummariesAndEverySampleInOrder() {
        String json = report().json();
        assertTrue(json.startsWith("{\"environment\":{\"command\":\"vipctl bench --lab <&>\"},\"sections\":[{\"title\":\"Whole process\""), json);
        assertTrue(json.contains("\"name\":\"vipctl, agent\",\"n\":4,\"min\":1000,\"median\":2000,\"p95\":4000,\"p99\":4000,\"max\":4000,"
                + "\"samplesMicros\":[4000,2000,3000,1000]"), json);
        assertTrue(json.contains("\"name\":\"ip addr add, \\\"arping\\\"\""), json);
    }

    @Test
    void htmlIsWellFormedWithOneChartPerSectionAndOneBoxPerSeries() throws Exception {
        String html = report().html();
        Document page = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(html)));
        assertEquals(2, page.getElementsByTagName("svg").getLength());
        assertEquals(3, page.getElementsByTagName("rect").getLength());
        assertEquals(4 + 2 + 1, page.getElementsByTagName("circle").getLength(), "a dot per sample");
        assertTrue(html.contains("vipctl bench --lab &lt;&amp;&gt;"), "escaped");
        assertTrue(html.contains(">2.0 ms<"), "the median is labelled: " + html);
    }

    @Test
    void lostRepliesAreTotalledInTheTableAndListedPerSampleInJsonAndHtml() throws Exception {
        BenchReport report = new BenchReport(Map.of());
        report.add(new BenchReport.Section("Blackout", "longest gap", true)
                .add("vipctl", new long[] {20_000, 30_000}, new int[] {18, 29})
                .add("arping", new long[] {10_000}, new int[] {9}));
        String table = report.table();
        assertTrue(table.contains("replies lost"), table);
        assertTrue(table.matches("(?s).*\\n  vipctl\\s+2(\\s+\\d+){5}\\s+1\\.00\\s+47\\n.*"), table);
        assertTrue(report.json().contains("\"samplesMicros\":[20000,30000],\"lostReplies\":[18,29]"), report.json());
        Document page = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(report.html())));
        assertEquals(3, page.getElementsByTagName("tr").getLength(), "header and two series");
        assertTrue(report.html().contains("<th>replies lost</th>") && report.html().contains("<td>9</td></tr>"), report.html());
        assertTrue(!report().table().contains("replies lost"), "only where counted");
    }

    @Test
    void lostRepliesNeedOneCountPerSample() {
        assertThrows(IllegalArgumentException.class, () -> new BenchReport.Section("s", "t", true).add("short", new long[] {1, 2}, new int[] {0}));
    }

    @Test
    void aSeriesWithoutSamplesIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BenchReport.Section("s", "t", true).add("empty", new long[0]));
    }
}
