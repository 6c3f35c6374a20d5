package dev.vipctl.agent.cli;

import dev.vipctl.agent.Doctor;
import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.Host;
import dev.vipctl.agent.Outcome;
import dev.vipctl.agent.Platforms;
import dev.vipctl.agent.TakeoverEngine;
import dev.vipctl.agent.TakeoverException;
import dev.vipctl.agent.ThisOs;
import dev.vipctl.agent.VipLock;
import dev.vipctl.agent.Timings;
import dev.vipctl.agent.arp.ArpChecks;
import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.Claimant;
import dev.vipctl.agent.arp.ReleaseCheck;
import dev.vipctl.lab.Bench;
import dev.vipctl.lab.Demo;
import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.posix.LibC;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The {@code vipctl} command: a thin shell that parses, runs one engine operation, and reports. */
public final class Main {
    /** Set by the launcher: bash's $EPOCHREALTIME as digits, i.e. µs since the epoch when the launcher started. */
    static final String LAUNCH_MICROS_PROPERTY = "vipctl.launchMicros";


    /** Who ran the command, for the JSON's {@code servedBy} and the log: a process of its own, or the resident agent. */
    static final String SERVED_BY_PROCESS = "process";
    static final String SERVED_BY_AGENT = "agent";

    private final PrintStream out;
    private final PrintStream err;
    private final String servedBy;
    private final Host host;

    Main(PrintStream out, PrintStream err) {
        this(out, err, SERVED_BY_PROCESS, Platforms.THIS_HOST);
    }

    /** @param host where the network configuration and the ARP links come from: this host, or the agent's warm-up's dry run */
    Main(PrintStream out, PrintStream err, String servedBy, Host host) {
        this.out = out;
        this.err = err;
        this.servedBy = servedBy;
        this.host = host;
    }

