package dev.vipctl.agent.cli;

import dev.vipctl.agent.ExitCode;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one source of vipctl's usage text: {@code --help} prints it, {@link #manPage} renders it as the man page, and
 * the README's Usage block and exit-code table are checked against it by the tests.
 */
public final class Usage {
    /** Every command with its options, as the README's Usage block shows them. */
    public static final String SYNOPSIS = ""
            + "vipctl up     --interface IF --vip A.B.C.D/P [--label IF:tag] [--garp-count N] [--garp-interval-ms MS] [--garp-mode request|reply|both]\n"
            + "              [--on-conflict takeover|fail] [--probe-wait-ms MS] [--release-wait-ms MS] [--verify-peer A.B.C.D] [--defend-ms MS]\n"
            + "              [--lock-timeout-ms MS] [--lock-dir DIR]\n"
            + "vipctl down   --interface IF --vip A.B.C.D/P [--force] [--lock-timeout-ms MS] [--lock-dir DIR]\n"
            + "vipctl status --interface IF --vip A.B.C.D[/P]\n"
            + "vipctl probe  --interface IF --vip A.B.C.D [--probe-wait-ms MS]\n"
            + "vipctl doctor --interface IF [--lock-dir DIR]\n"
            + "vipctl agent  --interface IF [--agent-group GROUP] [--agent-dir DIR] [--log-file PATH] [--quiet]\n"
            + "vipctl cache                       (launcher: build this Java runtime's start-up cache)\n"
            + "vipctl demo\n"
            + "vipctl bench  --lab [--switchovers N] | --interface IF --vip A.B.C.D/P\n"
            + "              [--compare-shell] [--cycles N] [--runs N] [--json | --csv] [--report FILE.html]\n"
            + "vipctl bench  --lab --endurance N [--json | --csv] [--report FILE.html]\n"
            + "vipctl bench  --lab --scale N,N,... [--cycles N] [--json | --csv] [--report FILE.html]\n"
            + "common to up/down/status/probe/doctor: --json  --log-file PATH  --quiet  --config FILE      and: --help  --version\n";

    static final String DESCRIPTION = "Adds, removes or reports a virtual IP with native calls, announces it with gratuitous ARP,\n"
            + "and checks on the wire that no other host holds it.";

    /** Each command and what it does, in one line. */
    static final Map<String, String> COMMANDS = commands();

    private static Map<String, String> commands() {
        Map<String, String> commands = new LinkedHashMap<>();
        commands.put("up", "check that no other host holds the VIP, add it, verify it, announce it, probe again");
        commands.put("down", "remove exactly that address, verify it is gone");
        commands.put("status", "is it configured here (prefix, label, flags)?");
        commands.put("probe", "who answers for it on the segment right now (MACs, times)?");
        commands.put("doctor", "privileges, the ARP socket, the link, sysctls: what would stop up");
        commands.put("agent", "stay resident (Linux only): the launcher hands it up and down, no JVM start");
        commands.put("cache", "(launcher) build this Java runtime's start-up cache");
        commands.put("demo", "move a VIP between two hosts in a throwaway lab");
        commands.put("bench", "time up and down, the hand-over, the old ways, endurance and scale");
        return commands;
    }

    static final List<String> RULES = List.of(
            "'up' when already up and 'down' when already down succeed; 'up' still announces.",
            "'up' and 'down' on one VIP wait for each other (--lock-timeout-ms).",
            "'down' refuses the interface's own address (primary, unlabelled) unless --force.");

    static final String CONFIG_FILE = "a properties file with the long option names as keys, e.g. interface=eth0,"
            + " vip=198.51.100.100/24, label=eth0:1, garp-count=3, log-file=/var/log/vipctl.log; the command line wins.";

    /** The launcher's environment variables. */
    static final Map<String, String> ENVIRONMENT = environment();

    private static Map<String, String> environment() {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("JAVA_HOME", "the Java runtime to run on (else java from PATH), 11 or newer");
        environment.put("VIPCTL_NO_AGENT", "1: up and down always run in a process of their own, never through a resident agent");
        environment.put("VIPCTL_AGENT_DIR", "the resident agents' directory (default /run/vipctl/agent)");
        environment.put("VIPCTL_AGENT_USER", "the user (name or uid) whose resident agent root's launcher uses besides root's"
                + " (default vipctl, the Debian package's service)");
        environment.put("VIPCTL_JAVA_OPTS", "more JVM options");
        return environment;
    }

    private Usage() {
    }

