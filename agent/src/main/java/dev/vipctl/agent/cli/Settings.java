package dev.vipctl.agent.cli;

import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.IoErrors;
import dev.vipctl.agent.TakeoverEngine;
import dev.vipctl.agent.TakeoverException;
import dev.vipctl.agent.ThisOs;
import dev.vipctl.agent.Vip;
import dev.vipctl.agent.VipLock;
import dev.vipctl.agent.WireChecks;
import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.GarpMode;
import dev.vipctl.lab.Bench;
import dev.vipctl.os.IpAddress;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.ArrayList;

/**
 * One invocation's settings: the command line, over the properties file named by {@code --config} (same keys as
 * the long options). Everything is validated here, before anything on the host is looked at or changed.
 */
public final class Settings {
    /** The subcommands. */
    public enum Command {
        UP, DOWN, STATUS, PROBE, DOCTOR, AGENT, DEMO, BENCH;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final String INTERFACE = "interface";
    static final String VIP = "vip";
    static final String LABEL = "label";
    static final String GARP_COUNT = "garp-count";
    static final String GARP_INTERVAL = "garp-interval-ms";
    static final String GARP_MODE = "garp-mode";
    static final String JSON = "json";
    static final String LOG_FILE = "log-file";
    static final String QUIET = "quiet";
    static final String CONFIG = "config";
    static final String ON_CONFLICT = "on-conflict";
    static final String PROBE_WAIT = "probe-wait-ms";
    static final String RELEASE_WAIT = "release-wait-ms";
    static final String VERIFY_PEER = "verify-peer";
    static final String DEFEND = "defend-ms";
    static final String FORCE = "force";
    static final String LOCK_TIMEOUT = "lock-timeout-ms";
    static final String LOCK_DIR = "lock-dir";
    static final String CYCLES = "cycles";
    static final String RUNS = "runs";
    static final String LAB = "lab";
    static final String COMPARE_SHELL = "compare-shell";
    static final String SWITCHOVERS = "switchovers";
    static final String ENDURANCE = "endurance";
    static final String SCALE = "scale";
    static final String CSV = "csv";
    static final String REPORT = "report";
    static final String AGENT_DIR = "agent-dir";
    static final String AGENT_GROUP = "agent-group";
    static final String HELP = "help";
    static final String VERSION = "version";

    /** Which options each command takes; a command-line option outside its set is an error, a config key is ignored. */
    private static final List<String> COMMON = List.of(JSON, LOG_FILE, QUIET, CONFIG);
    private static final List<String> UP_OPTIONS = List.of(INTERFACE, VIP, LABEL, GARP_COUNT, GARP_INTERVAL, GARP_MODE,
            ON_CONFLICT, PROBE_WAIT, RELEASE_WAIT, VERIFY_PEER, DEFEND, LOCK_TIMEOUT, LOCK_DIR);
    private static final List<String> DOWN_OPTIONS = List.of(INTERFACE, VIP, FORCE, LOCK_TIMEOUT, LOCK_DIR);
    private static final List<String> STATUS_OPTIONS = List.of(INTERFACE, VIP);
    private static final List<String> PROBE_OPTIONS = List.of(INTERFACE, VIP, PROBE_WAIT);
    private static final List<String> DOCTOR_OPTIONS = List.of(INTERFACE, LOCK_DIR);
    /** No --json: the agent runs until stopped and reports in its log. */
    private static final List<String> AGENT_OPTIONS = List.of(INTERFACE, AGENT_DIR, AGENT_GROUP, LOG_FILE, QUIET, CONFIG);
    private static final List<String> BENCH_OPTIONS = List.of(LAB, INTERFACE, VIP, COMPARE_SHELL, CYCLES, RUNS, SWITCHOVERS, ENDURANCE, SCALE, JSON,
            CSV, REPORT, CONFIG);
    /**
     * What a member of the resident agent's group may give with 'up' or 'down' (see {@link AgentProtocol}): nothing that
     * makes root read or write a file of the caller's choosing (--log-file, --config, --lock-dir) or lifts a safety
     * rule (--force). An option added to 'up' or 'down' later is refused to members until it is named here.
     */
    static final Set<String> MEMBER_REQUEST_OPTIONS = Set.of(INTERFACE, VIP, LABEL, GARP_COUNT, GARP_INTERVAL, GARP_MODE,
            ON_CONFLICT, PROBE_WAIT, RELEASE_WAIT, VERIFY_PEER, DEFEND, LOCK_TIMEOUT, JSON, QUIET, HELP, VERSION);
    /** Keys a config file may not set: they describe the invocation itself. */
    private static final Set<String> COMMAND_LINE_ONLY = Set.of(CONFIG, HELP, VERSION);

