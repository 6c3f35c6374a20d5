package dev.vipctl.lab;

import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.Outcome;
import dev.vipctl.agent.Platforms;
import dev.vipctl.agent.TakeoverEngine;
import dev.vipctl.agent.TakeoverException;
import dev.vipctl.agent.Timings;
import dev.vipctl.agent.Vip;
import dev.vipctl.agent.WireChecks;
import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.GarpMode;
import dev.vipctl.linux.LinuxNetworkOs;
import dev.vipctl.linux.NetworkNamespace;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.OsException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code vipctl bench}: timings, in a throwaway lab ({@code --lab}) or on a given interface. Measures; never judges.
 * <ul>
 * <li>In-process: the engine's phases, warm-up excluded: release check, add, verify, first announcement, remove.</li>
 * <li>Whole process: a fresh launcher per run, as a Management Layer starts it; in the lab also through a resident
 * agent, and with {@code --compare-shell} the old ways. In the lab every way is timed the same: from the command's
 * start to its first announcement reaching the peer host.</li>
 * <li>Blackout (lab): a client pings the VIP every millisecond while it moves between the two hosts; the longest gap
 * in its replies per switchover, vipctl's ways and the shell's side by side.</li>
 * </ul>
 */
public final class Bench {
    /** What to run; filled from the command line. */
    public static final class Plan {
        public boolean lab;
        public String interfaceName;
        public Vip vip;
        public boolean compareShell;
        public int cycles;
        public int runs;
        public int switchovers;
        public boolean json;
        public boolean csv;
        public Path report;
        public String commandLine;
    }

    private static final int WARM_UP_CYCLES = 50;
    private static final Pattern TIMING = Pattern.compile("\"(startToFirstGarp|total)\":(\\d+)");
    private static final Pattern TIMINGS = Pattern.compile("\"timingsMicros\":\\{([^}]*)}");
    private static final Pattern PHASE = Pattern.compile("\"(\\w+)\":(\\d+)");
    /** The client's ping interval: the gap resolution the issue asks for. */
    private static final int PING_INTERVAL_MS = 1;
    /** Linux ignores a neighbour update within locktime (1 s) of the last; switchovers are spaced wider. */
    private static final long SETTLE_MILLIS = 1500;
    private static final String SHELL_ARPING = "ip addr add + arping -U -c 1";
    private static final String SHELL_IFCONFIG = "ifconfig eth0:1 up (vendor script, no GARP)";

    private final Plan plan;
    private final String launcher;
    private final PrintStream err;
    private final boolean console;
    private String lastStage = "";

    private Bench(Plan plan, String launcher, PrintStream err) {
        this.plan = plan;
        this.launcher = launcher;
        this.err = err;
        this.console = System.console() != null;
    }