    /** Writes the man page to {@code args[1]} for version {@code args[0]}: the build puts it into the distribution. */
    public static void main(String[] args) throws java.io.IOException {
        java.nio.file.Path file = java.nio.file.Path.of(args[1]);
        java.nio.file.Files.createDirectories(file.getParent());
        java.nio.file.Files.writeString(file, manPage(args[0]));
    }

    /** The text of {@code --help}. */
    @SuppressWarnings("deprecation") // see printOptions
    static void printHelp(PrintWriter out) {
        out.print("usage:\n" + SYNOPSIS + "\n" + DESCRIPTION + "\n\nCommands:\n");
        for (Map.Entry<String, String> command : COMMANDS.entrySet()) {
            out.printf("  %-7s %s%n", command.getKey(), command.getValue());
        }
        out.println();
        for (String rule : RULES) {
            out.println(rule);
        }
        out.println("\nOptions:");
        printOptions(out);
        out.print("\n" + ExitCode.table() + "\nConfig file (--config): " + CONFIG_FILE + "\n\nEnvironment:\n");
        for (Map.Entry<String, String> variable : ENVIRONMENT.entrySet()) {
            out.printf("  %-17s %s%n", variable.getKey(), variable.getValue());
        }
        out.flush();
    }

    /**
     * Commons CLI 1.10 deprecated this HelpFormatter for org.apache.commons.cli.help's, which prints the options as a
     * table with a "Since" column; the old one prints them as the README and operators know them.
     */
    @SuppressWarnings("deprecation")
    private static void printOptions(PrintWriter out) {
        new HelpFormatter().printOptions(out, 100, Settings.OPTIONS, 2, 2);
    }

    /** The man page, vipctl(1), in roff (man macros) from the same text. */
    public static String manPage(String version) {
        StringBuilder roff = new StringBuilder();
        roff.append(".TH VIPCTL 1 \"\" \"vipctl ").append(escape(version)).append("\" \"User Commands\"\n");
        roff.append(".SH NAME\nvipctl \\- move a virtual IP between the hosts of a high-availability pair, announce it, and verify"
                + " the takeover\n");
        roff.append(".SH SYNOPSIS\n.nf\n");
        for (String line : SYNOPSIS.split("\n")) {
            roff.append(escape(line)).append('\n');
        }
        roff.append(".fi\n.SH DESCRIPTION\n").append(escape(DESCRIPTION)).append('\n');
        for (String rule : RULES) {
            roff.append(".PP\n").append(escape(rule)).append('\n');
        }
        roff.append(".SH COMMANDS\n");
        for (Map.Entry<String, String> command : COMMANDS.entrySet()) {
            roff.append(".TP\n.B ").append(command.getKey()).append('\n').append(escape(command.getValue())).append('\n');
        }
        roff.append(".SH OPTIONS\n");
        List<Option> options = new ArrayList<>(Settings.OPTIONS.getOptions());
        options.sort(Comparator.comparing(Option::getLongOpt));
        for (Option option : options) {
            roff.append(".TP\n").append(optionNames(option)).append('\n').append(escape(option.getDescription())).append('\n');
        }
        roff.append(".SH EXIT STATUS\n");
        for (ExitCode exitCode : ExitCode.values()) {
            roff.append(".TP\n.B ").append(exitCode.code()).append('\n').append(escape(exitCode.meaning())).append('\n');
        }
        roff.append(".SH FILES\n.TP\n.I --config FILE\n").append(escape(CONFIG_FILE)).append('\n');
        roff.append(".SH ENVIRONMENT\n");
        for (Map.Entry<String, String> variable : ENVIRONMENT.entrySet()) {
            roff.append(".TP\n.B ").append(variable.getKey()).append('\n').append(escape(variable.getValue())).append('\n');
        }
        roff.append(".SH SEE ALSO\n.BR ip (8),\n.BR arping (8)\n");
        return roff.toString();
    }

    /** {@code \fB\-c\fR, \fB\-\-config\fR \fIFILE\fR} */
    private static String optionNames(Option option) {
        StringBuilder names = new StringBuilder();
        if (option.getOpt() != null && !option.getOpt().equals(option.getLongOpt())) {
            names.append("\\fB\\-").append(escape(option.getOpt())).append("\\fR, ");
        }
        names.append("\\fB\\-\\-").append(escape(option.getLongOpt())).append("\\fR");
        if (option.hasArg()) {
            names.append(" \\fI").append(escape(option.getArgName())).append("\\fR");
        }
        return names.toString();
    }

    /** Text as roff reads it literally: backslashes and hyphens escaped, no line starting as a request. */
    static String escape(String text) {
        String escaped = text.replace("\\", "\\e").replace("-", "\\-");
        return escaped.startsWith(".") || escaped.startsWith("'") ? "\\&" + escaped : escaped;
    }
}