    public static void main(String[] args) {
        long mainNanos = System.nanoTime();
        loadNativeBindingsInTheBackground();
        // UTF-8 whatever the locale: JSON is UTF-8, and a POSIX locale would turn "µs" and non-ASCII labels into '?'.
        System.setOut(new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)), false, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        int code = new Main(System.out, System.err).run(args, new Timings(mainNanos, launchToMainMicros()));
        System.out.flush();
        System.exit(code);
    }

    /**
     * JNA's start-up (its native library, then libc's bindings: about 25 ms in a cold JVM) on the second core while
     * this thread parses the command line and takes the lock; the first native call then finds it done. A daemon
     * thread: a command that needs no native call exits without waiting for it. On Windows only JNA itself: vipctl
     * calls no C library there.
     */
    private static void loadNativeBindingsInTheBackground() {
        Thread loader = new Thread("vipctl-load-native") {
            @Override
            public void run() {
                try {
                    Class.forName(ThisOs.isWindows() ? "com.sun.jna.Native" : LibC.class.getName());
                } catch (ClassNotFoundException | LinkageError e) {
                    // The first native call fails the same way on the main thread and reports it there.
                }
            }
        };
        loader.setDaemon(true);
        loader.start();
    }

    private static long launchToMainMicros() {
        String launch = System.getProperty(LAUNCH_MICROS_PROPERTY, "");
        if (launch.isEmpty()) {
            return -1;
        }
        Instant now = Instant.now();
        try {
            return Math.max(0, now.getEpochSecond() * 1_000_000 + now.getNano() / 1000 - Long.parseLong(launch));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    int run(String[] args, Timings timings) {
        Settings settings;
        try {
            settings = Settings.parse(args);
        } catch (TakeoverException e) {
            return badInput(args, e);
        }
        return run(settings, args, timings);
    }

    /** Reports a command line that did not parse (as JSON too, when it asked for it); returns the exit code. */
    int badInput(String[] args, TakeoverException e) {
        err.println("vipctl: " + e.getMessage());
        err.println("Try 'vipctl --help'.");
        if (Arrays.asList(args).contains("--" + Settings.JSON)) {
            out.println(Json.write(errorJson(Settings.commandWordIn(args), e)));
        }
        return e.exitCode().code();
    }

    /** Reports a request refused before it ran, as bad input; returns the exit code. */
    int refuse(String why) {
        err.println("vipctl: " + why);
        return ExitCode.BAD_INPUT.code();
    }

    /** Runs a parsed command line; {@code args} only for the bench's record of it. */
    int run(Settings settings, String[] args, Timings timings) {
        RunLog log = new RunLog();
        if (settings.help) {
            printHelp();
            return ExitCode.OK.code();
        }
        if (settings.version) {
            out.println("vipctl " + version());
            return ExitCode.OK.code();
        }
        if (settings.command == Settings.Command.DEMO) {
            return Demo.run(out, err);
        }
        if (settings.command == Settings.Command.BENCH) {
            settings.bench.commandLine = "vipctl " + String.join(" ", args);
            return Bench.run(settings.bench, out, err);
        }
        if (settings.command == Settings.Command.DOCTOR) {
            return doctor(settings, log);
        }
        if (settings.command == Settings.Command.AGENT) {
            if (ThisOs.isWindows()) {
                err.println("vipctl agent: the resident agent runs on Linux only; on Windows 'up' and 'down' run in a process of their own");
                return ExitCode.UNSUPPORTED_OS.code();
            }
            return ResidentAgent.run(settings, out, err);
        }
        timings.mark("validate");
        String invocation = settings.command.word() + " " + settings.interfaceName + " " + settings.vip
                + (settings.label == null ? "" : " label " + settings.label);

        Outcome outcome = new Outcome();
        Thread logOnSignal = settings.logFile == null ? null : logOnSignal(settings, log, invocation, outcome);
        ExitCode exitCode;
        String message;
        VipLock lock = null;
        try {
            checkPrivileges(settings);
            if (settings.command == Settings.Command.UP || settings.command == Settings.Command.DOWN) {
                lock = VipLock.acquire(settings.lockDirectory, settings.vip.address(), settings.lockTimeoutMillis);
                timings.mark("lock");
            }
            // Noted once the lock is held, so that a shared log's times follow its order.
            log.note(invocation + ": start" + (servedBy.equals(SERVED_BY_AGENT) ? " in the resident agent" : "")
                    + (lock != null && lock.waitedMicros() > 0 ? " (waited " + millis(lock.waitedMicros()) + " for another vipctl on this VIP)" : ""));
            execute(settings, outcome, timings);
            exitCode = outcome.exitCode();
            message = exitCode == ExitCode.OK ? success(settings, outcome, timings) : outcome.message();
        } catch (TakeoverException e) {
            exitCode = e.exitCode();
            message = e.getMessage();
        } catch (RuntimeException e) {
            exitCode = ExitCode.INTERNAL_ERROR;
            message = "internal error: " + e;
        }
        try {
            Map<String, Long> micros = timings.finish();
            noteWire(log, outcome);
            for (String warning : outcome.warnings()) {
                log.note("warning: " + warning);
            }
            log.note(invocation + ": " + (exitCode == ExitCode.OK ? "OK" : exitCode.name()) + " (exit " + exitCode.code() + "): "
                    + message + "; µs " + micros);
            report(settings, outcome, exitCode, message, micros);
            appendLog(settings, log);
        } finally {
            // Released after the log is written, so that the log's order is the order in which the VIP changed.
            if (lock != null) {
                lock.close();
            }
            if (logOnSignal != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(logOnSignal);
                } catch (IllegalStateException shuttingDown) {
                    // A signal came after the log was written: the hook finds it written and adds nothing.
                }
            }
        }
        return exitCode.code();
    }

    /**
     * A Management Layer stops a helper that overruns with SIGTERM: the log then still gets the run's lines, and what
     * it had changed by then. (SIGKILL leaves no chance; the state is still whole, see the README.)
     */
    private Thread logOnSignal(Settings settings, RunLog log, String invocation, Outcome outcome) {
        Thread hook = new Thread("vipctl-log-on-signal") {
            @Override
            public void run() {
                String changes;
                try {
                    changes = outcome.changed() ? String.join(", ", new ArrayList<>(outcome.actions())) : "none";
                } catch (ConcurrentModificationException changing) {
                    changes = "being made at that moment";
                }
                log.note(invocation + ": stopped by a signal before it finished; changes made: " + changes);
                appendLog(settings, log);
            }
        };
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /** Reports every check, the problems with their fixes; exits with the first failure's code. Changes nothing. */
    private int doctor(Settings settings, RunLog log) {
        List<Doctor.Finding> findings = Doctor.examine(settings.interfaceName, settings.lockDirectory);
        ExitCode exitCode = Doctor.exitCode(findings);
        int warnings = 0;
        int failures = 0;
        List<Object> json = new ArrayList<>();
        StringBuilder text = new StringBuilder("vipctl doctor, interface " + settings.interfaceName + ":\n");
        for (Doctor.Finding finding : findings) {
            warnings += finding.status() == Doctor.Status.WARN ? 1 : 0;
            failures += finding.status() == Doctor.Status.FAIL ? 1 : 0;
            text.append(String.format(Locale.ROOT, "  %-7s %-19s %s%n", finding.status(), finding.check(), finding.detail()));
            if (finding.fix() != null) {
                text.append(String.format(Locale.ROOT, "  %-27s fix: %s%n", "", finding.fix()));
            }
            log.note("doctor " + settings.interfaceName + ": " + finding.status() + " " + finding.check() + ": " + finding.detail()
                    + (finding.fix() == null ? "" : "; fix: " + finding.fix()));
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("check", finding.check());
            entry.put("status", finding.status().name().toLowerCase(Locale.ROOT));
            entry.put("detail", finding.detail());
            if (finding.fix() != null) {
                entry.put("fix", finding.fix());
            }
            json.add(entry);
        }
        String summary = failures + " failure(s), " + warnings + " warning(s)" + (failures == 0 ? "" : "; 'vipctl up' would stop with exit "
                + exitCode.code() + " (" + exitCode.name() + ")");
        if (settings.json) {
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("command", settings.command.word());
            report.put("outcome", failures == 0 ? "ok" : "error");
            report.put("exitCode", exitCode.code());
            report.put("exitName", exitCode.name());
            report.put("message", summary);
            report.put("interface", settings.interfaceName);
            report.put("findings", json);
            out.println(Json.write(report));
        } else if (!settings.quiet || failures > 0) {
            out.print(text.append(summary).append('\n'));
        }
        log.note("doctor " + settings.interfaceName + ": " + summary);
        appendLog(settings, log);
        return exitCode.code();
    }

    private void appendLog(Settings settings, RunLog log) {
        if (settings.logFile != null) {
            try {
                log.appendTo(settings.logFile);
            } catch (IOException e) {
                err.println("vipctl: warning: cannot append to --log-file " + settings.logFile + ": " + e.getMessage());
            }
        }
    }

    /** Before anything is touched: the privileges the command needs. */
    private static void checkPrivileges(Settings settings) throws TakeoverException {
        switch (settings.command) {
            case UP:
                Platforms.checkPrivileges(true, settings.profile.count() > 0 || settings.checks.probeWaitMillis() > 0);
                break;
            case DOWN:
                Platforms.checkPrivileges(true, false);
                break;
            case PROBE:
                Platforms.checkPrivileges(false, true);
                break;
            default:
                break;
        }
    }

    /** Start-up, then the one operation. */
    private void execute(Settings settings, Outcome outcome, Timings timings) throws TakeoverException {
        switch (settings.command) {
            case UP:
                TakeoverEngine.WirePlan plan = new TakeoverEngine.WirePlan(settings.vip.address(), settings.profile, settings.checks, host.arpLinks());
                try (TakeoverEngine engine = TakeoverEngine.start(host.open(), settings.interfaceName, plan)) {
                    timings.mark("startup");
                    // No label on Windows, which keeps none.
                    String label = settings.label == null ? "" : settings.label;
                    engine.up(new InterfaceAddress(settings.vip.address(), settings.vip.prefixLength(), label), outcome, timings);
                }
                break;
            case PROBE:
                TakeoverEngine.WirePlan probing = new TakeoverEngine.WirePlan(settings.vip.address(), AnnouncementProfile.SILENT, settings.checks, host.arpLinks());
                try (TakeoverEngine engine = TakeoverEngine.start(host.open(), settings.interfaceName, probing)) {
                    timings.mark("startup");
                    engine.probe(settings.vip.address(), outcome, timings);
                }
                break;
            case DOWN:
                try (TakeoverEngine engine = TakeoverEngine.start(host.open(), settings.interfaceName)) {
                    timings.mark("startup");
                    engine.down(settings.vip, settings.force, outcome, timings);
                }
                break;
            default:
                try (TakeoverEngine engine = TakeoverEngine.start(host.open(), settings.interfaceName)) {
                    timings.mark("startup");
                    engine.status(settings.vip, outcome);
                    timings.mark("inspect");
                }
        }
    }

    /** The release check and every other MAC seen claiming the VIP, one log line each. */
    private static void noteWire(RunLog log, Outcome outcome) {
        if (outcome.withoutCapture() != null) {
            log.note("without capture: " + outcome.withoutCapture() + "; vipctl sent no frame: it asked through SendARP, Windows'"
                    + " duplicate address detection announced the VIP, and nothing was probed or defended after the takeover");
        }
        if (outcome.releaseCheck() != null) {
            log.note("release check: " + outcome.releaseCheck().describe());
        }
        for (Claimant claimant : outcome.claimants()) {
            log.note("claimed by " + claimant.mac() + " " + millis(outcome.claimedAfterTakeoverMicros(claimant)) + " after the takeover, "
                    + claimant.frames() + " frame(s), first: " + claimant.firstFrame());
        }
        if (outcome.defences() > 0) {
            log.note("defended with " + outcome.defences() + " fresh announcement(s)");
        }
    }

    private static String success(Settings settings, Outcome outcome, Timings timings) {
        String changes = outcome.changed() ? String.join(", ", outcome.actions()) : "no change";
        switch (settings.command) {
            case UP:
                String announced = outcome.withoutCapture() != null ? "announced by Windows' duplicate address detection, vipctl"
                        + " sent 0 frames (" + outcome.withoutCapture() + ")"
                        : settings.profile.count() == 0 ? "no gratuitous ARP (--garp-count 0)"
                        : outcome.framesSent() + " gratuitous ARP frames (" + settings.profile.mode().word() + ")"
                        + (timings.knowsProcessStart() ? ", first " + millis(timings.micros().get("startToFirstGarp")) + " after start" : "");
                return describe(outcome.address()) + " is up on " + settings.interfaceName + " (" + changes + "; " + announced
                        + wireSummary(settings, outcome) + ")";
            case DOWN:
                return settings.vip + " is down on " + settings.interfaceName + " (" + (outcome.changed() ? changes
                        : outcome.found() == null ? "was not configured" : "not by this run: something else removed it meanwhile") + ")";
            case PROBE:
                return outcome.message();
            default:
                return describe(outcome.address()) + " is configured on " + settings.interfaceName;
        }
    }

    /** What the wire said around a successful 'up'. */
    private static String wireSummary(Settings settings, Outcome outcome) {
        if (outcome.releaseCheck() == null) {
            return "; no probing (--probe-wait-ms 0)";
        }
        StringBuilder text = new StringBuilder("; release check: ").append(outcome.releaseCheck().state().word())
                .append(outcome.withoutCapture() != null ? " (SendARP); not probed after the takeover (no capture)"
                        : "; on the wire only this host answers");
        ArpChecks.PeerAnswer peer = outcome.peerAnswer();
        if (peer != null) {
            text.append("; peer ").append(settings.checks.verifyPeer()).append(" (").append(peer.mac()).append(") answered in ")
                    .append(millis(peer.replyNanos() / 1000));
        }
        if (settings.checks.defendMillis() > 0) {
            text.append("; defended ").append(settings.checks.defendMillis()).append(" ms, no claims");
        }
        return text.toString();
    }

    private static String describe(InterfaceAddress address) {
        StringBuilder text = new StringBuilder(address.address() + "/" + address.prefixLength());
        text.append(address.label().isEmpty() ? ", no label" : ", label " + address.label());
        if (!address.flags().isEmpty()) {
            text.append(", flags ").append(String.join(" ", flagWords(address)));
        }
        return text.toString();
    }

    private static List<String> flagWords(InterfaceAddress address) {
        List<String> words = new ArrayList<>();
        for (AddressFlag flag : address.flags()) {
            words.add(flag.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        return words;
    }

    private static String millis(long micros) {
        return String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
    }

    private void report(Settings settings, Outcome outcome, ExitCode exitCode, String message, Map<String, Long> micros) {
        if (settings.json) {
            out.println(Json.write(json(settings, outcome, exitCode, message, micros)));
        } else if (exitCode == ExitCode.OK || exitCode == ExitCode.NOT_CONFIGURED) {
            if (!settings.quiet) {
                out.println(message);
            }
        }
        for (String warning : outcome.warnings()) {
            err.println("vipctl: warning: " + warning);
        }
        if (exitCode != ExitCode.OK && exitCode != ExitCode.NOT_CONFIGURED) {
            err.println("vipctl " + settings.command.word() + ": " + message);
        }
    }

    private Map<String, Object> json(Settings settings, Outcome outcome, ExitCode exitCode, String message, Map<String, Long> micros) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", settings.command.word());
        json.put("servedBy", servedBy);
        json.put("outcome", outcomeWord(exitCode));
        json.put("exitCode", exitCode.code());
        json.put("exitName", exitCode.name());
        json.put("message", message);
        json.put("interface", settings.interfaceName);
        json.put("vip", settings.vip.toString());
        if (settings.label != null) {
            json.put("label", settings.label);
        }
        json.put("changed", outcome.changed());
        json.put("actions", outcome.actions());
        InterfaceAddress address = outcome.address();
        if (address != null) {
            Map<String, Object> configured = new LinkedHashMap<>();
            configured.put("address", address.address().toString());
            configured.put("prefix", address.prefixLength());
            configured.put("label", address.label());
            configured.put("flags", flagWords(address));
            json.put("configured", configured);
        }
        if (settings.profile != null) {
            Map<String, Object> announcement = new LinkedHashMap<>();
            announcement.put("mode", settings.profile.mode().word());
            announcement.put("rounds", settings.profile.count());
            announcement.put("intervalMs", settings.profile.intervalMillis());
            announcement.put("framesSent", outcome.framesSent());
            if (settings.command == Settings.Command.UP) {
                announcement.put("announcedBy", outcome.withoutCapture() == null ? "vipctl" : "windows-dad");
            }
            json.put("announcement", announcement);
        }
        if (settings.checks != null) {
            json.put("wire", wireJson(settings, outcome));
        }
        if (settings.command == Settings.Command.PROBE) {
            List<Object> answers = new ArrayList<>();
            for (Map.Entry<MacAddress, Long> answer : outcome.probeAnswers().entrySet()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("mac", answer.getKey().toString());
                entry.put("replyMicros", answer.getValue() / 1000);
                answers.add(entry);
            }
            json.put("answers", answers);
        }
        json.put("warnings", outcome.warnings());
        json.put("timingsMicros", micros);
        return json;
    }

    /**
     * ok; not-configured; warning where the requested state was reached but the wire shows a problem (split brain, a
     * silent peer, no announcement), so that a consumer does not read "the VIP is not up"; error otherwise.
     */
    private static String outcomeWord(ExitCode exitCode) {
        switch (exitCode) {
            case OK:
                return "ok";
            case NOT_CONFIGURED:
                return "not-configured";
            case SPLIT_BRAIN:
            case PEER_SILENT:
            case NOT_ANNOUNCED:
                return "warning";
            default:
                return "error";
        }
    }

    private static Map<String, Object> wireJson(Settings settings, Outcome outcome) {
        Map<String, Object> wire = new LinkedHashMap<>();
        wire.put("probeWaitMs", settings.checks.probeWaitMillis());
        wire.put("askedThrough", outcome.withoutCapture() == null ? "frames" : "sendarp");
        if (outcome.withoutCapture() != null) {
            wire.put("withoutCapture", outcome.withoutCapture());
        }
        if (settings.command != Settings.Command.UP) {
            return wire;
        }
        wire.put("onConflict", settings.checks.onConflict().word());
        wire.put("releaseWaitMs", settings.checks.releaseWaitMillis());
        ReleaseCheck check = outcome.releaseCheck();
        if (check != null) {
            Map<String, Object> release = new LinkedHashMap<>();
            release.put("result", check.state().word());
            release.put("probes", check.probes());
            release.put("holders", Claimant.macs(check.holders()));
            wire.put("releaseCheck", release);
        }
        List<Object> claims = new ArrayList<>();
        for (Claimant claimant : outcome.claimants()) {
            Map<String, Object> claim = new LinkedHashMap<>();
            claim.put("mac", claimant.mac().toString());
            claim.put("afterTakeoverMicros", outcome.claimedAfterTakeoverMicros(claimant));
            claim.put("frames", claimant.frames());
            claim.put("firstFrame", claimant.firstFrame());
            claims.add(claim);
        }
        wire.put("claimedByOthers", claims);
        if (settings.checks.verifyPeer() != null) {
            Map<String, Object> peer = new LinkedHashMap<>();
            peer.put("address", settings.checks.verifyPeer().toString());
            ArpChecks.PeerAnswer answer = outcome.peerAnswer();
            peer.put("answered", answer != null);
            if (answer != null) {
                peer.put("mac", answer.mac().toString());
                peer.put("replyMicros", answer.replyNanos() / 1000);
            }
            wire.put("peer", peer);
        }
        wire.put("defendMs", settings.checks.defendMillis());
        wire.put("defences", outcome.defences());
        return wire;
    }

    private Map<String, Object> errorJson(String command, TakeoverException e) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", command);
        json.put("servedBy", servedBy);
        json.put("outcome", "error");
        json.put("exitCode", e.exitCode().code());
        json.put("exitName", e.exitCode().name());
        json.put("message", e.getMessage());
        json.put("changed", false);
        return json;
    }

    private void printHelp() {
        Usage.printHelp(new PrintWriter(out));
    }

    private static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version == null ? "(development build)" : version;
    }
}
