package dev.vipctl.lab;

import dev.vipctl.agent.cli.Json;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code vipctl bench} measured, and the four ways it shows it: a terminal table, JSON (summaries and every
 * sample), CSV (one summary row per series) and a self-contained HTML page with an SVG chart per section. Pure: it
 * only formats.
 */
public final class BenchReport {
    /** One measured quantity, e.g. "start -> first gratuitous ARP on the wire", with its series side by side. */
    public static final class Section {
        final String title;
        final String timed;
        final boolean sideBySide;
        final List<Series> series = new ArrayList<>();

        /**
         * @param timed      what exactly each sample spans, in words, printed under the title
         * @param sideBySide the series are ways of doing the same thing: show each median as a multiple of the first's
         */
        public Section(String title, String timed, boolean sideBySide) {
            this.title = title;
            this.timed = timed;
            this.sideBySide = sideBySide;
        }

        public Section add(String name, long[] samplesMicros) {
            series.add(new Series(name, samplesMicros, null, Map.of()));
            return this;
        }

        /** A series whose samples each lost some of the client's replies: {@code lostReplies[i]} in sample i. */
        public Section add(String name, long[] samplesMicros, int[] lostReplies) {
            series.add(new Series(name, samplesMicros, lostReplies.clone(),
                    Map.of(LOST_REPLIES, Arrays.stream(lostReplies).asLongStream().sum())));
            return this;
        }

        /** A series with more to say about it than its samples: each named value is a column of its own. */
        public Section add(String name, long[] samplesMicros, Map<String, Object> values) {
            series.add(new Series(name, samplesMicros, null, values));
            return this;
        }

        /** The names of the series' values, in the order they first appear: the extra columns. */
        private List<String> columns() {
            List<String> columns = new ArrayList<>();
            for (Series each : series) {
                for (String column : each.values.keySet()) {
                    if (!columns.contains(column)) {
                        columns.add(column);
                    }
                }
            }
            return columns;
        }
    }

    private static final String LOST_REPLIES = "replies lost";

    /** The samples of one way of doing it, in µs, with their nearest-rank summary. */
    static final class Series {
        final String name;
        final long[] samples;
        final long[] sorted;
        /** Per sample, the client's replies lost in it; null where nothing was lost to count. */
        final int[] lostReplies;

        /** Named values shown beside the summary, e.g. "replies lost" or "RSS KiB". */
        final Map<String, Object> values;

        Series(String name, long[] samples, int[] lostReplies, Map<String, Object> values) {
            if (samples.length == 0) {
                throw new IllegalArgumentException("no samples for " + name);
            }
            if (lostReplies != null && lostReplies.length != samples.length) {
                throw new IllegalArgumentException(name + ": " + lostReplies.length + " lost-reply counts for " + samples.length + " samples");
            }
            this.name = name;
            this.samples = samples.clone();
            this.sorted = samples.clone();
            Arrays.sort(sorted);
            this.lostReplies = lostReplies;
            this.values = new LinkedHashMap<>(values);
        }

        /** The series' value in a column, or "" where it has none. */
        String value(String column) {
            Object value = values.get(column);
            return value == null ? "" : String.valueOf(value);
        }

        long min() {
            return sorted[0];
        }

        long max() {
            return sorted[sorted.length - 1];
        }

        long percentile(int percent) {
            return BenchReport.percentile(sorted, percent);
        }
    }

    private final Map<String, Object> environment;
    private final List<Section> sections = new ArrayList<>();

    /** @param environment what the figures depend on: Java, cores, kernel, date, the command line */
    public BenchReport(Map<String, Object> environment) {
        this.environment = new LinkedHashMap<>(environment);
    }

    public void add(Section section) {
        sections.add(section);
    }

