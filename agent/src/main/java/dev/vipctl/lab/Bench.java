package dev.vipctl.lab;

import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.Outcome;
import dev.vipctl.agent.Platforms;
import dev.vipctl.agent.TakeoverEngine;
import dev.vipctl.agent.TakeoverException;
import dev.vipctl.agent.Timings;
import dev.vipctl.agent.Vip;
import dev.vipctl.agent.VipLock;
import dev.vipctl.agent.WireChecks;
import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.GarpMode;
import dev.vipctl.linux.LinuxNetworkOs;
import dev.vipctl.linux.NetworkNamespace;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.OsException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code vipctl bench}: timings, in a throwaway lab ({@code --lab}) or on a given interface. Measures; never judges.
 * <ul>
 * <li>In-process: the engine's phases, warm-up excluded: release check, add, verify, first announcement, remove.</li>
 * <li>Whole process: a fresh launcher per run, as a Management Layer starts it; in the lab also through a resident
 * agent, and with {@code --compare-shell} the old ways. Every way is timed the same: from the command's start to its
 * first announcement reaching the peer host (in the lab) or leaving the interface.</li>
 * <li>Blackout (lab): a client asks the VIP every millisecond while it moves between the two hosts; the longest gap
 * in its replies per switchover, vipctl's ways and the shell's side by side.</li>
 * <li>Scale (lab, instead of the others): up, status and down in process with N other addresses on the VIP's
 * interface and N on another, for each N.</li>
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
        /** Requests through one agent instead of the other measurements; 0: the other measurements. */
        public int endurance;
        /** Counts of other addresses, increasing, to measure up/status/down at instead of the other measurements; null: none. */
        public int[] scale;
        public boolean json;
        public boolean csv;
        public Path report;
        public String commandLine;
    }

    private static final int WARM_UP_CYCLES = 50;
    /** What the scale bench measures, in the order each cycle runs them. */
    private static final String[] SCALE_OPERATIONS = {"up --probe-wait-ms 0 --garp-count 1", "status", "down"};
    private static final Pattern TIMINGS = Pattern.compile("\"timingsMicros\":\\{([^}]*)}");
    private static final Pattern PHASE = Pattern.compile("\"(\\w+)\":(\\d+)");
    /** The client's request interval: the gap resolution the issue asks for. */
    private static final int CLIENT_INTERVAL_MS = 1;
    /** Linux ignores a neighbour update within locktime (1 s) of the last; switchovers are spaced wider. */
    private static final long SETTLE_MILLIS = 1500;

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
        for (String[] tool : requiredTools(plan)) {
            if (!Shell.onPath(tool[0])) {
                err.println("vipctl bench: " + tool[2] + " needs '" + tool[0] + "' (Debian/Ubuntu: apt-get install " + tool[1] + ")");
                return ExitCode.BAD_INPUT.code();
            }
        }
        Bench bench = new Bench(plan, launcher.toString(), err);
        BenchReport report = new BenchReport(bench.environment());
        try {
            if (plan.lab) {
                bench.inLab(report);
            } else {
                bench.onInterface(report);
            }
        } catch (TakeoverException e) {
            err.println("vipctl bench: " + e.getMessage());
            return e.exitCode().code();
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

    /** {command, its Debian/Ubuntu package, what needs it} */
    private static List<String[]> requiredTools(Plan plan) {
        List<String[]> tools = new ArrayList<>();
        tools.add(new String[] {"ip", "iproute2", "bench"});
        if (!plan.lab) {
            tools.add(new String[] {"tcpdump", "tcpdump", "bench --interface (to see the frames leave " + plan.interfaceName + ")"});
        }
        if (plan.compareShell) {
            tools.add(new String[] {"arping", "iputils-arping", "--compare-shell"});
        }
        return tools;
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
            if (plan.scale != null) {
                for (BenchReport.Section section : scale(a, vip)) {
                    report.add(section);
                }
                progress(null);
                return;
            }
            Path agentDirectory = Files.createTempDirectory("vipctl-bench-agents");
            if (plan.endurance > 0) {
                try {
                    report.add(endurance(a, vip, agentDirectory));
                } finally {
                    deleteTree(agentDirectory);
                }
                progress(null);
                return;
            }
            report.add(NetworkNamespace.call(a.namespace(), () -> inProcess(NamespaceLab.INTERFACE, vip)));
            try {
                String eth = NamespaceLab.INTERFACE;
                List<Way> ways = new ArrayList<>();
                ways.add(vipctl("vipctl up, new process", "vipctl down, new process", eth, vip, null, "--garp-count", "1", "--json").in(a));
                ways.add(vipctl("vipctl up, resident agent", "vipctl down, resident agent", eth, vip, agentDirectory,
                        "--garp-count", "1", "--json").in(a));
                ways.add(vipctl("vipctl up --probe-wait-ms 0, resident agent", "vipctl down, resident agent", eth, vip, agentDirectory,
                        "--garp-count", "1", "--json", "--probe-wait-ms", "0").in(a));
                if (plan.compareShell) {
                    for (Way old : OldWays.forThisOs(eth, vip)) {
                        ways.add(old.in(a));
                    }
                }
                try (Agents agents = Agents.start(List.of(a), launcher, agentDirectory);
                     WireWatch watch = WireWatch.atPeer(lab.hostB(), vip.address())) {
                    wholeProcess(report, ways, watch, a.mac(), "seen by the peer",
                            "from starting the command in host-a to its first announcement arriving at host-b");
                }
                if (plan.switchovers > 0) {
                    report.add(blackout(lab, vip, agentDirectory));
                }
            } finally {
                deleteTree(agentDirectory);
            }
        }
        progress(null);
    }

    /**
     * Each way's runs: from starting its {@code up} to its first announcement on the wire (to its exit for a way that
     * sends none), then its {@code down} from start to exit; vipctl's ways also with their own --json phases. vipctl's
     * 'up' sends one round (--garp-count 1), as the old ways send one frame, so that its run ends soon after.
     *
     * @param sender the MAC the announcements come from; null: any seen by {@code watch}
     */
    private void wholeProcess(BenchReport report, List<Way> ways, WireWatch watch, MacAddress sender, String seen, String span) throws Exception {
        BenchReport.Section up = new BenchReport.Section("Whole process: command start -> first gratuitous ARP " + seen,
                "wall clock " + span + "; for the vendor ifconfig script, which sends none, to its exit; " + plan.runs + " runs each"
                        + (plan.compareShell ? ". Old ways: Linux's; " + OldWays.NOT_IMPLEMENTED : ""), true);
        BenchReport.Section down = new BenchReport.Section("Whole process: the matching down/del, start -> exit",
                "wall clock of the command that removes the VIP again; " + plan.runs + " runs each", true);
        Set<String> downNames = new HashSet<>();
        List<BenchReport.Section> phaseSections = new ArrayList<>();
        for (Way way : ways) {
            long[] upSamples = new long[plan.runs];
            long[] downSamples = new long[plan.runs];
            Map<String, long[]> phases = new LinkedHashMap<>();
            for (int i = 0; i < plan.runs; i++) {
                progress("whole process: " + way.name + " " + (i + 1) + "/" + plan.runs);
                long start = WireWatch.nowMicros();
                Shell.Result result = check(way.runUp(), way.name);
                addPhases(phases, result.stdout, i);
                long end = WireWatch.nowMicros();
                long announced = way.announces ? watch.firstAnnouncement(sender, start, 3000) : end;
                if (announced < 0) {
                    throw new IllegalStateException(way.name + ": no announcement " + seen + " within 3 s");
                }
                upSamples[i] = announced - start;
                long downStart = WireWatch.nowMicros();
                check(way.runDown(), way.downName);
                downSamples[i] = WireWatch.nowMicros() - downStart;
            }
            up.add(way.name, upSamples);
            if (!phases.isEmpty()) {
                BenchReport.Section section = new BenchReport.Section("Where the time of '" + way.name + "' goes",
                        "vipctl's own --json timingsMicros of the same runs: startToMain is the launcher's start to main (through the"
                                + " agent: to the agent picking the request up), the phases follow one another, startToFirstGarp"
                                + " is the launcher's start to the first frame handed to the kernel", false);
                for (Map.Entry<String, long[]> phase : phases.entrySet()) {
                    section.add(phase.getKey(), phase.getValue());
                }
                phaseSections.add(section);
            }
            if (downNames.add(way.downName)) { // the same 'down' after two kinds of 'up' is shown once
                down.add(way.downName, downSamples);
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

    /**
     * The lab's switchovers, host-a to host-b and back, each way in turn; per switchover the client's longest gap and
     * the replies lost in it. Only ways that announce: without, the client keeps the old MAC until its entry expires.
     */
    private BenchReport.Section blackout(NamespaceLab lab, Vip vip, Path agentDirectory) throws Exception {
        NamespaceLab.Host a = lab.hostA();
        NamespaceLab.Host b = lab.hostB();
        String eth = NamespaceLab.INTERFACE;
        List<Way> ways = new ArrayList<>();
        ways.add(vipctl("vipctl, new processes", "", eth, vip, null));
        ways.add(vipctl("vipctl, resident agents", "", eth, vip, agentDirectory));
        ways.add(vipctl("vipctl --probe-wait-ms 0, resident agents", "", eth, vip, agentDirectory, "--probe-wait-ms", "0"));
        List<String> notRun = new ArrayList<>();
        for (Way old : plan.compareShell ? OldWays.forThisOs(eth, vip) : List.<Way>of()) {
            if (old.announces) {
                ways.add(old);
            } else {
                notRun.add(old.name);
            }
        }
        BenchReport.Section section = new BenchReport.Section("Client-observed blackout of a switchover",
                "the longest gap between the replies to a client's UDP echo requests to the VIP (one per " + CLIENT_INTERVAL_MS + " ms; not ping,"
                        + " which asks only every 10 ms while a reply is outstanding) while 'down' on the old primary and then 'up' on the new"
                        + " one run, and the replies lost in it; " + plan.switchovers + " switchovers each,"
                        + " alternating host-a -> host-b -> host-a"
                        + (notRun.isEmpty() ? "" : ". Not run: " + String.join(", ", notRun) + ", which sends no gratuitous ARP: the client"
                        + " keeps the old MAC until its neighbour entry expires (over 38 s each in our lab)"), true);
        try (Agents agents = Agents.start(List.of(a, b), launcher, agentDirectory);
             ClientPing ping = ClientPing.udpEcho(lab, CLIENT_INTERVAL_MS)) {
            for (Way way : ways) {
                a.run("ip", "addr", "flush", "dev", eth, "label", eth + ":1");
                b.run("ip", "addr", "flush", "dev", eth, "label", eth + ":1");
                check(way.in(a).runUp(), way.name);
                if (!ping.awaitReplyAfter(WireWatch.nowMicros(), 5000)) {
                    throw new IllegalStateException(way.name + ": the client gets no reply from the VIP on host-a");
                }
                Thread.sleep(SETTLE_MILLIS);
                long[] gaps = new long[plan.switchovers];
                int[] lost = new int[plan.switchovers];
                NamespaceLab.Host from = a;
                NamespaceLab.Host to = b;
                for (int i = 0; i < plan.switchovers; i++) {
                    progress("blackout: " + way.name + " " + (i + 1) + "/" + plan.switchovers);
                    long start = WireWatch.nowMicros();
                    check(way.in(from).runDown(), way.name + " down on " + from.role());
                    check(way.in(to).runUp(), way.name + " up on " + to.role());
                    if (!ping.awaitReplyAfter(WireWatch.nowMicros(), 5000)) {
                        throw new IllegalStateException(way.name + ": the client gets no reply after the switch to " + to.role());
                    }
                    ClientPing.Gap gap = ping.longestGap(start, WireWatch.nowMicros());
                    gaps[i] = gap.micros;
                    lost[i] = gap.lostReplies;
                    Thread.sleep(SETTLE_MILLIS);
                    NamespaceLab.Host swap = from;
                    from = to;
                    to = swap;
                }
                section.add(way.name, gaps, lost);
            }
        }
        return section;
    }

    /**
     * {@link Plan#endurance} requests, 'up' and 'down' in turn, through one resident agent, each a fresh launcher as a
     * Management Layer starts it; every tenth of them a row: the requests' times (start to exit), and what the agent
     * holds at its end: resident memory, descriptors, threads, and the files in its directory and the lock directory.
     */
    private BenchReport.Section endurance(NamespaceLab.Host host, Vip vip, Path agentDirectory) throws Exception {
        String eth = NamespaceLab.INTERFACE;
        Way way = vipctl("", "", eth, vip, agentDirectory, "--garp-count", "1", "--probe-wait-ms", "0").in(host);
        int pairs = (plan.endurance + 1) / 2;
        int rows = 10;
        BenchReport.Section section = new BenchReport.Section("Endurance: " + 2 * pairs + " requests through one resident agent",
                "wall clock of each 'up --garp-count 1 --probe-wait-ms 0' and 'down', start -> exit, a fresh launcher each; at the end of each"
                        + " tenth, the agent's resident memory (VmRSS), open descriptors and threads, and the files in its directory and in "
                        + VipLock.LINUX_DIRECTORY, false);
        try (Agents agents = Agents.start(List.of(host), launcher, agentDirectory)) {
            long pid = agents.processes.get(0).pid();
            int done = 0;
            for (int row = 0; row < rows; row++) {
                int rowPairs = pairs / rows + (row < pairs % rows ? 1 : 0);
                long[] samples = new long[2 * rowPairs];
                for (int i = 0; i < rowPairs; i++) {
                    progress("endurance " + (done + 2 * i + 2) + "/" + 2 * pairs);
                    long start = WireWatch.nowMicros();
                    check(way.runUp(), "up");
                    long between = WireWatch.nowMicros();
                    check(way.runDown(), "down");
                    samples[2 * i] = between - start;
                    samples[2 * i + 1] = WireWatch.nowMicros() - between;
                }
                Map<String, Object> held = new LinkedHashMap<>();
                held.put("RSS KiB", residentKiB(pid));
                held.put("descriptors", count(Path.of("/proc", Long.toString(pid), "fd")));
                held.put("threads", count(Path.of("/proc", Long.toString(pid), "task")));
                held.put("files", filesBelow(agentDirectory) + count(VipLock.LINUX_DIRECTORY));
                section.add("requests " + (done + 1) + "-" + (done + 2 * rowPairs), samples, held);
                done += 2 * rowPairs;
            }
        }
        return section;
    }

    private static long residentKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }

    private static long count(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        try (java.util.stream.Stream<Path> entries = Files.list(directory)) {
            return entries.count();
        }
    }

    /** The agents' directories and channels, not the bench's logs beside them. */
    private static long filesBelow(Path directory) throws IOException {
        try (java.util.stream.Stream<Path> entries = Files.walk(directory)) {
            return entries.filter(path -> !path.getFileName().toString().endsWith(".log")).count() - 1;
        }
    }

    /** One way to bring the VIP up and take it down again, as commands, with the names the report gives them. */
    static final class Way {
        final String name;
        final String downName;
        final List<String> up;
        final List<String> down;
        final boolean announces;
        /** Added to the bench's environment for both commands. */
        final Map<String, String> environment;

        /** @param announces whether {@code up} sends a gratuitous ARP (the vendor's ifconfig script does not) */
        Way(String name, String downName, List<String> up, List<String> down, boolean announces) {
            this(name, downName, up, down, announces, Map.of());
        }

        private Way(String name, String downName, List<String> up, List<String> down, boolean announces, Map<String, String> environment) {
            this.name = name;
            this.downName = downName;
            this.up = up;
            this.down = down;
            this.announces = announces;
            this.environment = environment;
        }

        /** The same commands, run in a lab host's namespace. */
        Way in(NamespaceLab.Host host) {
            return new Way(name, downName, host.command(up.toArray(new String[0])), host.command(down.toArray(new String[0])), announces, environment);
        }

        Shell.Result runUp() {
            return Shell.run(up, environment, 30);
        }

        Shell.Result runDown() {
            return Shell.run(down, environment, 30);
        }
    }

    /** vipctl up/down through the launcher, with agents off (agentDirectory null: a fresh JVM every time) or through them. */
    private Way vipctl(String name, String downName, String interfaceName, Vip vip, Path agentDirectory, String... upOptions) {
        List<String> up = new ArrayList<>(List.of(launcher, "up", "--interface", interfaceName, "--vip", vip.toString()));
        up.addAll(List.of(upOptions));
        List<String> down = List.of(launcher, "down", "--interface", interfaceName, "--vip", vip.toString());
        return new Way(name, downName, up, down, true,
                agentDirectory == null ? Map.of("VIPCTL_NO_AGENT", "1") : Map.of("VIPCTL_AGENT_DIR", agentDirectory.toString()));
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
                long deadline = System.nanoTime() + 60_000_000_000L;
                for (int i = 0; i < logs.size(); i++) {
                    Path log = logs.get(i);
                    // Launchers find an agent once it says so: after its warm-up.
                    while (!Files.exists(log) || !Files.readString(log).contains("agent started")) {
                        if (System.nanoTime() > deadline || !processes.get(i).isAlive()) {
                            throw new IllegalStateException("a resident agent did not start within 60 s; its log " + log + ": "
                                    + (Files.exists(log) ? Files.readString(log).trim() : "(none)"));
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

    /**
     * For each count N of {@link Plan#scale}, with N other addresses on the VIP's interface and N on a second one in
     * the host: the in-process cost of 'up' (no probing, one announcement round), 'status' and 'down' of the VIP,
     * {@link Plan#cycles} times each after a warm-up, and the bytes the kernel sent for each. The other addresses are
     * /32s, 198.18.0.0/16 on eth0 and 198.19.0.0/16 on the second interface, added through rtnetlink.
     */
    private List<BenchReport.Section> scale(NamespaceLab.Host host, Vip vip) throws Exception {
        String eth = NamespaceLab.INTERFACE;
        String second = "eth1";
        host.run("ip", "link", "add", second, "type", "veth", "peer", "name", second + "-peer");
        String others = " other addresses on " + eth + " and N on " + second;
        String timed = "wall clock of the engine's call, in process on host-a's " + eth + ", with N" + others + "; "
                + plan.cycles + " cycles per N after " + WARM_UP_CYCLES + " warm-up; 'kernel bytes': what rtnetlink sent for one call";
        List<BenchReport.Section> sections = new ArrayList<>();
        for (String operation : SCALE_OPERATIONS) {
            sections.add(new BenchReport.Section("Scale: " + operation + " with N" + others, timed, true));
        }
        InterfaceAddress desired = new InterfaceAddress(vip.address(), vip.prefixLength(), eth + ":1");
        AnnouncementProfile oneRound = new AnnouncementProfile(1, 0, GarpMode.BOTH);
        WireChecks noProbing = new WireChecks(WireChecks.OnConflict.TAKEOVER, 0, WireChecks.DEFAULT_RELEASE_WAIT_MILLIS, null, 0);
        TakeoverEngine.WirePlan wire = new TakeoverEngine.WirePlan(vip.address(), oneRound, noProbing, Platforms.ARP_LINKS);
        NetworkNamespace.call(host.namespace(), () -> {
            try (LinuxNetworkOs filler = LinuxNetworkOs.open()) {
                LinuxNetworkOs measured = LinuxNetworkOs.open(); // the engine's from here on: it closes it
                try (TakeoverEngine engine = TakeoverEngine.start(measured, eth, wire)) {
                    NetInterface first = filler.resolve(eth);
                    NetInterface other = filler.resolve(second);
                    int firstBase = IpAddress.parseIpv4("198.18.0.1").ipv4Bits();
                    int otherBase = IpAddress.parseIpv4("198.19.0.1").ipv4Bits();
                    int added = 0;
                    for (int n : plan.scale) {
                        progress("scale: adding other addresses up to " + n);
                        for (; added < n; added++) {
                            filler.add(first, new InterfaceAddress(IpAddress.ofIpv4Bits(firstBase + added), 32, ""));
                            filler.add(other, new InterfaceAddress(IpAddress.ofIpv4Bits(otherBase + added), 32, ""));
                        }
                        measureAtScale(n, engine, measured, desired, vip, sections);
                    }
                }
            }
            return null;
        });
        return sections;
    }

    /** One count's cycles of {@link #SCALE_OPERATIONS}, a series in each of their sections. */
    private void measureAtScale(int n, TakeoverEngine engine, LinuxNetworkOs measured, InterfaceAddress desired, Vip vip,
                                List<BenchReport.Section> sections) throws TakeoverException {
        int operations = SCALE_OPERATIONS.length;
        long[][] samples = new long[operations][plan.cycles];
        long[] bytes = new long[operations];
        for (int i = -WARM_UP_CYCLES; i < plan.cycles; i++) {
            progress("scale N=" + n + (i < 0 ? " warm-up" : " cycle " + (i + 1) + "/" + plan.cycles));
            Outcome[] outcomes = {new Outcome(), new Outcome(), new Outcome()};
            long[] marks = new long[operations + 1];
            long[] received = new long[operations + 1];
            marks[0] = System.nanoTime();
            received[0] = measured.bytesReceived();
            engine.up(desired, outcomes[0], new Timings(marks[0], -1));
            marks[1] = System.nanoTime();
            received[1] = measured.bytesReceived();
            engine.status(vip, outcomes[1]);
            marks[2] = System.nanoTime();
            received[2] = measured.bytesReceived();
            engine.down(vip, false, outcomes[2], new Timings(marks[2], -1));
            marks[3] = System.nanoTime();
            received[3] = measured.bytesReceived();
            for (int op = 0; op < operations; op++) {
                if (outcomes[op].exitCode() != ExitCode.OK) {
                    throw new IllegalStateException(SCALE_OPERATIONS[op] + " with N=" + n + ": " + outcomes[op].message());
                }
                if (i >= 0) {
                    samples[op][i] = (marks[op + 1] - marks[op]) / 1000;
                    bytes[op] = received[op + 1] - received[op];
                }
            }
        }
        for (int op = 0; op < operations; op++) {
            sections.get(op).add("N=" + n, samples[op], Map.of("kernel bytes", bytes[op]));
        }
    }

    // --- on a given interface ---

    /**
     * The same on a given interface in the current namespace, without agents or a client: the VIP must be free (not
     * configured here, nobody answering for it), and whatever the bench added is removed again if a run fails.
     */
    private void onInterface(BenchReport report) throws Exception {
        String eth = plan.interfaceName;
        checkFree(eth, plan.vip);
        try {
            report.add(inProcess(eth, plan.vip));
            List<Way> ways = new ArrayList<>();
            ways.add(vipctl("vipctl up, new process", "vipctl down, new process", eth, plan.vip, null, "--garp-count", "1", "--json"));
            if (plan.compareShell) {
                ways.addAll(OldWays.forThisOs(eth, plan.vip));
            }
            try (WireWatch watch = WireWatch.leaving(eth, plan.vip.address())) {
                wholeProcess(report, ways, watch, null, "leaving " + eth,
                        "from starting the command to its first announcement leaving " + eth + " (tcpdump's capture timestamp)");
            }
        } catch (Exception e) {
            try (TakeoverEngine engine = TakeoverEngine.start(LinuxNetworkOs.open(), eth)) {
                engine.down(plan.vip, false, new Outcome(), new Timings(System.nanoTime(), -1));
            } catch (TakeoverException | OsException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        progress(null);
    }

    /** Refuses a VIP that is in use: the bench adds and removes it, and announces it on the segment. */
    private static void checkFree(String interfaceName, Vip vip) throws Exception {
        TakeoverEngine.WirePlan wire = new TakeoverEngine.WirePlan(vip.address(), AnnouncementProfile.DEFAULT, WireChecks.DEFAULT, Platforms.ARP_LINKS);
        Outcome probe = new Outcome();
        try (TakeoverEngine engine = TakeoverEngine.start(LinuxNetworkOs.open(), interfaceName, wire)) {
            engine.probe(vip.address(), probe, new Timings(System.nanoTime(), -1));
        }
        if (probe.exitCode() != ExitCode.NOT_CONFIGURED) {
            throw new TakeoverException(ExitCode.BAD_INPUT, "the bench adds, announces and removes " + vip + " on " + interfaceName
                    + ", so it needs a VIP nobody uses; " + probe.message() + ": give a free one");
        }
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
