package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged launcher (agent/target/vipctl/bin/vipctl), run as a fresh process the way a Management Layer runs it. */
final class Launcher {
    static final Path PATH = Path.of(System.getProperty("vipctl.home", "../agent/target/vipctl"), "bin", "vipctl").toAbsolutePath();

    private Launcher() {
    }

    static void assertPackaged() {
        assertTrue(Files.isExecutable(PATH), PATH + " is missing: the agent module's package phase builds it");
    }

    /** Runs {@code vipctl args...} inside a lab host's namespace. */
    static Shell.Result run(NamespaceLab.Host host, String... args) {
        List<String> command = new ArrayList<>(List.of(PATH.toString()));
        command.addAll(List.of(args));
        return Shell.run(host.command(command.toArray(new String[0])));
    }

    /** Runs a command as given (for environment and user variations), with the launcher as its first word. */
    static Shell.Result runWith(List<String> prefix, String... args) {
        List<String> command = new ArrayList<>(prefix);
        command.add(PATH.toString());
        command.addAll(List.of(args));
        return Shell.run(command);
    }

    /** A number field of the launcher's one-line JSON, or -1 when absent. */
    static long jsonNumber(String json, String field) {
        Matcher matcher = Pattern.compile("\"" + Pattern.quote(field) + "\":(-?\\d+)").matcher(json);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
    }

    /** A string field of the launcher's one-line JSON, or null when absent. */
    static String jsonString(String json, String field) {
        Matcher matcher = Pattern.compile("\"" + Pattern.quote(field) + "\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        return matcher.find() ? matcher.group(1) : null;
    }

    static String describe(Shell.Result result) {
        return "exit " + result.exitCode + "\nstdout: " + result.stdout + "\nstderr: " + result.stderr;
    }
}
