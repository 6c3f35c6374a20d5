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

    private static String[] concat(List<String> first, List<String> second) {
        String[] all = new String[first.size() + second.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i < first.size() ? first.get(i) : second.get(i - first.size());
        }
        return all;
    }
}