    /** Nearest-rank percentile of sorted samples. */
    static long percentile(long[] sorted, int percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** Each section's summary; where the series are ways of doing one thing, each median as a multiple of the first's. */
    public String table() {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, Object> entry : environment.entrySet()) {
            text.append(entry.getKey()).append(": ").append(entry.getValue()).append('\n');
        }
        for (Section section : sections) {
            text.append('\n').append(section.title).append(", µs\n  (").append(section.timed).append(")\n");
            List<String> columns = section.columns();
            StringBuilder head = new StringBuilder();
            for (String column : columns) {
                head.append(String.format(Locale.ROOT, "  %13s", column));
            }
            text.append(String.format(Locale.ROOT, "  %-46s %5s %9s %9s %9s %9s %9s %9s%s%n", "", "n", "min", "median", "p95", "p99", "max",
                    section.sideBySide ? "x first" : "", head));
            for (Series series : section.series) {
                StringBuilder values = new StringBuilder();
                for (String column : columns) {
                    values.append(String.format(Locale.ROOT, "  %13s", series.value(column)));
                }
                text.append(String.format(Locale.ROOT, "  %-46s %5d %9d %9d %9d %9d %9d %9s%s%n", series.name, series.samples.length, series.min(),
                        series.percentile(50), series.percentile(95), series.percentile(99), series.max(), ratio(section, series), values));
            }
        }
        return text.toString();
    }

    private static String ratio(Section section, Series series) {
        long baseline = section.series.get(0).percentile(50);
        return !section.sideBySide || baseline <= 0 ? "" : String.format(Locale.ROOT, "%.2f", (double) series.percentile(50) / baseline);
    }

    public String json() {
        List<Object> sectionList = new ArrayList<>();
        for (Section section : sections) {
            List<Object> seriesList = new ArrayList<>();
            for (Series series : section.series) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("name", series.name);
                entry.put("n", series.samples.length);
                entry.put("min", series.min());
                entry.put("median", series.percentile(50));
                entry.put("p95", series.percentile(95));
                entry.put("p99", series.percentile(99));
                entry.put("max", series.max());
                List<Long> samples = new ArrayList<>();
                for (long sample : series.samples) {
                    samples.add(sample);
                }
                entry.put("samplesMicros", samples);
                if (series.lostReplies != null) {
                    List<Integer> lost = new ArrayList<>();
                    for (int count : series.lostReplies) {
                        lost.add(count);
                    }
                    entry.put("lostReplies", lost);
                } else if (!series.values.isEmpty()) {
                    entry.put("values", series.values);
                }
                seriesList.add(entry);
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("title", section.title);
            entry.put("timed", section.timed);
            entry.put("unit", "µs");
            entry.put("series", seriesList);
            sectionList.add(entry);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("environment", environment);
        report.put("sections", sectionList);
        return Json.write(report);
    }

    /** One row per series: section,series,n,min,median,p95,p99,max (µs); fields quoted as RFC 4180 asks. */
    public String csv() {
        StringBuilder text = new StringBuilder("section,series,n,min_us,median_us,p95_us,p99_us,max_us\n");
        for (Section section : sections) {
            for (Series series : section.series) {
                text.append(csvField(section.title)).append(',').append(csvField(series.name)).append(',').append(series.samples.length)
                        .append(',').append(series.min()).append(',').append(series.percentile(50)).append(',').append(series.percentile(95))
                        .append(',').append(series.percentile(99)).append(',').append(series.max()).append('\n');
            }
        }
        return text.toString();
    }

    static String csvField(String text) {
        return text.contains(",") || text.contains("\"") || text.contains("\n") ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
    }

    /** A page a person can read at a glance: per section a box plot on a log axis, then the numbers. Well-formed XHTML. */
    public String html() {
        StringBuilder page = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n"
                + "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"UTF-8\"/><title>vipctl bench</title>\n"
                + "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
                + "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
                + ".timed{color:#555}</style></head><body>\n<h1>vipctl bench</h1>\n<table>\n");
        for (Map.Entry<String, Object> entry : environment.entrySet()) {
            page.append("<tr><th>").append(xml(entry.getKey())).append("</th><td>").append(xml(String.valueOf(entry.getValue()))).append("</td></tr>\n");
        }
        page.append("</table>\n<p>Boxes span p25-p75, the thick line is the median, whiskers reach min and max, the tick is p99;"
                + " the dots below are the samples. The axis is logarithmic.</p>\n");
        for (Section section : sections) {
            page.append("<h2>").append(xml(section.title)).append(", µs</h2>\n<p class=\"timed\">").append(xml(section.timed)).append("</p>\n");
            page.append(svg(section));
            List<String> columns = section.columns();
            page.append("<table><tr><th>series</th><th>n</th><th>min</th><th>median</th><th>p95</th><th>p99</th><th>max</th><th>x first</th>");
            for (String column : columns) {
                page.append("<th>").append(xml(column)).append("</th>");
            }
            page.append("</tr>\n");
            for (Series series : section.series) {
                page.append("<tr><td>").append(xml(series.name)).append("</td><td>").append(series.samples.length).append("</td><td>")
                        .append(series.min()).append("</td><td>").append(series.percentile(50)).append("</td><td>").append(series.percentile(95))
                        .append("</td><td>").append(series.percentile(99)).append("</td><td>").append(series.max()).append("</td><td>")
                        .append(ratio(section, series)).append("</td>");
                for (String column : columns) {
                    page.append("<td>").append(xml(series.value(column))).append("</td>");
                }
                page.append("</tr>\n");
            }
            page.append("</table>\n");
        }
        return page.append("</body></html>\n").toString();
    }

