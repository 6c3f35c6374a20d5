package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged launcher on the JDKs it must run on. */
class LauncherTest {
    private static final Path JDK_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    @Test
    void versionAndHelpRunOnTheDefaultJava() {
        Launcher.assertPackaged();
        Shell.Result version = Launcher.runWith(List.of(), "--version");
        assertEquals(0, version.exitCode, Launcher.describe(version));
        assertTrue(version.stdout.startsWith("vipctl 0."), version.stdout);
        assertEquals("", version.stderr);
    }

    /**
     * The launcher leaves its working directory to find its installation and comes back through a descriptor: a caller
     * whose directory it could not reach by name (below a root-only directory) still runs there, a relative --config is
     * read where the caller is, and a removed directory, where no JVM can start, is named.
     */
    @Test
    void theCallersWorkingDirectoryIsKeptOrNamed(@TempDir Path dir) throws Exception {
        Launcher.assertPackaged();
        Root.assumeRoot();
        Path open = Files.createDirectories(dir.resolve("private/open"));
        Files.setPosixFilePermissions(dir.resolve("private"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        Shell.Result unreachable = Shell.run(List.of("env", "-C", open.toString(), "setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", Launcher.PATH.toString(), "--version"));
        assertEquals(0, unreachable.exitCode, Launcher.describe(unreachable));
        assertTrue(unreachable.stdout.startsWith("vipctl 0."), unreachable.stdout);

        Files.writeString(open.resolve("relative.properties"), "no-such-key=1\n");
        Shell.Result config = Shell.run(List.of("env", "-C", open.toString(), Launcher.PATH.toString(), "status", "--config",
                "relative.properties"));
        assertEquals(2, config.exitCode, Launcher.describe(config));
        assertTrue(config.stderr.contains("no-such-key"), "read from the caller's directory: " + config.stderr);

        Shell.Result removed = Shell.run(List.of("bash", "-c", "mkdir \"$1\" && cd \"$1\" && rmdir \"$1\" && exec \"$2\" --version",
                "-", dir.resolve("removed").toString(), Launcher.PATH.toString()));
        assertEquals(2, removed.exitCode, Launcher.describe(removed));
        assertTrue(removed.stderr.contains("the working directory no longer exists"), removed.stderr);
    }

    @Test
    void aJavaHomeWithoutJavaIsNamed() {
        Launcher.assertPackaged();
        Shell.Result result = Launcher.runWith(List.of("env", "JAVA_HOME=/nonexistent/jdk"), "--version");
        assertEquals(2, result.exitCode, Launcher.describe(result));
        assertTrue(result.stderr.contains("JAVA_HOME is /nonexistent/jdk"), result.stderr);
    }

    @Test
    void noJavaAtAllIsNamed() {
        Launcher.assertPackaged();
        Shell.Result result = Launcher.runWith(List.of("env", "-i", "PATH=/nonexistent", "/bin/bash"), "--version");
        assertEquals(2, result.exitCode, Launcher.describe(result));
        assertTrue(result.stderr.contains("no Java found: set JAVA_HOME"), result.stderr);
    }

    @Test
    void upAndDownRunOnJdk25WithoutWarnings() {
        Assumptions.assumeTrue(Files.isExecutable(JDK_25.resolve("bin/java")), "skipped: no JDK 25 at " + JDK_25);
        Root.assumeRoot();
        Launcher.assertPackaged();
        try (NamespaceLab lab = NamespaceLab.create()) {
            String vip = NamespaceLab.VIP_WITH_PREFIX;
            for (String command : new String[] {"up", "down"}) {
                List<String> args = command.equals("up")
                        ? List.of(command, "--interface", "eth0", "--vip", vip, "--garp-count", "1")
                        : List.of(command, "--interface", "eth0", "--vip", vip);
                Shell.Result result = Shell.run(lab.hostA().command(concat(List.of("env", "JAVA_HOME=" + JDK_25, Launcher.PATH.toString()), args)));
                assertEquals(0, result.exitCode, Launcher.describe(result));
                assertEquals("", result.stderr, "nothing on stderr (no JVM or JNA warnings)");
            }
        }
    }

    /** Built at package time (CI runs as root): vipctl's own classes then come out of the archive, not the jars. */
    @Test
    void theBuildJdksStartUpCacheIsBuiltAndUsed() {
        Root.assumeRoot();
        Launcher.assertPackaged();
        assertClassesComeFromTheCache(List.of(), "-Xshare:on");
    }

    @Test
    void vipctlCacheBuildsAnAotCacheForJdk25ThatIsUsed() {
        Assumptions.assumeTrue(Files.isExecutable(JDK_25.resolve("bin/java")), "skipped: no JDK 25 at " + JDK_25);
        Root.assumeRoot();
        Launcher.assertPackaged();
        List<String> jdk25 = List.of("env", "JAVA_HOME=" + JDK_25);
        Shell.Result cache = Launcher.runWith(jdk25, "cache");
        assertEquals(0, cache.exitCode, Launcher.describe(cache));
        assertTrue(cache.stdout.matches("vipctl: start-up cache for Java 25[^\\n]*\\.aot\\n"), cache.stdout);
        assertClassesComeFromTheCache(jdk25, "-XX:AOTMode=on");
    }

    /** The bounds of a one-shot command's JVM (README: Memory), as the JVM took them: its final flags, on each JDK. */
    @Test
    void aNewUpProcessRunsInABoundedJvm() {
        Root.assumeRoot();
        Launcher.assertPackaged();
        List<List<String>> javas = new ArrayList<>(List.of(List.of()));
        if (Files.isExecutable(JDK_25.resolve("bin/java"))) {
            javas.add(List.of("JAVA_HOME=" + JDK_25));
        }
        try (NamespaceLab lab = NamespaceLab.create()) {
            for (List<String> java : javas) {
                List<String> command = new ArrayList<>(List.of("env", "VIPCTL_NO_AGENT=1", "VIPCTL_JAVA_OPTS=-XX:+PrintFlagsFinal"));
                command.addAll(java);
                command.addAll(List.of(Launcher.PATH.toString(), "up", "--interface", "eth0", "--vip", NamespaceLab.VIP_WITH_PREFIX,
                        "--garp-count", "1", "--probe-wait-ms", "0"));
                Shell.Result result = Shell.run(lab.hostA().command(command.toArray(new String[0])));
                assertEquals(0, result.exitCode, Launcher.describe(result));
                assertEquals(96L << 20, finalFlag(result.stdout, "MaxHeapSize"), java.toString());
                assertEquals(512, finalFlag(result.stdout, "ThreadStackSize"), java + ": -Xss in KB");
                assertEquals(48L << 20, finalFlag(result.stdout, "MaxMetaspaceSize"), java.toString());
                assertEquals(16L << 20, finalFlag(result.stdout, "ReservedCodeCacheSize"), java.toString());
            }
        }
    }

    /** A flag's value in -XX:+PrintFlagsFinal's table. */
    private static long finalFlag(String flags, String name) {
        Matcher value = Pattern.compile("\\s" + name + "\\s+= (\\d+)\\s").matcher(flags);
        assertTrue(value.find(), name + " in the final flags:\n" + flags);
        return Long.parseLong(value.group(1));
    }

    /** {@code strict} makes a cache that cannot be mapped an error instead of a silent slow start. */
    private static void assertClassesComeFromTheCache(List<String> environment, String strict) {
        List<String> prefix = new java.util.ArrayList<>(List.of("env", "VIPCTL_JAVA_OPTS=" + strict + " -Xlog:class+load=info:stdout"));
        prefix.addAll(environment.isEmpty() ? List.of() : environment.subList(1, environment.size()));
        Shell.Result version = Launcher.runWith(prefix, "--version");
        assertEquals(0, version.exitCode, Launcher.describe(version));
        assertTrue(version.stdout.contains("dev.vipctl.agent.cli.Main source: shared objects file"),
                "Main loaded from the cache:\n" + version.stdout.lines().filter(line -> line.contains("dev.vipctl")).findFirst().orElse(""));
    }

    private static String[] concat(List<String> first, List<String> second) {
        String[] all = new String[first.size() + second.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i < first.size() ? first.get(i) : second.get(i - first.size());
        }
        return all;
    }
}
