package dev.vipctl.agent.cli;

import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.TakeoverException;
import dev.vipctl.agent.Vip;
import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.GarpMode;
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
        UP, DOWN, STATUS, DEMO, BENCH;

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
    static final String CYCLES = "cycles";
    static final String RUNS = "runs";
    static final String HELP = "help";
    static final String VERSION = "version";

    /** Which options each command takes; a command-line option outside its set is an error, a config key is ignored. */
    private static final List<String> COMMON = List.of(JSON, LOG_FILE, QUIET, CONFIG);
    private static final List<String> UP_OPTIONS = List.of(INTERFACE, VIP, LABEL, GARP_COUNT, GARP_INTERVAL, GARP_MODE);
    private static final List<String> DOWN_STATUS_OPTIONS = List.of(INTERFACE, VIP);
    private static final List<String> BENCH_OPTIONS = List.of(CYCLES, RUNS);
    /** Keys a config file may not set: they describe the invocation itself. */
    private static final Set<String> COMMAND_LINE_ONLY = Set.of(CONFIG, HELP, VERSION);

    static final int DEFAULT_CYCLES = 1000;
    static final int DEFAULT_RUNS = 20;

    static final Options OPTIONS = new Options()
            .addOption(Option.builder("i").longOpt(INTERFACE).hasArg().argName("IF").desc("network interface, e.g. eth0").build())
            .addOption(Option.builder().longOpt(VIP).hasArg().argName("A.B.C.D[/P]")
                    .desc("the virtual IP; 'up' needs the prefix length, 'down' and 'status' take it to pick one of several").build())
            .addOption(Option.builder().longOpt(LABEL).hasArg().argName("IF:tag")
                    .desc("up: sub-interface label, at most 15 characters (default IF:1, like 'ifconfig eth0:1')").build())
            .addOption(Option.builder().longOpt(GARP_COUNT).hasArg().argName("N")
                    .desc("up: gratuitous ARP rounds, 0-100; 0 announces nothing (default " + AnnouncementProfile.DEFAULT.count() + ")").build())
            .addOption(Option.builder().longOpt(GARP_INTERVAL).hasArg().argName("MS")
                    .desc("up: pause between rounds, 0-10000 ms (default " + AnnouncementProfile.DEFAULT.intervalMillis() + ")").build())
            .addOption(Option.builder().longOpt(GARP_MODE).hasArg().argName("MODE")
                    .desc("up: request | reply | both: ARP Request, Reply (THA = own MAC), or one of each per round (default "
                            + AnnouncementProfile.DEFAULT.mode().name().toLowerCase(Locale.ROOT) + ")").build())
            .addOption(Option.builder().longOpt(JSON).desc("print one JSON object with the outcome and per-phase timings (µs) on stdout").build())
            .addOption(Option.builder().longOpt(LOG_FILE).hasArg().argName("PATH").desc("append timestamped lines about this run to PATH").build())
            .addOption(Option.builder("q").longOpt(QUIET).desc("print nothing on success (errors still go to stderr)").build())
            .addOption(Option.builder("c").longOpt(CONFIG).hasArg().argName("FILE")
                    .desc("read settings from a properties file; keys are the long option names (interface=eth0); the command line wins").build())
            .addOption(Option.builder().longOpt(CYCLES).hasArg().argName("N")
                    .desc("bench: in-process up/down cycles, 1-100000 (default " + DEFAULT_CYCLES + ")").build())
            .addOption(Option.builder().longOpt(RUNS).hasArg().argName("N")
                    .desc("bench: whole-process up/down runs of the launcher, 1-1000 (default " + DEFAULT_RUNS + ")").build())
            .addOption(Option.builder("h").longOpt(HELP).desc("print this help").build())
            .addOption(Option.builder().longOpt(VERSION).desc("print the version").build());

    final Command command;
    final boolean help;
    final boolean version;
    final String interfaceName;
    final Vip vip;
    final String label;
    final AnnouncementProfile profile;
    final boolean json;
    final boolean quiet;
    final Path logFile;
    final int cycles;
    final int runs;

    private Settings(Command command, boolean help, boolean version, String interfaceName, Vip vip, String label,
                     AnnouncementProfile profile, boolean json, boolean quiet, Path logFile) {
        this(command, help, version, interfaceName, vip, label, profile, json, quiet, logFile, 0, 0);
    }

    private Settings(Command command, boolean help, boolean version, String interfaceName, Vip vip, String label,
                     AnnouncementProfile profile, boolean json, boolean quiet, Path logFile, int cycles, int runs) {
        this.command = command;
        this.help = help;
        this.version = version;
        this.interfaceName = interfaceName;
        this.vip = vip;
        this.label = label;
        this.profile = profile;
        this.json = json;
        this.quiet = quiet;
        this.logFile = logFile;
        this.cycles = cycles;
        this.runs = runs;
    }

    /** Parses and validates; every problem is a {@link ExitCode#BAD_INPUT} with a message that says what to fix. */
    static Settings parse(String[] args) throws TakeoverException {
        CommandLine line;
        try {
            line = new DefaultParser().parse(OPTIONS, args);
        } catch (ParseException e) {
            throw bad(e.getMessage());
        }
        boolean help = line.hasOption(HELP);
        boolean version = line.hasOption(VERSION);
        List<String> words = line.getArgList();
        if (words.isEmpty()) {
            if (help || version) {
                return new Settings(null, help, version, null, null, null, null, false, false, null);
            }
            throw bad("no command given: use up, down, status, demo or bench (see --help)");
        }
        if (words.size() > 1) {
            throw bad("unexpected argument '" + words.get(1) + "' after the command '" + words.get(0) + "'");
        }
        Command command = command(words.get(0));
        if (help || version) {
            return new Settings(command, help, version, null, null, null, null, false, false, null);
        }
        List<String> allowed = allowedOptions(command);
        for (Option given : line.getOptions()) {
            if (!allowed.contains(given.getLongOpt())) {
                throw bad("--" + given.getLongOpt() + " does not apply to '" + command.word() + "'");
            }
        }
        Properties config = line.hasOption(CONFIG) ? loadConfig(Path.of(line.getOptionValue(CONFIG))) : new Properties();
        Values values = new Values(line, config);

        if (command == Command.DEMO) {
            return new Settings(command, false, false, null, null, null, null, false, false, null);
        }
        if (command == Command.BENCH) {
            try {
                return new Settings(command, false, false, null, null, null, null, false, false, null,
                        within(CYCLES, values.integer(CYCLES, DEFAULT_CYCLES), 100_000), within(RUNS, values.integer(RUNS, DEFAULT_RUNS), 1000));
            } catch (IllegalArgumentException e) {
                throw bad(e.getMessage());
            }
        }
        boolean json = values.flag(JSON);
        boolean quiet = values.flag(QUIET);
        String logText = values.get(LOG_FILE);
        Path logFile = logText == null ? null : checkLogFile(logText);

        String interfaceName = checkInterfaceName(values.require(INTERFACE, command));
        String vipText = values.require(VIP, command);
        Vip vip;
        try {
            vip = Vip.parse(vipText, command == Command.UP);
        } catch (IllegalArgumentException e) {
            throw bad("--vip " + e.getMessage());
        }
        if (command != Command.UP) {
            return new Settings(command, false, false, interfaceName, vip, null, null, json, quiet, logFile);
        }
        String label;
        AnnouncementProfile profile;
        try {
            String labelText = values.get(LABEL);
            label = labelText == null ? Vip.defaultLabel(interfaceName) : Vip.checkLabel(labelText, interfaceName);
            AnnouncementProfile defaults = AnnouncementProfile.DEFAULT;
            profile = new AnnouncementProfile(
                    values.integer(GARP_COUNT, defaults.count()),
                    values.integer(GARP_INTERVAL, defaults.intervalMillis()),
                    values.has(GARP_MODE) ? GarpMode.parse(values.get(GARP_MODE)) : defaults.mode());
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        return new Settings(command, false, false, interfaceName, vip, label, profile, json, quiet, logFile);
    }

    private static int within(String key, int value, int max) {
        if (value < 1 || value > max) {
            throw new IllegalArgumentException("--" + key + " " + value + " is outside 1-" + max);
        }
        return value;
    }

    private static Command command(String word) throws TakeoverException {
        for (Command command : Command.values()) {
            if (command.word().equals(word)) {
                return command;
            }
        }
        throw bad("unknown command '" + word + "': use up, down, status, demo or bench (see --help)");
    }

    private static List<String> allowedOptions(Command command) {
        List<String> allowed = new ArrayList<>();
        switch (command) {
            case UP:
                allowed.addAll(UP_OPTIONS);
                allowed.addAll(COMMON);
                break;
            case DOWN:
            case STATUS:
                allowed.addAll(DOWN_STATUS_OPTIONS);
                allowed.addAll(COMMON);
                break;
            case BENCH:
                allowed.addAll(BENCH_OPTIONS);
                break;
            default:
                break;
        }
        return allowed;
    }

    /** Linux interface names: 1-15 characters (IFNAMSIZ 16 with the NUL), no '/', ':' or white space (net/core/dev.c dev_valid_name). */
    static String checkInterfaceName(String name) throws TakeoverException {
        if (name.isEmpty() || name.length() > 15 || ".".equals(name) || "..".equals(name)
                || hasForbiddenCharacter(name)) {
            throw bad("--interface '" + name + "' is not an interface name (1-15 characters, no '/', ':' or spaces;"
                    + " a VIP's label like eth0:1 goes in --label)");
        }
        return name;
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
        Path path = Path.of(text);
        if (Files.isDirectory(path)) {
            throw bad("--log-file " + text + " is a directory; name a file in it");
        }
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw bad("--log-file " + text + ": directory " + parent + " does not exist");
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

        int integer(String key, int defaultValue) {
            String value = get(key);
            if (value == null) {
                return defaultValue;
            }
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + key + " '" + value + "' is not a whole number");
            }
        }
    }
}