    private static final int LABEL_WIDTH = 330;
    private static final int PLOT_WIDTH = 560;
    private static final int ROW_HEIGHT = 34;
    private static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

    private static String svg(Section section) {
        long low = Long.MAX_VALUE;
        long high = 1;
        for (Series series : section.series) {
            low = Math.min(low, Math.max(1, series.min()));
            high = Math.max(high, series.max());
        }
        double logLow = Math.floor(Math.log10(low));
        double logHigh = Math.max(logLow + 1, Math.ceil(Math.log10(high)));
        int height = section.series.size() * ROW_HEIGHT + 70;
        int axis = height - 41;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n",
                LABEL_WIDTH + PLOT_WIDTH + 20, height));
        for (int decade = (int) logLow; decade <= (int) logHigh; decade++) {
            double x = LABEL_WIDTH + (decade - logLow) / (logHigh - logLow) * PLOT_WIDTH;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ccc\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, x, axis, x, axis + 15, decadeLabel(decade)));
            for (int step : decade < logHigh ? new int[] {2, 5} : new int[0]) { // lighter lines to read values between decades
                double minor = x((long) Math.pow(10, decade) * step, logLow, logHigh);
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>\n", minor, minor, axis));
            }
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">time, logarithmic"
                + " (lines at 1, 2 and 5 of each decade)</text>\n", LABEL_WIDTH + PLOT_WIDTH / 2, height - 6));
        for (int i = 0; i < section.series.size(); i++) {
            Series series = section.series.get(i);
            String colour = COLOURS[i % COLOURS.length];
            double y = i * ROW_HEIGHT + 31; // room above the first box for its median's label
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", LABEL_WIDTH - 8, y + 4, xml(series.name)));
            double min = x(series.min(), logLow, logHigh);
            double max = x(series.max(), logLow, logHigh);
            double p25 = x(series.percentile(25), logLow, logHigh);
            double p75 = x(series.percentile(75), logLow, logHigh);
            double median = x(series.percentile(50), logLow, logHigh);
            double p99 = x(series.percentile(99), logLow, logHigh);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", min, y, max, y, colour));
            svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"20\" fill=\"%s\" fill-opacity=\"0.35\" stroke=\"%s\"/>",
                    p25, y - 10, Math.max(1, p75 - p25), colour, colour));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/>",
                    median, y - 10, median, y + 10, colour));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", p99, y - 6, p99, y + 6, colour));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s</text>\n", median + 4, y - 12, colour,
                    xml(humanMicros(series.percentile(50)))));
            for (long sample : series.samples) {
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.5\" fill=\"%s\" fill-opacity=\"0.5\"/>",
                        x(sample, logLow, logHigh), y + 14, colour));
            }
            svg.append('\n');
        }
        return svg.append("</svg>\n").toString();
    }

    private static double x(long micros, double logLow, double logHigh) {
        return LABEL_WIDTH + (Math.log10(Math.max(1, micros)) - logLow) / (logHigh - logLow) * PLOT_WIDTH;
    }

    private static String decadeLabel(int decade) {
        return decade >= 6 ? Math.round(Math.pow(10, decade - 6)) + " s" : decade >= 3 ? Math.round(Math.pow(10, decade - 3)) + " ms"
                : Math.round(Math.pow(10, decade)) + " µs";
    }

    static String humanMicros(long micros) {
        return micros >= 1_000_000 ? String.format(Locale.ROOT, "%.2f s", micros / 1e6)
                : micros >= 1000 ? String.format(Locale.ROOT, "%.1f ms", micros / 1e3) : micros + " µs";
    }

    static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
