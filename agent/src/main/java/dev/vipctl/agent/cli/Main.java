package dev.vipctl.agent.cli;

import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.Outcome;
import dev.vipctl.agent.Platforms;
import dev.vipctl.agent.TakeoverEngine;
import dev.vipctl.agent.TakeoverException;
import dev.vipctl.agent.Timings;
import dev.vipctl.agent.arp.FrameSender;
import dev.vipctl.agent.arp.PcapArpLink;
import dev.vipctl.lab.Bench;
import dev.vipctl.lab.Demo;
import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import org.apache.commons.cli.HelpFormatter;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The {@code vipctl} command: a thin shell that parses, runs one engine operation, and reports. */
public final class Main {
    /** Set by the launcher: bash's $EPOCHREALTIME as digits, i.e. µs since the epoch when the launcher started. */
    static final String LAUNCH_MICROS_PROPERTY = "vipctl.launchMicros";

    /** An anonymous class, not a method reference: no lambda bootstrap on the path to the first frame. */
    private static final TakeoverEngine.FrameSenderOpener PCAP = new TakeoverEngine.FrameSenderOpener() {
        @Override
        public FrameSender open(String interfaceName) throws IOException {
            return PcapArpLink.open(interfaceName);
        }
    };

    private final PrintStream out;
    private final PrintStream err;

    Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        long mainNanos = System.nanoTime();
        int code = new Main(System.out, System.err).run(args, new Timings(mainNanos, launchToMainMicros()));
        System.out.flush();
        System.exit(code);
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
        RunLog log = new RunLog();
        Settings settings;
        try {
            settings = Settings.parse(args);
        } catch (TakeoverException e) {
            err.println("vipctl: " + e.getMessage());
            err.println("Try 'vipctl --help'.");
            if (Arrays.asList(args).contains("--" + Settings.JSON)) {
                out.println(Json.write(errorJson(args.length > 0 ? args[0] : "", e)));
            }
            return e.exitCode().code();
        }
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
            return Bench.run(settings.cycles, settings.runs, out, err);
        }
        timings.mark("validate");
        String invocation = settings.command.name().toLowerCase(Locale.ROOT) + " " + settings.interfaceName + " " + settings.vip
                + (settings.label == null ? "" : " label " + settings.label);
        log.note(invocation + ": start");

        Outcome outcome = new Outcome();
        ExitCode exitCode;
        String message;
        try {
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
        Map<String, Long> micros = timings.finish();

        for (String warning : outcome.warnings()) {
            log.note("warning: " + warning);
        }
        log.note(invocation + ": " + (exitCode == ExitCode.OK ? "OK" : exitCode.name()) + " (exit " + exitCode.code() + "): "
                + message + "; µs " + micros);
        report(settings, outcome, exitCode, message, micros);
        if (settings.logFile != null) {
            try {
                log.appendTo(settings.logFile);
            } catch (IOException e) {
                err.println("vipctl: warning: cannot append to --log-file " + settings.logFile + ": " + e.getMessage());
            }
        }
        return exitCode.code();
    }

    /** Privileges first, then start-up, then the one operation: nothing is changed before all checks passed. */
    private static void execute(Settings settings, Outcome outcome, Timings timings) throws TakeoverException {
        boolean up = settings.command == Settings.Command.UP;
        if (settings.command != Settings.Command.STATUS) {
            Platforms.checkPrivileges(up && settings.profile.count() > 0);
        }
        TakeoverEngine.AnnouncePlan plan = up ? new TakeoverEngine.AnnouncePlan(settings.vip, settings.profile, PCAP) : null;
        try (TakeoverEngine engine = TakeoverEngine.start(Platforms.open(), settings.interfaceName, plan)) {
            timings.mark("startup");
            switch (settings.command) {
                case UP:
                    engine.up(new InterfaceAddress(settings.vip.address(), settings.vip.prefixLength(), settings.label), outcome, timings);
                    break;
                case DOWN:
                    engine.down(settings.vip, outcome, timings);
                    break;
                default:
                    engine.status(settings.vip, outcome);
                    timings.mark("inspect");
            }
        }
    }

    private static String success(Settings settings, Outcome outcome, Timings timings) {
        String changes = outcome.changed() ? String.join(", ", outcome.actions()) : "no change";
        switch (settings.command) {
            case UP:
                String announced = settings.profile.count() == 0 ? "no gratuitous ARP (--garp-count 0)"
                        : outcome.framesSent() + " gratuitous ARP frames (" + settings.profile.mode().word() + ")"
                        + (timings.knowsProcessStart() ? ", first " + millis(timings.micros().get("startToFirstGarp")) + " after start" : "");
                return describe(outcome.address()) + " is up on " + settings.interfaceName + " (" + changes + "; " + announced + ")";
            case DOWN:
                return settings.vip + " is down on " + settings.interfaceName + " (" + (outcome.changed() ? changes : "was not configured") + ")";
            default:
                return describe(outcome.address()) + " is configured on " + settings.interfaceName;
        }
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
            err.println("vipctl " + settings.command.name().toLowerCase(Locale.ROOT) + ": " + message);
        }
    }

    private static Map<String, Object> json(Settings settings, Outcome outcome, ExitCode exitCode, String message, Map<String, Long> micros) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", settings.command.name().toLowerCase(Locale.ROOT));
        json.put("outcome", exitCode == ExitCode.OK ? "ok" : exitCode == ExitCode.NOT_CONFIGURED ? "not-configured" : "error");
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
            json.put("announcement", announcement);
        }
        json.put("warnings", outcome.warnings());
        json.put("timingsMicros", micros);
        return json;
    }

    private static Map<String, Object> errorJson(String command, TakeoverException e) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", command);
        json.put("outcome", "error");
        json.put("exitCode", e.exitCode().code());
        json.put("exitName", e.exitCode().name());
        json.put("message", e.getMessage());
        json.put("changed", false);
        return json;
    }

    private void printHelp() {
        String header = "\nAdds, removes or reports a virtual IP with native calls, and announces it with gratuitous ARP.\n"
                + "Commands:\n"
                + "  up     --interface IF --vip A.B.C.D/P [--label IF:tag]  add, verify, announce\n"
                + "  down   --interface IF --vip A.B.C.D[/P]   remove exactly that address, verify it is gone\n"
                + "  status --interface IF --vip A.B.C.D[/P]   is it configured here (prefix, label, flags)?\n"
                + "  demo                                      move a VIP between two hosts in a throwaway lab\n"
                + "  bench  [--cycles N] [--runs N]            time up/down in a throwaway lab\n"
                + "'up' when already up and 'down' when already down succeed; 'up' still announces.\n"
                + "'down' refuses the interface's own address (primary, unlabelled).\n\nOptions:\n";
        String footer = "\n" + ExitCode.table() + "\nConfig file (--config): a properties file with the long option names as keys,\n"
                + "e.g. interface=eth0, vip=198.51.100.100/24, label=eth0:1, garp-count=3, log-file=/var/log/vipctl.log.\n";
        PrintWriter writer = new PrintWriter(out);
        new HelpFormatter().printHelp(writer, 100, "vipctl up|down|status|demo|bench [options]", header, Settings.OPTIONS, 2, 2, footer, false);
        writer.flush();
    }

    private static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version == null ? "(development build)" : version;
    }
}
