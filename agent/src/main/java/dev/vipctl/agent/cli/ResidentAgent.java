package dev.vipctl.agent.cli;

import dev.vipctl.agent.DryRun;
import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.Host;
import dev.vipctl.agent.IoErrors;
import dev.vipctl.agent.Platforms;
import dev.vipctl.agent.TakeoverEngine;
import dev.vipctl.agent.TakeoverException;
import dev.vipctl.agent.Timings;
import dev.vipctl.linux.SystemdNotifier;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code vipctl agent}: a resident JVM that runs the {@code up} and {@code down} requests launchers hand it through
 * {@link AgentProtocol}, so that a takeover pays no JVM start. The JVM is what is slow to start (class loading, JNA,
 * the JIT); the sockets a request needs open in microseconds once it is warm, so each request opens its own: a socket
 * kept open would buffer old ARP frames that a release check must not read as answers.
 *
 * <p>Who may ask what: root may hand over 'up' and 'down' with any of their options (it could run them itself); a
 * member of {@code --agent-group} only with {@link Settings#MEMBER_REQUEST_OPTIONS}; every request must name the agent's
 * own interface; an agent that is not root's declines root's requests that would make it keep root's files. The kernel
 * tells who asks: only the pool's user (by its ACL entry), the agent's user and root can open a pool's FIFOs.
 *
 * <p>Bounded: at most {@link #WORKERS} requests run at once (another is declined, and its launcher runs it), each user
 * has {@link AgentProtocol#PAIRS_PER_POOL} channels, there are at most {@link AgentChannels#MAX_MEMBER_POOLS} member
 * pools, and lines about callers' mistakes are limited to {@link #PROBLEM_LINES_PER_MINUTE} a minute. The agent keeps no
 * state between requests: each looks at the host afresh, so a restart loses nothing.
 */
final class ResidentAgent implements AgentChannels.Dispatcher, AgentChannels.Log {
    /** Requests that run at once; each is mostly waiting (announcement rounds, probes), so a few serve many VIPs. */
    static final int WORKERS = 4;
    static final int PROBLEM_LINES_PER_MINUTE = 20;
    /** About a second at start: enough calls for the JIT to compile the parsing, reporting and netlink paths. */
    private static final int WARM_UP_ROUNDS = 2000;
    /** TEST-NET-3 (RFC 5737): the warm-up reads it and changes it only in a dry run. */
    private static final String WARM_UP_VIP = "203.0.113.1";

    private final Settings settings;
    private final PrintStream out;
    private final AtomicLong served = new AtomicLong();
    private final ResidentHost thisHost = new ResidentHost();
    /** Where requests take effect: a dry run during the warm-up, this host once launchers can find the agent. */
    private volatile Host host = new DryRun(thisHost);
    private long problemMinute;
    private int problemLines;
    private int problemLinesSuppressed;

    ResidentAgent(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /** Starts up, then serves until stopped (SIGTERM: its directory is removed and the agent exits 0). */
    static int run(Settings settings, PrintStream out, PrintStream err) {
        ResidentAgent agent = new ResidentAgent(settings, out);
        AgentChannels channels;
        try {
            Platforms.checkPrivileges(true, true);
            // The agent exists to announce takeovers fast: on an interface without ARP it could announce none.
            try (TakeoverEngine engine = TakeoverEngine.start(Platforms.open(), settings.interfaceName)) {
                engine.requireArp();
            }
            GroupPrincipal group = settings.agentGroup == null ? null
                    : settings.agentDirectory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(settings.agentGroup);
            channels = AgentChannels.prepare(settings.agentDirectory, settings.interfaceName, group, agent);
        } catch (TakeoverException e) {
            err.println("vipctl agent: " + e.getMessage());
            return e.exitCode().code();
        } catch (AgentChannels.UnsafeDirectory e) {
            err.println("vipctl agent: " + e.getMessage());
            return ExitCode.BAD_INPUT.code();
        } catch (IOException e) {
            err.println("vipctl agent: cannot set up the request channels in " + settings.agentDirectory + ": " + IoErrors.describe(e));
            return ExitCode.INTERNAL_ERROR.code();
        }
        SystemdNotifier systemd = SystemdNotifier.fromEnvironment(System.getenv(), ProcessHandle.current().pid(), agent::line);
        Runtime.getRuntime().addShutdownHook(new Thread("vipctl-agent-stop") {
            @Override
            public void run() {
                systemd.send("STOPPING=1");
                channels.close();
                agent.line("agent stopped after " + agent.served.get() + " request(s)");
            }
        });
        try {
            channels.start(agent, WORKERS + 1);
            long warmUpMillis = agent.warmUp(channels.pool(0));
            agent.host = agent.thisHost;
            channels.publish();
            agent.line("agent started: pid " + ProcessHandle.current().pid() + ", interface " + settings.interfaceName + ", warmed up in "
                    + warmUpMillis + " ms, serving through " + channels.home()
                    + (settings.agentGroup == null ? " (root only)" : " (root and group " + settings.agentGroup + ")"));
            // Type=notify: systemd counts the agent started only now, warm and found by launchers.
            systemd.send("READY=1\nSTATUS=serving " + settings.interfaceName + ", warmed up in " + warmUpMillis + " ms");
            long watchdogNanos = TimeUnit.MICROSECONDS.toNanos(systemd.watchdogMicros());
            systemd.startWatchdog(() -> channels.cameRoundWithin(watchdogNanos));
            channels.awaitStop();
            return ExitCode.OK.code();
        } catch (IOException e) {
            agent.line("agent stopped: " + IoErrors.describe(e));
            channels.close();
            return ExitCode.INTERNAL_ERROR.code();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCode.INTERNAL_ERROR.code();
        }
    }

    /**
     * Runs the request path until the JIT has compiled it, without changing anything: 'up' and 'down' of a TEST-NET-3 address on
     * the agent's interface, handed over through root's pool before any launcher can see it (so every step of a real
     * request runs) and run on a {@link DryRun} of this host: the interface and its addresses are read for real, the
     * changes stay in memory, no frame leaves; their locks lie in a directory of the warm-up's own. Then a read-only
     * 'status'. Launchers find the agent only after this.
     */
    private long warmUp(Path pool) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Path locks = Files.createTempDirectory("vipctl-agent-warm-up");
        try {
            String vip = WARM_UP_VIP + "/24";
            List<String> up = List.of("up", "--interface", settings.interfaceName, "--vip", vip, "--garp-count", "1", "--probe-wait-ms", "0",
                    "--lock-dir", locks.toString(), "--json");
            List<String> down = List.of("down", "--interface", settings.interfaceName, "--vip", vip, "--lock-dir", locks.toString(), "--json");
            for (int i = 0; i < WARM_UP_ROUNDS; i++) {
                for (List<String> request : List.of(up, down)) {
                    AgentClient.Answer answer = null;
                    // A used pair is replaced, and its thread free again, a moment after its answer: the next request
                    // may find none yet.
                    for (int attempt = 0; (answer == null || answer.first == AgentProtocol.DECLINED) && attempt < 1000; attempt++) {
                        answer = AgentClient.handOver(pool, request, TimeUnit.SECONDS.toMillis(30));
                        if (answer == null || answer.first == AgentProtocol.DECLINED) {
                            Thread.sleep(1);
                        }
                    }
                    if (answer == null || answer.first != AgentProtocol.ACCEPTED) {
                        throw new IOException("the warm-up's request was not served: " + (answer == null ? "no free channel" : answer));
                    }
                    decide(1, request.toArray(new String[0])); // a member's checks too
                }
            }
            PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
            String[] status = {"status", "--interface", settings.interfaceName, "--vip", WARM_UP_VIP, "--json"};
            for (int i = 0; i < WARM_UP_ROUNDS; i++) {
                new Main(discard, discard, Main.SERVED_BY_AGENT, Platforms.THIS_HOST).run(status, new Timings(System.nanoTime(), 0));
            }
        } finally {
            try (Stream<Path> left = Files.list(locks)) {
                for (Path path : (Iterable<Path>) left::iterator) {
                    Files.deleteIfExists(path);
                }
            }
            Files.delete(locks);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Runs a committed request on the thread that read it (see {@link AgentChannels#serve}). */
    @Override
    public void dispatch(AgentChannels.Channel channel, AgentProtocol.Request request) {
        handle(channel, request);
    }

    /** Checks who asks what, then runs it and answers. */
    private void handle(AgentChannels.Channel channel, AgentProtocol.Request request) {
        String[] args = request.arguments.toArray(new String[0]);
        String caller = "uid " + channel.uid() + " (pid " + request.launcherPid + ")";
        try {
            if (!channel.launcherHere(request.launcherPid, request.launcherFd)) {
                channel.decline(AgentProtocol.Decline.ELSEWHERE, "the launcher is not a process of the agent's network namespace");
                problem("request from " + caller + " declined: its launcher is not a process of this network namespace");
                return;
            }
            Decision decision = decide(channel.uid(), args);
            if (decision.decline != null) {
                channel.decline(decision.decline, decision.sentence);
                return;
            }
            channel.running();
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            int code;
            try (PrintStream capturedOut = new PrintStream(stdout, true, StandardCharsets.UTF_8);
                 PrintStream capturedErr = new PrintStream(stderr, true, StandardCharsets.UTF_8)) {
                code = run(decision, new Main(capturedOut, capturedErr, Main.SERVED_BY_AGENT, host), args, timings(channel, request));
            }
            channel.finish(code, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
            if (host != thisHost) {
                return; // the warm-up's own request
            }
            served.incrementAndGet();
            String done = "request from " + caller + ": " + quote(request.arguments) + " -> exit " + code + " in "
                    + (System.nanoTime() - channel.receivedNanos) / 1000 + " µs" + launcherTimes(channel, request);
            // A member's refused requests are the caller's doing: rate-limited, like the other problem lines.
            if (code == ExitCode.BAD_INPUT.code() && channel.uid() != 0) {
                problem(done);
            } else {
                line(done);
            }
        } catch (IOException | RuntimeException e) {
            line("request from " + caller + " failed: " + quote(request.arguments) + ": " + e);
        } finally {
            channel.release();
        }
    }

    /** What the agent does with a request, decided before it answers anything. */
    static final class Decision {
        /** Not run, for the launcher to run (another interface), or null. */
        AgentProtocol.Decline decline;
        String sentence;
        /** Refused with exit 2: what its caller may not ask, or null. */
        String refusal;
        TakeoverException badInput;
        Settings settings;
    }

    /**
     * Who may ask what: only 'up' and 'down', a member only with {@link Settings#MEMBER_REQUEST_OPTIONS} (checked before
     * the command line is parsed, since parsing reads --config and opens --log-file), and only for this agent's
     * interface.
     */
    Decision decide(int uid, String[] args) {
        Decision decision = new Decision();
        String command = args.length == 0 ? "" : args[0];
        if (!command.equals("up") && !command.equals("down")) {
            decision.refusal = "the resident agent runs 'up' and 'down' only, not '" + command + "'";
            return decision;
        }
        // The warm-up's own requests (before launchers find the agent) use a lock directory of its own.
        boolean rootAsksAnotherUser = uid == 0 && AgentChannels.OWNER != 0 && host == thisHost;
        // Parsed without reading a file, and only where the options decide something: not for root's agent's root.
        Set<String> given = uid != 0 || rootAsksAnotherUser ? Settings.optionsGiven(args) : Set.of();
        if (uid != 0) {
            List<String> refused = new ArrayList<>();
            for (String option : given) {
                if (!Settings.MEMBER_REQUEST_OPTIONS.contains(option)) {
                    refused.add("--" + option);
                }
            }
            if (!refused.isEmpty()) {
                refused.sort(null);
                decision.refusal = "through the resident agent, a member of group " + settings.agentGroup + " may not give "
                        + String.join(", ", refused) + ": a file the agent wrote or read for you, or a safety rule it lifted, would be"
                        + " done with the agent's privileges, not yours (its own log and lock directory apply); ask root to run it";
                return decision;
            }
        }
        if (rootAsksAnotherUser && (given.contains(Settings.LOG_FILE) || given.contains(Settings.LOCK_DIR))) {
            // Checked before parsing, which opens the log file: its user's file would not be root's log, nor its lock
            // one that root's other runs take.
            return declineFiles(decision, ROOTS_FILES);
        }
        try {
            decision.settings = Settings.parse(args);
        } catch (TakeoverException e) {
            if (rootAsksAnotherUser && given.contains(Settings.CONFIG)) {
                // A --config that root may read and this agent's user may not, or whose log file it may not write:
                // root's own run says which, if either.
                return declineFiles(decision, "cannot use root's --config");
            }
            decision.badInput = e;
            return decision;
        }
        if (rootAsksAnotherUser && (decision.settings.logFile != null || decision.settings.lockDirectory != null)) {
            return declineFiles(decision, ROOTS_FILES); // named in the --config
        }
        String asked = decision.settings.interfaceName;
        if (asked != null && !asked.equals(settings.interfaceName)) {
            decision.decline = AgentProtocol.Decline.INTERFACE;
            decision.sentence = "this agent serves " + settings.interfaceName + ", not " + asked;
        }
        return decision;
    }

    private static final String ROOTS_FILES = "does not keep root's --log-file or --lock-dir";

    private static Decision declineFiles(Decision decision, String what) {
        decision.settings = null;
        decision.decline = AgentProtocol.Decline.FILES;
        decision.sentence = "the resident agent runs as uid " + AgentChannels.OWNER + ", not as root, and " + what;
        return decision;
    }

    /** Runs an accepted decision: the command, or its refusal; returns the exit code. */
    private static int run(Decision decision, Main main, String[] args, Timings timings) {
        if (decision.refusal != null) {
            return main.refuse(decision.refusal);
        }
        if (decision.badInput != null) {
            return main.badInput(args, decision.badInput);
        }
        return main.run(decision.settings, args, timings);
    }

    /** At most this much of a request's arguments goes into a log line. */
    private static final int LOGGED_ARGUMENTS_CHARACTERS = 300;

    /**
     * A request's arguments for the log: control characters written out (a newline in an argument must not make a line
     * of its own), and cut at {@link #LOGGED_ARGUMENTS_CHARACTERS} with the full length said.
     */
    static String quote(List<String> arguments) {
        String all = String.join(" ", arguments);
        String shown = all.length() <= LOGGED_ARGUMENTS_CHARACTERS ? all
                : all.substring(0, LOGGED_ARGUMENTS_CHARACTERS) + "... (" + all.length() + " characters)";
        StringBuilder text = new StringBuilder(shown.length());
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                text.append(String.format(java.util.Locale.ROOT, "\\x%02x", (int) c));
            } else {
                text.append(c);
            }
        }
        return text.toString();
    }

    /** Timings from the moment the request arrived; before it, the launcher's own clock where it had one. */
    private static Timings timings(AgentChannels.Channel channel, AgentProtocol.Request request) {
        long launchToPickUp = request.launchMicros < 0 ? -1 : Math.max(0, channel.receivedMicros - request.launchMicros);
        Timings timings = new Timings(channel.receivedNanos, launchToPickUp);
        if (request.launchMicros >= 0 && request.sentMicros >= request.launchMicros) {
            timings.markBeforeMain("launcher", request.sentMicros - request.launchMicros);
            timings.markBeforeMain("handOver", Math.max(0, channel.receivedMicros - request.sentMicros));
        }
        return timings;
    }

    private static String launcherTimes(AgentChannels.Channel channel, AgentProtocol.Request request) {
        if (request.launchMicros < 0 || request.sentMicros < request.launchMicros) {
            return " (the launcher has no clock)";
        }
        return " (launcher " + (request.sentMicros - request.launchMicros) + " µs, hand-over "
                + Math.max(0, channel.receivedMicros - request.sentMicros) + " µs)";
    }

    /** One line to the agent's --log-file, or to stderr (systemd's journal) without one. */
    @Override
    public synchronized void line(String text) {
        String line = RunLog.format(LocalDateTime.ofInstant(Instant.now(), ZoneId.systemDefault())) + " vipctl-agent["
                + ProcessHandle.current().pid() + "] " + text;
        if (settings.logFile == null) {
            System.err.println(line);
            return;
        }
        try {
            Files.writeString(settings.logFile, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println(line + " (cannot append to --log-file " + settings.logFile + ": " + IoErrors.describe(e) + ")");
        }
        if (!settings.quiet && text.startsWith("agent ")) {
            out.println(line);
        }
    }

    /** At most {@link #PROBLEM_LINES_PER_MINUTE} a minute; then one line says how many were left out. */
    @Override
    public synchronized void problem(String text) {
        long minute = System.nanoTime() / TimeUnit.MINUTES.toNanos(1);
        if (minute != problemMinute) {
            if (problemLinesSuppressed > 0) {
                line(problemLinesSuppressed + " more line(s) about bad or abandoned requests left out in the last minute");
            }
            problemMinute = minute;
            problemLines = 0;
            problemLinesSuppressed = 0;
        }
        if (problemLines++ < PROBLEM_LINES_PER_MINUTE) {
            line(text);
        } else {
            problemLinesSuppressed++;
        }
    }
}