    /** The operator's question "who answers?" deserves more patience than the takeover path can spend. */
    static final int DEFAULT_PROBE_COMMAND_WAIT_MILLIS = 200;
    /** Room for one default 'up' (about 2.1 s with its announcement) ahead in the queue, and then some. */
    static final int DEFAULT_LOCK_TIMEOUT_MILLIS = 5000;
    static final int MAX_LOCK_TIMEOUT_MILLIS = 600_000;
    /** Where the resident agent's request FIFO lives; the launcher looks here too (VIPCTL_AGENT_DIR overrides both). */
    static final Path DEFAULT_AGENT_DIRECTORY = Path.of("/run/vipctl/agent");
    /** Each in-process cycle spends the release check's 30 ms probe wait. */
    static final int DEFAULT_CYCLES = 200;
    static final int DEFAULT_RUNS = 20;
    static final int DEFAULT_SWITCHOVERS = 10;
    /** Per interface: 198.18.0.0/15 gives each of the two a /16 for the scale bench's other addresses. */
    static final int MAX_SCALE = 10_000;

    static final Options OPTIONS = new Options()
            .addOption(Option.builder("i").longOpt(INTERFACE).hasArg().argName("IF")
                    .desc("network interface: its name on Linux (eth0), its alias on Windows (Ethernet, \"Local Area Connection\")").get())
            .addOption(Option.builder().longOpt(VIP).hasArg().argName("A.B.C.D[/P]")
                    .desc("the virtual IP; 'up' and 'down' need the prefix length, 'status' and 'probe' do not").get())
            .addOption(Option.builder().longOpt(LABEL).hasArg().argName("IF:tag")
                    .desc("up: sub-interface label, at most 15 characters (default IF:1, like 'ifconfig eth0:1'); Linux only:"
                            + " Windows keeps no labels, refuses --label and adds the VIP without one").get())
            .addOption(Option.builder().longOpt(GARP_COUNT).hasArg().argName("N")
                    .desc("up: gratuitous ARP rounds, 0-100; 0 announces nothing (default " + AnnouncementProfile.DEFAULT.count() + ")").get())
            .addOption(Option.builder().longOpt(GARP_INTERVAL).hasArg().argName("MS")
                    .desc("up: pause between rounds, 0-10000 ms (default " + AnnouncementProfile.DEFAULT.intervalMillis() + ")").get())
            .addOption(Option.builder().longOpt(GARP_MODE).hasArg().argName("MODE")
                    .desc("up: request | reply | both: ARP Request, Reply (THA = own MAC), or one of each per round (default "
                            + AnnouncementProfile.DEFAULT.mode().name().toLowerCase(Locale.ROOT) + ")").get())
            .addOption(Option.builder().longOpt(ON_CONFLICT).hasArg().argName("POLICY")
                    .desc("up: when another MAC still holds the VIP after --release-wait-ms: takeover (default; take it over"
                            + " and report the MAC) or fail (change nothing, exit " + ExitCode.CONFLICT.code() + ")").get())
            .addOption(Option.builder().longOpt(PROBE_WAIT).hasArg().argName("MS")
                    .desc("up, probe: how long vipctl listens for answers to its ARP probes for the VIP (up's release check: three"
                            + " probes spread over one wait; probe: three waits of one probe each), 0-" + WireChecks.MAX_PROBE_WAIT_MILLIS
                            + " (default " + WireChecks.DEFAULT_PROBE_WAIT_MILLIS + " for up, " + DEFAULT_PROBE_COMMAND_WAIT_MILLIS
                            + " for probe); up: 0 turns the release check and the verification on the wire off").get())
            .addOption(Option.builder().longOpt(RELEASE_WAIT).hasArg().argName("MS")
                    .desc("up: while another MAC answers for the VIP, keep probing this long for it to let go, 0-"
                            + WireChecks.MAX_RELEASE_WAIT_MILLIS + " (default " + WireChecks.DEFAULT_RELEASE_WAIT_MILLIS + ")").get())
            .addOption(Option.builder().longOpt(VERIFY_PEER).hasArg().argName("A.B.C.D")
                    .desc("up: after the takeover, ask this address in the VIP's subnet (e.g. the gateway) for its MAC from the VIP;"
                            + " no answer: exit " + ExitCode.PEER_SILENT.code()).get())
            .addOption(Option.builder().longOpt(DEFEND).hasArg().argName("MS")
                    .desc("up: stay this long after the takeover, answer any other MAC's claim on the VIP with a fresh"
                            + " announcement (at most once per 10 s) and report it, 0-" + WireChecks.MAX_DEFEND_MILLIS + " (default 0);"
                            + " on Windows it needs Npcap").get())
            .addOption(Option.builder().longOpt(FORCE)
                    .desc("down: remove the address even if it is the interface's own or was not named with its prefix").get())
            .addOption(Option.builder().longOpt(LOCK_TIMEOUT).hasArg().argName("MS")
                    .desc("up, down: wait at most this long for another vipctl working on the same VIP, 0-" + MAX_LOCK_TIMEOUT_MILLIS
                            + " (default " + DEFAULT_LOCK_TIMEOUT_MILLIS + "); then exit " + ExitCode.LOCK_TIMEOUT.code()).get())
            .addOption(Option.builder().longOpt(LOCK_DIR).hasArg().argName("DIR")
                    .desc("up, down: directory of the per-VIP lock files (default " + VipLock.LINUX_DIRECTORY + "; on Windows"
                            + " %ProgramData%\\vipctl, which must be Administrators' or SYSTEM's)").get())
            .addOption(Option.builder().longOpt(AGENT_DIR).hasArg().argName("DIR")
                    .desc("agent: directory of its request FIFO, where the launcher finds it (default " + DEFAULT_AGENT_DIRECTORY
                            + ", or $VIPCTL_AGENT_DIR)").get())
            .addOption(Option.builder().longOpt(AGENT_GROUP).hasArg().argName("GROUP")
                    .desc("agent: members of this group may hand it requests too (default: root only)").get())
            .addOption(Option.builder().longOpt(JSON).desc("print one JSON object with the outcome and per-phase timings (µs) on stdout").get())
            .addOption(Option.builder().longOpt(LOG_FILE).hasArg().argName("PATH").desc("append timestamped lines about this run to PATH").get())
            .addOption(Option.builder("q").longOpt(QUIET).desc("print nothing on success (errors still go to stderr)").get())
            .addOption(Option.builder("c").longOpt(CONFIG).hasArg().argName("FILE")
                    .desc("read settings from a properties file; keys are the long option names (interface=eth0); the command line wins").get())
            .addOption(Option.builder().longOpt(LAB).desc("bench: in a throwaway namespace lab (else on --interface with --vip)").get())
            .addOption(Option.builder().longOpt(COMPARE_SHELL)
                    .desc("bench: also time the old ways (ip addr add + arping -U; ifconfig where present), side by side").get())
            .addOption(Option.builder().longOpt(CYCLES).hasArg().argName("N")
                    .desc("bench: in-process up/down cycles, 1-100000 (default " + DEFAULT_CYCLES + ")").get())
            .addOption(Option.builder().longOpt(RUNS).hasArg().argName("N")
                    .desc("bench: whole-process up/down runs per way, 1-1000 (default " + DEFAULT_RUNS + ")").get())
            .addOption(Option.builder().longOpt(SWITCHOVERS).hasArg().argName("N")
                    .desc("bench --lab: switchovers per way while a client sends to the VIP every 1 ms, 0-1000 (default "
                            + DEFAULT_SWITCHOVERS + "; 0 skips the blackout)").get())
            .addOption(Option.builder().longOpt(ENDURANCE).hasArg().argName("N")
                    .desc("bench --lab: instead of the other measurements, N up/down requests, 100-1000000, through one resident agent,"
                            + " with its memory, descriptors, threads and files and the requests' times every N/10").get())
            .addOption(Option.builder().longOpt(SCALE).hasArg().argName("N,N,...")
                    .desc("bench --lab: instead of the other measurements, for each N (0-" + MAX_SCALE + ", increasing) the in-process cost of"
                            + " up, status and down of one VIP with N other addresses on its interface and N on a second one, --cycles"
                            + " times each").get())
            .addOption(Option.builder().longOpt(CSV).desc("bench: one summary row per series as CSV on stdout instead of the table").get())
            .addOption(Option.builder().longOpt(REPORT).hasArg().argName("FILE.html")
                    .desc("bench: also write an HTML page with an SVG latency chart per measurement").get())
            .addOption(Option.builder("h").longOpt(HELP).desc("print this help").get())
            .addOption(Option.builder().longOpt(VERSION).desc("print the version").get());

