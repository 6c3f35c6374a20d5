package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