    public static int run(Plan plan, PrintStream out, PrintStream err) {
        Path launcher;
        try {
            launcher = Demo.launcherForLab("bench");
        } catch (TakeoverException e) {
            err.println("vipctl bench: " + e.getMessage());
            return e.exitCode().code();
        }
        if (plan.lab && plan.compareShell && !Demo.onPath("arping")) {
            err.println("vipctl bench: --compare-shell needs 'arping' (Debian/Ubuntu: apt-get install iputils-arping)");
            return ExitCode.BAD_INPUT.code();
        }
        Bench bench = new Bench(plan, launcher.toString(), err);
        BenchReport report = new BenchReport(bench.environment());
        try {
            if (plan.lab) {
                bench.inLab(report);
            } else {
                bench.onInterface(report);
            }
        } catch (Exception e) {
            err.println("vipctl bench: " + e.getMessage());
            return ExitCode.INTERNAL_ERROR.code();
        }
        if (plan.report != null) {
            try {
                Files.writeString(plan.report, report.html(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("vipctl bench: cannot write --report " + plan.report + ": " + e.getMessage());
                return ExitCode.INTERNAL_ERROR.code();
            }
        }
        out.print(plan.json ? report.json() + "\n" : plan.csv ? report.csv() : report.table());
        return ExitCode.OK.code();
    }

    private Map<String, Object> environment() {
        Map<String, Object> environment = new LinkedHashMap<>();
        environment.put("command", plan.commandLine);
        environment.put("date", Instant.now().toString());
        environment.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.home") + ")");
        environment.put("cores", Runtime.getRuntime().availableProcessors());
        environment.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        environment.put("where", plan.lab ? "throwaway namespace lab (two hosts and a client on a bridge)" : "interface " + plan.interfaceName);
        return environment;
    }

    // --- in the lab ---

    private void inLab(BenchReport report) throws Exception {
        progress("building the lab");
        try (NamespaceLab lab = NamespaceLab.create()) {
            NamespaceLab.Host a = lab.hostA();
            Vip vip = Vip.parse(NamespaceLab.VIP_WITH_PREFIX, true);
            report.add(NetworkNamespace.call(a.namespace(), () -> inProcess(NamespaceLab.INTERFACE, vip)));
            Path agentDirectory = Files.createTempDirectory("vipctl-bench-agents");
            try {
                try (WireWatch watch = WireWatch.start(lab.hostB(), vip.address())) {
                    wholeProcess(report, lab, watch, agentDirectory);
                }
                if (plan.switchovers > 0) {
                    report.add(blackout(lab, agentDirectory));
                }
            } finally {
                deleteTree(agentDirectory);
            }
        }
        progress(null);
    }

    private void wholeProcess(BenchReport report, NamespaceLab lab, WireWatch watch, Path agentDirectory) throws Exception {
        NamespaceLab.Host a = lab.hostA();
        String vip = NamespaceLab.VIP_WITH_PREFIX;
        String eth = NamespaceLab.INTERFACE;
        Map<String, Way> ways = new LinkedHashMap<>();
        ways.put("vipctl up, new process", vipctl(a, null, "--garp-count", "1", "--json"));
        ways.put("vipctl up, resident agent", vipctl(a, agentDirectory, "--garp-count", "1", "--json"));
        ways.put("vipctl up --probe-wait-ms 0, resident agent", vipctl(a, agentDirectory, "--garp-count", "1", "--probe-wait-ms", "0", "--json"));
        if (plan.compareShell) {
            ways.put(SHELL_ARPING, new Way(a.command("sh", "-c", "ip addr add " + vip + " dev " + eth + " label " + eth + ":1 && arping -q -U -c 1 -I "
                    + eth + " " + NamespaceLab.VIP), a.command("ip", "addr", "del", vip, "dev", eth), true));
            if (Demo.onPath("ifconfig")) {
                ways.put(SHELL_IFCONFIG, new Way(a.command("ifconfig", eth + ":1", NamespaceLab.VIP, "netmask", "255.255.255.0", "up"),
                        a.command("ifconfig", eth + ":1", "down"), false));
            }
        }
        BenchReport.Section up = new BenchReport.Section("Whole process: command start -> first gratuitous ARP seen by the peer",
                "wall clock from starting the command in host-a to its first announcement arriving at host-b; for the vendor"
                        + " ifconfig script, which sends none, to its exit; " + plan.runs + " runs each", true);
        BenchReport.Section down = new BenchReport.Section("Whole process: the matching down/del, start -> exit",
                "wall clock of the command that removes the VIP again; " + plan.runs + " runs each", true);
        java.util.Set<String> downNames = new java.util.HashSet<>();
        List<BenchReport.Section> phaseSections = new ArrayList<>();
        try (Agents agents = Agents.start(List.of(a), launcher, agentDirectory)) {
            for (Map.Entry<String, Way> entry : ways.entrySet()) {
                Way way = entry.getValue();
                long[] upSamples = new long[plan.runs];
                long[] downSamples = new long[plan.runs];
                Map<String, long[]> phases = new LinkedHashMap<>();
                for (int i = 0; i < plan.runs; i++) {
                    progress("whole process: " + entry.getKey() + " " + (i + 1) + "/" + plan.runs);
                    long start = WireWatch.nowMicros();
                    Shell.Result result = check(Shell.run(way.up), entry.getKey());
                    addPhases(phases, result.stdout, i);
                    long end = WireWatch.nowMicros();
                    long seen = way.announces ? watch.firstAnnouncement(a.mac(), start, 3000) : end;
                    if (seen < 0) {
                        throw new IllegalStateException(entry.getKey() + ": no announcement reached host-b within 3 s");
                    }
                    upSamples[i] = seen - start;
                    long downStart = WireWatch.nowMicros();
                    check(Shell.run(way.down), entry.getKey() + " (removing)");
                    downSamples[i] = WireWatch.nowMicros() - downStart;
                }
                up.add(entry.getKey(), upSamples);
                if (!phases.isEmpty()) {
                    BenchReport.Section section = new BenchReport.Section("Where the time of '" + entry.getKey() + "' goes",
                            "vipctl's own --json timingsMicros of the same runs: startToMain is the launcher's start to main (through the"
                                    + " agent: to the agent picking the request up), the phases follow one another, startToFirstGarp"
                                    + " is the launcher's start to the first frame handed to the kernel", false);
                    for (Map.Entry<String, long[]> phase : phases.entrySet()) {
                        section.add(phase.getKey(), phase.getValue());
                    }
                    phaseSections.add(section);
                }
                if (downNames.add(downName(entry.getKey()))) { // the same 'down' after two kinds of 'up' is shown once
                    down.add(downName(entry.getKey()), downSamples);
                }
            }
        }
        report.add(up);
        report.add(down);
        for (BenchReport.Section section : phaseSections) {
            report.add(section);
        }
    }

    /** The phases of one run's --json timingsMicros up to the first frame, as sample {@code run} of each. */
    private void addPhases(Map<String, long[]> phases, String json, int run) {
        Matcher timings = TIMINGS.matcher(json);
        if (!timings.find()) {
            return;
        }
        Matcher phase = PHASE.matcher(timings.group(1));
        while (phase.find() && !phase.group(1).equals("announce")) {
            phases.computeIfAbsent(phase.group(1), name -> new long[plan.runs])[run] = Long.parseLong(phase.group(2));
        }
    }

    /** The lab's switchovers, host-a to host-b and back, each way in turn; the client's longest gap per switchover. */
    private BenchReport.Section blackout(NamespaceLab lab, Path agentDirectory) throws Exception {
        NamespaceLab.Host a = lab.hostA();
        NamespaceLab.Host b = lab.hostB();
        String vip = NamespaceLab.VIP_WITH_PREFIX;
        String eth = NamespaceLab.INTERFACE;
        Map<String, Switch> ways = new LinkedHashMap<>();
        ways.put("vipctl, new processes", host -> new Way(vipctlUp(host, null), vipctlDown(host, null), true));
        ways.put("vipctl, resident agents", host -> new Way(vipctlUp(host, agentDirectory), vipctlDown(host, agentDirectory), true));
        ways.put("vipctl --probe-wait-ms 0, resident agents", host -> new Way(vipctlUp(host, agentDirectory, "--probe-wait-ms", "0"),
                vipctlDown(host, agentDirectory), true));
        ways.put(SHELL_ARPING, host -> new Way(host.command("sh", "-c", "ip addr add " + vip + " dev " + eth + " label " + eth
                + ":1 && arping -q -U -c 1 -I " + eth + " " + NamespaceLab.VIP), host.command("ip", "addr", "del", vip, "dev", eth), true));
        BenchReport.Section section = new BenchReport.Section("Client-observed blackout of a switchover",
                "the longest gap between a client's ping replies (one ping per " + PING_INTERVAL_MS + " ms) while 'down' on the old primary"
                        + " and then 'up' on the new one run; " + plan.switchovers + " switchovers each, alternating host-a -> host-b -> host-a."
                        + " Not run: the vendor ifconfig script, which sends no gratuitous ARP (over 38 s each in our lab)", true);
        try (Agents agents = Agents.start(List.of(a, b), launcher, agentDirectory);
             ClientPing ping = ClientPing.start(lab.client(), NamespaceLab.VIP, PING_INTERVAL_MS)) {
            for (Map.Entry<String, Switch> entry : ways.entrySet()) {
                a.run("ip", "addr", "flush", "dev", eth, "label", eth + ":1");
                b.run("ip", "addr", "flush", "dev", eth, "label", eth + ":1");
                check(Shell.run(entry.getValue().on(a).up), entry.getKey());
                if (!ping.awaitReplyAfter(WireWatch.nowMicros(), 5000)) {
                    throw new IllegalStateException(entry.getKey() + ": the client gets no reply from the VIP on host-a");
                }
                Thread.sleep(SETTLE_MILLIS);
                long[] gaps = new long[plan.switchovers];
                NamespaceLab.Host from = a;
                NamespaceLab.Host to = b;
                for (int i = 0; i < plan.switchovers; i++) {
                    progress("blackout: " + entry.getKey() + " " + (i + 1) + "/" + plan.switchovers);
                    long start = WireWatch.nowMicros();
                    check(Shell.run(entry.getValue().on(from).down), entry.getKey() + " down on " + from.role());
                    check(Shell.run(entry.getValue().on(to).up), entry.getKey() + " up on " + to.role());
                    if (!ping.awaitReplyAfter(WireWatch.nowMicros(), 5000)) {
                        throw new IllegalStateException(entry.getKey() + ": the client gets no reply after the switch to " + to.role());
                    }
                    gaps[i] = ping.longestGap(start, WireWatch.nowMicros()).micros;
                    Thread.sleep(SETTLE_MILLIS);
                    NamespaceLab.Host swap = from;
                    from = to;
                    to = swap;
                }
                section.add(entry.getKey(), gaps);
            }
        }
        return section;
    }

    private interface Switch {
        Way on(NamespaceLab.Host host);
    }

    /** One way to bring the VIP up and take it down again, as commands in a host. */
    private static final class Way {
        final List<String> up;
        final List<String> down;
        final boolean announces;

        /** @param announces whether {@code up} sends a gratuitous ARP (the vendor's ifconfig script does not) */
        Way(List<String> up, List<String> down, boolean announces) {
            this.up = up;
            this.down = down;
            this.announces = announces;
        }
    }

    private static String downName(String upName) {
        return upName.equals(SHELL_ARPING) ? "ip addr del" : upName.replace(" up --probe-wait-ms 0", " down").replace(" up", " down");
    }

    private Way vipctl(NamespaceLab.Host host, Path agentDirectory, String... upOptions) {
        return new Way(vipctlUp(host, agentDirectory, upOptions), vipctlDown(host, agentDirectory), true);
    }

    private List<String> vipctlUp(NamespaceLab.Host host, Path agentDirectory, String... options) {
        List<String> command = launcherCommand(agentDirectory, "up", "--interface", NamespaceLab.INTERFACE, "--vip", NamespaceLab.VIP_WITH_PREFIX);
        command.addAll(List.of(options));
        return host.command(command.toArray(new String[0]));
    }

    private List<String> vipctlDown(NamespaceLab.Host host, Path agentDirectory) {
        return host.command(launcherCommand(agentDirectory, "down", "--interface", NamespaceLab.INTERFACE, "--vip", NamespaceLab.VIP_WITH_PREFIX)
                .toArray(new String[0]));
    }

    /** The launcher with the agent directory to use, or with agents off (null): a fresh JVM every time. */
    private List<String> launcherCommand(Path agentDirectory, String... args) {
        List<String> command = new ArrayList<>(List.of("env", agentDirectory == null ? "VIPCTL_NO_AGENT=1" : "VIPCTL_AGENT_DIR=" + agentDirectory, launcher));
        command.addAll(List.of(args));
        return command;
    }

    /** Resident agents on lab hosts for one stage, stopped at its end. */
    private static final class Agents implements AutoCloseable {
        private final List<Process> processes;

        private Agents(List<Process> processes) {
            this.processes = processes;
        }

        static Agents start(List<NamespaceLab.Host> hosts, String launcher, Path directory) throws Exception {
            List<Process> processes = new ArrayList<>();
            Agents agents = new Agents(processes);
            try {
                List<Path> logs = new ArrayList<>();
                for (NamespaceLab.Host host : hosts) {
                    Path log = directory.resolve(host.role() + ".log");
                    logs.add(log);
                    processes.add(host.start("env", "VIPCTL_AGENT_DIR=" + directory, launcher, "agent", "--interface", NamespaceLab.INTERFACE,
                            "--log-file", log.toString(), "--quiet"));
                }
                long deadline = System.nanoTime() + 30_000_000_000L;
                for (Path log : logs) {
                    // Serving once it says so: its FIFO exists before its warm-up.
                    while (!Files.exists(log) || !Files.readString(log).contains("agent started")) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("a resident agent did not start within 30 s; its log: " + log);
                        }
                        Thread.sleep(20);
                    }
                }
                return agents;
            } catch (Exception e) {
                agents.close();
                throw e;
            }
        }