    // Set once by parse(); what a command does not take stays at its zero value.
    Command command;
    boolean help;
    boolean version;
    String interfaceName;
    Vip vip;
    String label;
    AnnouncementProfile profile;
    WireChecks checks;
    boolean force;
    int lockTimeoutMillis;
    Path lockDirectory;
    boolean json;
    boolean quiet;
    Path logFile;
    Path agentDirectory;
    String agentGroup;
    final Bench.Plan bench = new Bench.Plan();

    private Settings() {
    }

    /** Parses and validates; every problem is a {@link ExitCode#BAD_INPUT} with a message that says what to fix. */
    static Settings parse(String[] args) throws TakeoverException {
        CommandLine line;
        try {
            line = new DefaultParser().parse(OPTIONS, args);
        } catch (ParseException e) {
            throw bad(e.getMessage());
        }
        Settings settings = new Settings();
        settings.help = line.hasOption(HELP);
        settings.version = line.hasOption(VERSION);
        List<String> words = line.getArgList();
        if (words.isEmpty()) {
            if (settings.help || settings.version) {
                return settings;
            }
            throw bad("no command given: use " + commandWords() + " (see --help)");
        }
        if (words.size() > 1) {
            throw bad("unexpected argument '" + words.get(1) + "' after the command '" + words.get(0) + "'");
        }
        Command command = command(words.get(0));
        settings.command = command;
        if (settings.help || settings.version) {
            return settings;
        }
        List<String> allowed = allowedOptions(command);
        List<String> seen = new ArrayList<>();
        for (Option given : line.getOptions()) {
            if (seen.contains(given.getLongOpt())) {
                throw bad("--" + given.getLongOpt() + " is given more than once; give it once");
            }
            seen.add(given.getLongOpt());
            if (!allowed.contains(given.getLongOpt())) {
                throw bad("--" + given.getLongOpt() + " does not apply to '" + command.word() + "'");
            }
        }
        Properties config = line.hasOption(CONFIG) ? loadConfig(Path.of(line.getOptionValue(CONFIG))) : new Properties();
        Values values = new Values(line, config);
        try {
            settings.fill(values);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        return settings;
    }

    /**
     * The long names of the options on a command line, without reading any file it names; empty when it does not
     * parse (then {@link #parse} reports why).
     */
    static Set<String> optionsGiven(String[] args) {
        Set<String> given = new java.util.HashSet<>();
        try {
            for (Option option : new DefaultParser().parse(OPTIONS, args).getOptions()) {
                given.add(option.getLongOpt());
            }
        } catch (ParseException e) {
            return Set.of();
        }
        return given;
    }

    private void fill(Values values) throws TakeoverException {
        if (command == Command.DEMO) {
            return;
        }
        if (command == Command.BENCH) {
            fillBench(values);
            return;
        }
        json = values.flag(JSON);
        quiet = values.flag(QUIET);
        String logText = values.get(LOG_FILE);
        logFile = logText == null ? null : checkLogFile(logText);
        interfaceName = checkInterfaceName(values.require(INTERFACE, command));
        if (command == Command.DOCTOR) {
            lockDirectory = lockDirectory(values);
            return;
        }
        if (command == Command.AGENT) {
            agentDirectory = agentDirectory(values);
            agentGroup = values.has(AGENT_GROUP) ? checkGroup(values.get(AGENT_GROUP), values.source(AGENT_GROUP)) : null;
            return;
        }
        String vipText = values.require(VIP, command);
        try {
            vip = Vip.parse(vipText, command == Command.UP || command == Command.DOWN && !values.flag(FORCE));
        } catch (IllegalArgumentException e) {
            throw bad("--vip " + e.getMessage() + (command == Command.DOWN ? " ('down' removes only an address named exactly)" : ""));
        }
        switch (command) {
            case UP:
                label = label(values, interfaceName);
                AnnouncementProfile defaults = AnnouncementProfile.DEFAULT;
                profile = new AnnouncementProfile(
                        values.integer(GARP_COUNT, defaults.count(), 0, AnnouncementProfile.MAX_COUNT),
                        values.integer(GARP_INTERVAL, defaults.intervalMillis(), 0, AnnouncementProfile.MAX_INTERVAL_MILLIS),
                        values.has(GARP_MODE) ? GarpMode.parse(values.get(GARP_MODE)) : defaults.mode());
                checks = new WireChecks(
                        values.has(ON_CONFLICT) ? WireChecks.OnConflict.parse(values.get(ON_CONFLICT)) : WireChecks.OnConflict.TAKEOVER,
                        values.integer(PROBE_WAIT, WireChecks.DEFAULT_PROBE_WAIT_MILLIS, 0, WireChecks.MAX_PROBE_WAIT_MILLIS),
                        values.integer(RELEASE_WAIT, WireChecks.DEFAULT_RELEASE_WAIT_MILLIS, 0, WireChecks.MAX_RELEASE_WAIT_MILLIS),
                        values.has(VERIFY_PEER) ? verifyPeer(values.get(VERIFY_PEER), vip) : null,
                        values.integer(DEFEND, 0, 0, WireChecks.MAX_DEFEND_MILLIS));
                TakeoverEngine.WirePlan.checkConsistent(profile, checks);
                if (checks.probeWaitMillis() == 0) {
                    for (String probingOption : List.of(ON_CONFLICT, RELEASE_WAIT)) {
                        if (values.has(probingOption)) {
                            throw new IllegalArgumentException(values.source(probingOption) + " acts on the release check, which"
                                    + " --probe-wait-ms 0 turns off: drop one of them");
                        }
                    }
                }
                lockTimeoutMillis = values.integer(LOCK_TIMEOUT, DEFAULT_LOCK_TIMEOUT_MILLIS, 0, MAX_LOCK_TIMEOUT_MILLIS);
                lockDirectory = lockDirectory(values);
                break;
            case DOWN:
                force = values.flag(FORCE);
                lockTimeoutMillis = values.integer(LOCK_TIMEOUT, DEFAULT_LOCK_TIMEOUT_MILLIS, 0, MAX_LOCK_TIMEOUT_MILLIS);
                lockDirectory = lockDirectory(values);
                break;
            case PROBE:
                checks = new WireChecks(WireChecks.OnConflict.TAKEOVER,
                        values.integer(PROBE_WAIT, DEFAULT_PROBE_COMMAND_WAIT_MILLIS, 1, WireChecks.MAX_PROBE_WAIT_MILLIS),
                        0, null, 0);
                break;
            default:
                break;
        }
    }

    private void fillBench(Values values) throws TakeoverException {
        bench.lab = values.flag(LAB);
        if (bench.lab == values.has(INTERFACE)) {
            throw bad("bench runs either in a throwaway lab (--lab) or on a given interface (--interface IF --vip A.B.C.D/P): give one");
        }
        if (bench.lab) {
            for (String interfaceOnly : List.of(VIP)) {
                if (values.has(interfaceOnly)) {
                    throw bad(values.source(interfaceOnly) + " applies to bench on --interface; the lab uses its own VIP");
                }
            }
        } else {
            bench.interfaceName = checkInterfaceName(values.get(INTERFACE));
            try {
                bench.vip = Vip.parse(values.require(VIP, command), true);
            } catch (IllegalArgumentException e) {
                throw bad("--vip " + e.getMessage());
            }
            if (values.has(SWITCHOVERS)) {
                throw bad(values.source(SWITCHOVERS) + " needs --lab: only there does a client ping the VIP");
            }
        }
        bench.compareShell = values.flag(COMPARE_SHELL);
        bench.cycles = values.integer(CYCLES, DEFAULT_CYCLES, 1, 100_000);
        bench.runs = values.integer(RUNS, DEFAULT_RUNS, 1, 1000);
        bench.switchovers = bench.lab ? values.integer(SWITCHOVERS, DEFAULT_SWITCHOVERS, 0, 1000) : 0;
        if (values.has(ENDURANCE)) {
            if (!bench.lab) {
                throw bad(values.source(ENDURANCE) + " needs --lab: the bench starts the agent it measures there");
            }
            for (String other : List.of(COMPARE_SHELL, CYCLES, RUNS, SWITCHOVERS)) {
                if (values.has(other)) {
                    throw bad(values.source(ENDURANCE) + " replaces the other measurements, so " + values.source(other)
                            + " would do nothing: drop one of them");
                }
            }
            bench.endurance = values.integer(ENDURANCE, 0, 100, 1_000_000);
        }
        if (values.has(SCALE)) {
            if (!bench.lab) {
                throw bad(values.source(SCALE) + " needs --lab: the bench adds the other addresses to a lab host");
            }
            for (String other : List.of(COMPARE_SHELL, RUNS, SWITCHOVERS, ENDURANCE)) {
                if (values.has(other)) {
                    throw bad(values.source(SCALE) + " replaces the other measurements, so " + values.source(other)
                            + " would do nothing: drop one of them");
                }
            }
            bench.scale = values.increasingIntegers(SCALE, 0, MAX_SCALE);
        }
        bench.json = values.flag(JSON);
        bench.csv = values.flag(CSV);
        if (bench.json && bench.csv) {
            throw bad("--json and --csv both choose what goes to stdout: give one");
        }
        if (values.has(REPORT)) {
            bench.report = checkWritableFile(values.get(REPORT), values.source(REPORT));
        }
    }

    /** An IPv4 address in the VIP's subnet (any, for a /32 VIP), neither the VIP nor the subnet's network or broadcast address. */
    static IpAddress verifyPeer(String text, Vip vip) {
        IpAddress peer;
        try {
            peer = IpAddress.parseIpv4(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--verify-peer " + e.getMessage());
        }
        int prefix = vip.prefixLength();
        int hostBits = ~IpAddress.ipv4Mask(prefix);
        int vipNetwork = vip.address().ipv4Bits() & ~hostBits;
        if (peer.equals(vip.address())) {
            throw new IllegalArgumentException("--verify-peer " + text + " is the VIP itself; name another host in its subnet, e.g. the gateway");
        }
        // A /32 VIP says nothing about the segment, so any address may be on it.
        if (prefix < 32 && !vip.address().inIpv4Subnet(peer, prefix)) {
            throw new IllegalArgumentException("--verify-peer " + text + " is outside the VIP's subnet " + IpAddress.ofIpv4Bits(vipNetwork) + "/" + prefix
                    + ": ARP reaches only the VIP's own segment");
        }
        if (prefix < 31 && ((peer.ipv4Bits() & hostBits) == 0 || (peer.ipv4Bits() & hostBits) == hostBits)) {
            throw new IllegalArgumentException("--verify-peer " + text + " is the network or broadcast address of " + IpAddress.ofIpv4Bits(vipNetwork)
                    + "/" + prefix + ", not a host");
        }
        return peer;
    }

    /** The label 'up' gives the VIP; null on Windows, which keeps none (checked here, before anything is looked at). */
    private static String label(Values values, String interfaceName) throws TakeoverException {
        String labelText = values.get(LABEL);
        if (ThisOs.isWindows()) {
            if (labelText != null) {
                throw bad(values.source(LABEL) + " " + labelText + ": Windows keeps no address labels; drop it, and 'up' adds"
                        + " the VIP without one");
            }
            return null;
        }
        return labelText == null ? Vip.defaultLabel(interfaceName) : Vip.checkLabel(labelText, interfaceName);
    }

    /** The operator's --lock-dir, or null for the OS's default ({@link VipLock#acquire} finds it). */
    private static Path lockDirectory(Values values) throws TakeoverException {
        String text = values.get(LOCK_DIR);
        if (text == null) {
            return null;
        }
        Path path = Path.of(text);
        if (!path.isAbsolute()) {
            throw bad("--lock-dir " + text + " must be an absolute path: every vipctl on the host must find the same lock files");
        }
        if (Files.exists(path) && !Files.isDirectory(path)) {
            throw bad("--lock-dir " + text + " exists and is not a directory");
        }
        if (!Files.exists(path) && (path.getParent() == null || !Files.isDirectory(path.getParent()))) {
            throw bad("--lock-dir " + text + ": it does not exist, and its parent " + path.getParent() + " is not a directory to create it in");
        }
        return path;
    }

    private static Path agentDirectory(Values values) throws TakeoverException {
        String text = values.has(AGENT_DIR) ? values.get(AGENT_DIR) : System.getenv("VIPCTL_AGENT_DIR");
        if (text == null || text.isEmpty()) {
            return DEFAULT_AGENT_DIRECTORY;
        }
        String source = values.has(AGENT_DIR) ? values.source(AGENT_DIR) : "VIPCTL_AGENT_DIR";
        Path path = Path.of(text);
        if (!path.isAbsolute()) {
            throw bad(source + " " + text + " must be an absolute path: the launcher looks for the agent there");
        }
        if (Files.exists(path) && !Files.isDirectory(path)) {
            throw bad(source + " " + text + " exists and is not a directory");
        }
        return path;
    }

    private static String checkGroup(String name, String source) throws TakeoverException {
        try {
            Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
        } catch (IOException e) {
            throw bad(source + " " + name + ": no such group on this host");
        }
        return name;
    }

    /** The first argument that is a command word, or "" (for the JSON of a command line that did not parse). */
    static String commandWordIn(String[] args) {
        for (String arg : args) {
            for (Command command : Command.values()) {
                if (command.word().equals(arg)) {
                    return arg;
                }
            }
        }
        return "";
    }

    private static String commandWords() {
        List<String> words = new ArrayList<>();
        for (Command command : Command.values()) {
            words.add(command.word());
        }
        return String.join(", ", words);
    }

    private static Command command(String word) throws TakeoverException {
        for (Command command : Command.values()) {
            if (command.word().equals(word)) {
                return command;
            }
        }
        throw bad("unknown command '" + word + "': use " + commandWords() + " (see --help)");
    }

    private static List<String> allowedOptions(Command command) {
        List<String> allowed = new ArrayList<>();
        switch (command) {
            case UP:
                allowed.addAll(UP_OPTIONS);
                break;
            case DOWN:
                allowed.addAll(DOWN_OPTIONS);
                break;
            case STATUS:
                allowed.addAll(STATUS_OPTIONS);
                break;
            case PROBE:
                allowed.addAll(PROBE_OPTIONS);
                break;
            case DOCTOR:
                allowed.addAll(DOCTOR_OPTIONS);
                break;
            case AGENT:
                return AGENT_OPTIONS;
            case BENCH:
                return BENCH_OPTIONS;
            default:
                return List.of();
        }
        allowed.addAll(COMMON);
        return allowed;
    }

    /**
     * Linux interface names: 1-15 characters (IFNAMSIZ 16 with the NUL), no '/', ':' or white space (net/core/dev.c
     * dev_valid_name). Windows names an interface by its alias, which may hold spaces ("Local Area Connection").
     */
    static String checkInterfaceName(String name) throws TakeoverException {
        if (ThisOs.isWindows()) {
            return checkInterfaceAlias(name);
        }
        if (name.isEmpty() || name.length() > 15 || ".".equals(name) || "..".equals(name)
                || hasForbiddenCharacter(name)) {
            throw bad("--interface '" + name + "' is not an interface name (1-15 characters, no '/', ':' or spaces;"
                    + " a VIP's label like eth0:1 goes in --label)");
        }
        return name;
    }

    /** ifdef.h IF_MAX_STRING_SIZE 256: the longest alias, in UTF-16 units, without its NUL. */
    private static final int MAX_ALIAS_LENGTH = 256;

    /** A Windows interface alias: 1-256 characters, none of them a control character, no space at either end. */
    private static String checkInterfaceAlias(String alias) throws TakeoverException {
        boolean control = alias.chars().anyMatch(Character::isISOControl);
        if (alias.isEmpty() || alias.length() > MAX_ALIAS_LENGTH || control || !alias.equals(alias.strip())) {
            throw bad("--interface '" + alias + "' is not an interface alias (1-" + MAX_ALIAS_LENGTH + " characters, no control"
                    + " characters, no space at either end; Get-NetAdapter lists them, e.g. Ethernet)");
        }
        return alias;
    }

    private static boolean hasForbiddenCharacter(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':' || c <= ' ' || Character.isWhitespace(c)) {
                return true;
            }
        }
        return false;
    }

