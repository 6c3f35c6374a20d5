package dev.vipctl.tests;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged bin\vipctl.cmd, read rather than run: no cmd.exe runs here (Debian has none; wine is too large for CI).
 * It is held to bin/vipctl's options, so that the two cannot drift, and to the rules that make a batch file pass its
 * arguments and the JVM's exit code through unchanged.
 */
class WindowsLauncherTest {
    private static final Path BIN = Launcher.PATH.getParent();
    /** -X options whole (up to a variable's value), -D properties by name, and --enable-native-access. */
    private static final Pattern JVM_OPTION = Pattern.compile("(?<![\\w-])(-X[^\\s\"')$%]+|-D[A-Za-z][\\w.]*|--enable-native-access=[\\w-]+)");
    /**
     * bin/vipctl's options that bin\vipctl.cmd leaves out, each for a reason of its OS: JNA runs ldconfig only on Linux;
     * cmd.exe has no µs clock like bash's $EPOCHREALTIME; the resident agent's heap, and the start-up cache's
     * training and use, are Linux-only (docs/windows.md#the-launcher).
     */
    private static final Set<String> LINUX_ONLY = Set.of("-Djna.platform.library.path", "-Dvipctl.launchMicros", "-Xms16m", "-Xmx64m",
            "-XX:AOTCacheOutput=", "-XX:DumpLoadedClassList=", "-Xshare:dump", "-XX:SharedClassListFile=", "-XX:SharedArchiveFile=",
            "-XX:AOTCache=");

    private static byte[] cmdBytes;
    private static List<String> cmd;
    private static List<String> bash;

    @BeforeAll
    static void read() throws IOException {
        Launcher.assertPackaged();
        cmdBytes = Files.readAllBytes(BIN.resolve("vipctl.cmd"));
        cmd = code(List.of(new String(cmdBytes, StandardCharsets.US_ASCII).split("\r\n")), "(?i)^\\s*(rem\\b|::).*");
        bash = code(Files.readAllLines(Launcher.PATH), "^\\s*#.*");
    }

    /** The lines without the comment lines, and without bash's comments at a line's end. */
    private static List<String> code(List<String> lines, String commentLine) {
        List<String> code = new ArrayList<>();
        for (String line : lines) {
            if (!line.matches(commentLine)) {
                code.add(line.replaceAll("\\s#\\s.*$", ""));
            }
        }
        return code;
    }

    private static Set<String> jvmOptions(List<String> lines) {
        Set<String> options = new TreeSet<>();
        for (String line : lines) {
            Matcher matcher = JVM_OPTION.matcher(line);
            while (matcher.find()) {
                options.add(matcher.group(1));
            }
        }
        return options;
    }

    @Test
    void cmdHasBinVipctlsJvmOptionsButTheLinuxOnlyOnes() {
        Set<String> bashOptions = jvmOptions(bash);
        assertTrue(bashOptions.containsAll(LINUX_ONLY), "bin/vipctl no longer has some of " + LINUX_ONLY + ": " + bashOptions);
        Set<String> expected = new TreeSet<>(bashOptions);
        expected.removeAll(LINUX_ONLY);

        assertEquals(expected, jvmOptions(cmd));
    }

    @Test
    void theShippedFileHasCrlfLineEndsOnly() {
        for (int i = 0; i < cmdBytes.length; i++) {
            if (cmdBytes[i] == '\n') {
                assertTrue(i > 0 && cmdBytes[i - 1] == '\r', "a LF without CR at byte " + i);
            } else if (cmdBytes[i] == '\r') {
                assertTrue(i + 1 < cmdBytes.length && cmdBytes[i + 1] == '\n', "a CR without LF at byte " + i);
            }
        }
        assertTrue(cmdBytes.length > 2 && cmdBytes[cmdBytes.length - 2] == '\r' && cmdBytes[cmdBytes.length - 1] == '\n',
                "the last line ends with CRLF");
        for (byte b : cmdBytes) {
            assertTrue(b >= 0, "ASCII only: cmd.exe reads a batch file in the console's code page");
        }
    }