        @Override
        public void close() throws InterruptedException {
            for (Process process : processes) {
                process.destroy();
                process.waitFor();
            }
        }
    }

    // --- on a given interface ---

    private void onInterface(BenchReport report) throws Exception {
        report.add(inProcess(plan.interfaceName, plan.vip));
        String vip = plan.vip.toString();
        long[] firstGarp = new long[plan.runs];
        long[] total = new long[plan.runs];
        for (int i = 0; i < plan.runs; i++) {
            progress("whole process " + (i + 1) + "/" + plan.runs);
            Shell.Result up = check(Shell.run(List.of("env", "VIPCTL_NO_AGENT=1", launcher, "up", "--interface", plan.interfaceName, "--vip", vip,
                    "--garp-count", "1", "--json")), "vipctl up");
            check(Shell.run(List.of("env", "VIPCTL_NO_AGENT=1", launcher, "down", "--interface", plan.interfaceName, "--vip", vip)), "vipctl down");
            Matcher numbers = TIMING.matcher(up.stdout);
            while (numbers.find()) {
                (numbers.group(1).equals("total") ? total : firstGarp)[i] = Long.parseLong(numbers.group(2));
            }
        }
        report.add(new BenchReport.Section("Whole process, as vipctl reports it", "from vipctl's --json timings: the launcher's start to"
                + " the first frame handed to the kernel, and to the end of 'up --garp-count 1'; " + plan.runs + " runs (no peer here to see"
                + " the wire, so the shell's ways, which report nothing, are compared only with --lab)", false)
                .add("vipctl up: start -> first GARP sent", firstGarp)
                .add("vipctl up: start -> exit", total));
        progress(null);
    }

    // --- in-process ---

    /** The engine's phases on {@code interfaceName} in the calling thread's namespace, with the real ARP link. */
    private BenchReport.Section inProcess(String interfaceName, Vip vip) throws Exception {
        InterfaceAddress desired = new InterfaceAddress(vip.address(), vip.prefixLength(), interfaceName + ":1");
        AnnouncementProfile oneRound = new AnnouncementProfile(1, 0, GarpMode.BOTH);
        TakeoverEngine.WirePlan wire = new TakeoverEngine.WirePlan(vip.address(), oneRound, WireChecks.DEFAULT, Platforms.ARP_LINKS);
        String[] phases = {"release check", "add", "verify", "first GARP", "remove + verify"};
        long[][] samples = new long[phases.length][plan.cycles];
        try (TakeoverEngine engine = TakeoverEngine.start(LinuxNetworkOs.open(), interfaceName, wire)) {
            for (int i = -WARM_UP_CYCLES; i < plan.cycles; i++) {
                progress(i < 0 ? "in-process warm-up" : "in-process cycle " + (i + 1) + "/" + plan.cycles);
                Timings up = new Timings(System.nanoTime(), -1);
                Outcome upOutcome = new Outcome();
                engine.up(desired, upOutcome, up);
                Timings down = new Timings(System.nanoTime(), -1);
                engine.down(vip, false, new Outcome(), down);
                if (upOutcome.exitCode() != ExitCode.OK) {
                    throw new IllegalStateException("up in the in-process cycles: " + upOutcome.message());
                }
                if (i >= 0) {
                    Map<String, Long> u = up.finish();
                    Map<String, Long> d = down.finish();
                    long beforeAnnouncing = u.get("inspect") + u.get("releaseCheck") + u.get("add") + u.get("verify");
                    samples[0][i] = u.get("releaseCheck");
                    samples[1][i] = u.get("add");
                    samples[2][i] = u.get("verify");
                    samples[3][i] = u.get("startToFirstGarp") - beforeAnnouncing;
                    samples[4][i] = d.get("remove") + d.get("verify");
                }
            }
        } catch (OsException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        BenchReport.Section section = new BenchReport.Section("In-process engine phases on " + interfaceName,
                plan.cycles + " up/down cycles after " + WARM_UP_CYCLES + " warm-up, default checks (release check: " + WireChecks.DEFAULT_PROBE_WAIT_MILLIS
                        + " ms probe wait, all of it spent when the VIP is free), one announcement round", false);
        for (int p = 0; p < phases.length; p++) {
            section.add(phases[p], samples[p]);
        }
        return section;
    }

    // --- helpers ---

    private static Shell.Result check(Shell.Result result, String what) {
        if (result.exitCode != 0) {
            throw new IllegalStateException(what + " exited with " + result.exitCode + ": " + (result.stderr + result.stdout).trim());
        }
        return result;
    }

    /** Where the bench is, on stderr: one line rewritten in place on a terminal, else a line per stage; null ends it. */
    private void progress(String stage) {
        if (console) {
            err.print("\r\033[K" + (stage == null ? "" : stage));
            err.flush();
            return;
        }
        String kind = stage == null ? "" : stage.replaceAll(" \\d+/(\\d+)$", " ($1)");
        if (stage != null && !kind.equals(lastStage)) {
            err.println("vipctl bench: " + kind);
        }
        lastStage = kind;
    }

    private static void deleteTree(Path directory) throws IOException {
        try (java.util.stream.Stream<Path> entries = Files.walk(directory)) {
            for (Path path : (Iterable<Path>) entries.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        }
    }
}