    private static Path checkLogFile(String text) throws TakeoverException {
        return checkWritableFile(text, "--log-file");
    }

    /** Opened for appending now, so that a file that cannot be written stops the run before anything changes, not after it. */
    private static Path checkWritableFile(String text, String source) throws TakeoverException {
        Path path = Path.of(text);
        if (Files.isDirectory(path)) {
            throw bad(source + " " + text + " is a directory; name a file in it");
        }
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw bad(source + " " + text + ": directory " + parent + " does not exist");
        }
        try {
            Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND).close();
        } catch (IOException e) {
            throw bad(source + " " + text + ": cannot append to it (" + IoErrors.reason(e) + ")");
        }
        return path;
    }

    private static Properties loadConfig(Path file) throws TakeoverException {
        Properties config = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            config.load(reader);
        } catch (NoSuchFileException e) {
            throw bad("--config " + file + ": no such file");
        } catch (IOException | IllegalArgumentException e) {
            throw bad("--config " + file + ": cannot read it: " + e.getMessage());
        }
        for (String key : config.stringPropertyNames()) {
            Option option = OPTIONS.getOption(key);
            if (option == null || !key.equals(option.getLongOpt()) || COMMAND_LINE_ONLY.contains(key)) {
                throw bad("--config " + file + ": unknown key '" + key + "'; keys are long option names: "
                        + String.join(", ", knownConfigKeys()));
            }
        }
        return config;
    }

    private static List<String> knownConfigKeys() {
        List<String> keys = new ArrayList<>();
        for (Option option : OPTIONS.getOptions()) {
            if (!COMMAND_LINE_ONLY.contains(option.getLongOpt())) {
                keys.add(option.getLongOpt());
            }
        }
        return keys;
    }

    static TakeoverException bad(String message) {
        return new TakeoverException(ExitCode.BAD_INPUT, message);
    }

    /** An option's value from the command line, else from the config file. */
    private static final class Values {
        private final CommandLine line;
        private final Properties config;

        Values(CommandLine line, Properties config) {
            this.line = line;
            this.config = config;
        }

        boolean has(String key) {
            return get(key) != null;
        }

        String get(String key) {
            String value = line.getOptionValue(key);
            if (value == null) {
                value = config.getProperty(key);
            }
            return value == null ? null : value.trim();
        }

        String require(String key, Command command) throws TakeoverException {
            String value = get(key);
            if (value == null || value.isEmpty()) {
                throw bad("'" + command.word() + "' needs --" + key + " (on the command line or in --config)");
            }
            return value;
        }

        boolean flag(String key) throws TakeoverException {
            if (line.hasOption(key)) {
                return true;
            }
            String value = config.getProperty(key);
            if (value == null) {
                return false;
            }
            switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "true":
                    return true;
                case "false":
                    return false;
                default:
                    throw bad("config key '" + key + "' must be true or false, not '" + value + "'");
            }
        }

        /** Where a value came from, for messages: "--key" or "config key 'key'". */
        String source(String key) {
            return line.hasOption(key) ? "--" + key : "config key '" + key + "'";
        }

        /** A whole number within min-max, or the default when not given. */
        int integer(String key, int defaultValue, int min, int max) {
            String value = get(key);
            return value == null ? defaultValue : number(key, value, min, max);
        }

        /** Comma-separated whole numbers within min-max, each larger than the one before. */
        int[] increasingIntegers(String key, int min, int max) {
            String[] values = get(key).split(",", -1);
            int[] numbers = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                numbers[i] = number(key, values[i].trim(), min, max);
                if (i > 0 && numbers[i] <= numbers[i - 1]) {
                    throw new IllegalArgumentException(source(key) + " " + get(key) + ": give the numbers in increasing order, each once");
                }
            }
            return numbers;
        }

        private int number(String key, String value, int min, int max) {
            String digits = value.startsWith("-") ? value.substring(1) : value;
            if (digits.isEmpty() || !IpAddress.isDecimal(digits)) {
                throw new IllegalArgumentException(source(key) + " '" + value + "' is not a whole number");
            }
            long number = digits.length() > 10 ? Long.MAX_VALUE : Long.parseLong(value);
            if (number < min || number > max) {
                throw new IllegalArgumentException(source(key) + " " + value + " is outside " + min + "-" + max);
            }
            return (int) number;
        }
    }
}
