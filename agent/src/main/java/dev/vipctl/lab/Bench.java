package dev.vipctl.lab;

import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.Outcome;
import dev.vipctl.agent.TakeoverEngine;
import dev.vipctl.agent.TakeoverException;
import dev.vipctl.agent.Timings;
import dev.vipctl.agent.Vip;
import dev.vipctl.agent.WireChecks;
import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.linux.LinuxNetworkOs;
import dev.vipctl.linux.NetworkNamespace;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.OsException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code vipctl bench}: timings in a throwaway lab. In-process: the engine's up (inspect, add, verify) and down
 * (inspect, remove, verify) cycles on host A, warm-up excluded. Whole-process: the real launcher as a fresh process,
 * as a Management Layer runs it, from process start to the first gratuitous ARP. Measures; never judges.
 */
public final class Bench {
    private static final int WARM_UP_CYCLES = 200;
    private static final Pattern JSON_NUMBER = Pattern.compile("\"(startToMain|startToFirstGarp|total)\":(\\d+)");

    private Bench() {
    }

    public static int run(int cycles, int processRuns, PrintStream out, PrintStream err) {
        Path launcher;
        try {
            launcher = Demo.launcherForLab("bench");
        } catch (TakeoverException e) {
            err.println("vipctl bench: " + e.getMessage());
            return e.exitCode().code();
        }
        out.println("java " + System.getProperty("java.version") + " (" + System.getProperty("java.home") + "), "
                + Runtime.getRuntime().availableProcessors() + " cores");
        try (NamespaceLab lab = NamespaceLab.create()) {
            NamespaceLab.Host host = lab.hostA();
            Map<String, long[]> inProcess = NetworkNamespace.call(host.namespace(), () -> inProcessCycles(cycles));
            out.println(String.format(Locale.ROOT, "%nIn-process, %d cycles after %d warm-up, µs:", cycles, WARM_UP_CYCLES));
            printTable(out, inProcess);
            Map<String, long[]> wholeProcess = wholeProcessRuns(host, launcher.toString(), processRuns);
            out.println(String.format(Locale.ROOT, "%nWhole process (launcher -> JVM -> first gratuitous ARP), %d runs, µs:", processRuns));
            printTable(out, wholeProcess);
            return ExitCode.OK.code();
        } catch (Exception e) {
            err.println("vipctl bench: " + e.getMessage());
            return ExitCode.INTERNAL_ERROR.code();
        }
    }

    private static Map<String, long[]> inProcessCycles(int cycles) throws TakeoverException {
        Vip vip = Vip.parse(NamespaceLab.VIP_WITH_PREFIX, true);
        InterfaceAddress desired = new InterfaceAddress(vip.address(), vip.prefixLength(), NamespaceLab.INTERFACE + ":1");
        // No frames: this measures the address work alone; the whole-process runs include the first frame.
        WireChecks noProbing = new WireChecks(WireChecks.OnConflict.TAKEOVER, 0, 0, null, 0);
        TakeoverEngine.WirePlan silent = new TakeoverEngine.WirePlan(vip.address(), AnnouncementProfile.SILENT, noProbing, name -> {
            throw new IllegalStateException("no frames in the in-process cycles");
        });
        Map<String, long[]> samples = new LinkedHashMap<>();
        String[] phases = {"up: add", "up: verify", "up: add+verify", "up: whole operation",
            "down: remove", "down: verify", "down: remove+verify", "down: whole operation"};
        for (String phase : phases) {
            samples.put(phase, new long[cycles]);
        }
        try (TakeoverEngine engine = TakeoverEngine.start(LinuxNetworkOs.open(), NamespaceLab.INTERFACE, silent)) {
            for (int i = -WARM_UP_CYCLES; i < cycles; i++) {
                Timings up = new Timings(System.nanoTime(), -1);
                engine.up(desired, new Outcome(), up);
                Timings down = new Timings(System.nanoTime(), -1);
                engine.down(vip, false, new Outcome(), down);
                if (i >= 0) {
                    Map<String, Long> u = up.finish();
                    Map<String, Long> d = down.finish();
                    samples.get("up: add")[i] = u.get("add");
                    samples.get("up: verify")[i] = u.get("verify");
                    samples.get("up: add+verify")[i] = u.get("add") + u.get("verify");
                    samples.get("up: whole operation")[i] = u.get("total");
                    samples.get("down: remove")[i] = d.get("remove");
                    samples.get("down: verify")[i] = d.get("verify");
                    samples.get("down: remove+verify")[i] = d.get("remove") + d.get("verify");
                    samples.get("down: whole operation")[i] = d.get("total");
                }
            }
        } catch (OsException e) {
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, e.getMessage(), e);
        }
        return samples;
    }

    private static Map<String, long[]> wholeProcessRuns(NamespaceLab.Host host, String launcher, int runs) {
        String vip = NamespaceLab.VIP_WITH_PREFIX;
        Map<String, long[]> samples = new LinkedHashMap<>();
        samples.put("start -> main", new long[runs]);
        samples.put("start -> first GARP", new long[runs]);
        samples.put("up total (1 frame)", new long[runs]);
        for (int i = 0; i < runs; i++) {
            Shell.Result up = Shell.run(host.command(launcher, "up", "--interface", NamespaceLab.INTERFACE, "--vip", vip,
                    "--garp-count", "1", "--json"));
            Shell.Result down = Shell.run(host.command(launcher, "down", "--interface", NamespaceLab.INTERFACE, "--vip", vip));
            if (up.exitCode != 0 || down.exitCode != 0) {
                throw new IllegalStateException("vipctl failed during the runs: " + up.stderr + down.stderr);
            }
            Matcher numbers = JSON_NUMBER.matcher(up.stdout);
            while (numbers.find()) {
                String key = numbers.group(1).equals("startToMain") ? "start -> main"
                        : numbers.group(1).equals("startToFirstGarp") ? "start -> first GARP" : "up total (1 frame)";
                samples.get(key)[i] = Long.parseLong(numbers.group(2));
            }
        }
        return samples;
    }

    private static void printTable(PrintStream out, Map<String, long[]> samples) {
        out.println(String.format(Locale.ROOT, "  %-30s %9s %9s %9s %9s %9s", "phase", "min", "median", "p95", "p99", "max"));
        for (Map.Entry<String, long[]> entry : samples.entrySet()) {
            long[] sorted = entry.getValue().clone();
            Arrays.sort(sorted);
            out.println(String.format(Locale.ROOT, "  %-30s %9d %9d %9d %9d %9d", entry.getKey(), sorted[0], percentile(sorted, 50),
                    percentile(sorted, 95), percentile(sorted, 99), sorted[sorted.length - 1]));
        }
    }

    /** Nearest-rank percentile of sorted samples. */
    static long percentile(long[] sorted, int percent) {
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