    @Test
    void theArgumentsReachJavaUnevaluatedAndItsExitCodeComesBack() {
        assertEquals("@echo off", cmd.get(0));
        assertEquals("setlocal EnableExtensions DisableDelayedExpansion", cmd.get(1), "delayed expansion off before anything else");
        String text = String.join("\n", cmd);
        assertFalse(Pattern.compile("(?<!Disable)EnableDelayedExpansion|![\\w]+!").matcher(text).find(),
                "no delayed expansion anywhere: it would read a '!' in an argument");
        assertFalse(Pattern.compile("%~?[a-z]*[1-9]|\\bshift\\b", Pattern.CASE_INSENSITIVE).matcher(text).find(),
                "no single argument (%1..%9) is read or shifted");

        List<Integer> javaLines = new ArrayList<>();
        for (int i = 0; i < cmd.size(); i++) {
            if (cmd.get(i).contains("%*")) {
                javaLines.add(i);
            }
        }
        assertEquals(1, javaLines.size(), "%* appears once: " + javaLines);
        String javaLine = cmd.get(javaLines.get(0));
        assertTrue(javaLine.startsWith("\"%vipctl_java%\" "), javaLine);
        assertTrue(javaLine.endsWith(" -cp \"%vipctl_home%\\lib\\*\" dev.vipctl.agent.cli.Main %*"), "the arguments last, as given: " + javaLine);
        assertEquals("exit /b %ERRORLEVEL%", cmd.get(javaLines.get(0) + 1), "the JVM's exit code, unchanged");
        assertTrue(bash.get(bash.size() - 1).endsWith("-cp \"$home/lib/*\" dev.vipctl.agent.cli.Main \"$@\""), "bin/vipctl runs the same class");
    }

    @Test
    void javaHomeIsAskedBeforePathAndEachFailureExitsTwoAsInBinVipctl() {
        int javaHome = indexOf(cmd, "if defined JAVA_HOME goto java_from_java_home");
        int path = indexOf(cmd, "for %%J in (java.exe) do set \"vipctl_java=%%~$PATH:J\"");
        assertTrue(javaHome < path, "JAVA_HOME first, then PATH");
        assertTrue(cmd.contains("set \"vipctl_java=%vipctl_java_home%\\bin\\java.exe\""), "JAVA_HOME's bin\\java.exe");

        assertTrue(bash.contains("  exit 2"), "bin/vipctl's die() exits 2");
        List<String> exits = new ArrayList<>();
        for (String line : cmd) {
            if (line.trim().startsWith("exit ")) {
                exits.add(line.trim());
            }
        }
        assertEquals(List.of("exit /b %ERRORLEVEL%", "exit /b 2", "exit /b 2", "exit /b 2", "exit /b 2"), exits);
        for (String label : List.of("no_lib", "no_java", "no_java_in_java_home", "too_old", "java_from_java_home", "java_found")) {
            assertTrue(cmd.contains(":" + label), "label " + label);
        }
        assertTrue(cmd.contains(">&2 echo vipctl: no Java found: set JAVA_HOME to a JDK/JRE 11 or newer, or put java on PATH"
                + " (e.g. install a JDK 17 or newer)"));
    }

    @Test
    void theJnaDirectoriesItNamesAreInTheDistribution() {
        Matcher matcher = Pattern.compile("set \"vipctl_jna_dir=(win32-[\\w-]+)\"").matcher(String.join("\n", cmd));
        Set<String> directories = new TreeSet<>();
        while (matcher.find()) {
            directories.add(matcher.group(1));
        }
        assertEquals(Set.of("win32-x86-64", "win32-x86", "win32-aarch64"), directories);
        for (String directory : directories) {
            Path dll = BIN.resolveSibling("lib").resolve("jna").resolve(directory).resolve("jnidispatch.dll");
            assertTrue(Files.isRegularFile(dll), dll + " is missing");
        }
    }

    private static int indexOf(List<String> lines, String line) {
        int index = lines.indexOf(line);
        assertTrue(index >= 0, "no line " + line);
        return index;
    }
}
