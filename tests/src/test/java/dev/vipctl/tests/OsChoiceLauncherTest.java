package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OS is chosen from os.name at run time: with a Windows os.name this Linux host has no iphlpapi.dll, and every
 * command says so in one line with exit 9; and each OS's run loads none of the other OS's classes.
 */
class OsChoiceLauncherTest {
    /** No spaces: the launcher splits VIPCTL_JAVA_OPTS into words. "Windows" is how every Windows os.name starts. */
    private static final String WINDOWS_AMD64 = "-Dos.name=Windows -Dos.arch=amd64";
    private static final String NO_IPHLPAPI = "cannot load iphlpapi.dll, the IP Helper API, on Windows amd64 (";
    private static final String TEST_NET_VIP = "198.51.100.7";

    @TempDir
    Path directory;

    private static Shell.Result vipctl(String javaOptions, String... args) {
        return Launcher.runWith(List.of("env", "VIPCTL_NO_AGENT=1", "VIPCTL_JAVA_OPTS=" + javaOptions), args);
    }

    private static String[] with(String[] args, String... more) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    @Test
    void onWindowsWithoutIphlpapiEachCommandFailsWithOneLineAndExit9() {
        Launcher.assertPackaged();
        String[][] commands = {
            {"status", "--interface", "Ethernet", "--vip", TEST_NET_VIP},
            {"up", "--interface", "Ethernet", "--vip", TEST_NET_VIP + "/24"},
            {"down", "--interface", "Ethernet", "--vip", TEST_NET_VIP + "/24"},
            {"probe", "--interface", "Ethernet", "--vip", TEST_NET_VIP},
            {"status", "--interface", "Local Area Connection", "--vip", TEST_NET_VIP},
        };
        for (String[] args : commands) {
            Shell.Result text = vipctl(WINDOWS_AMD64, args);
            assertEquals(9, text.exitCode, Launcher.describe(text));
            assertEquals("", text.stdout);
            assertTrue(text.stderr.startsWith("vipctl " + args[0] + ": " + NO_IPHLPAPI), text.stderr);
            assertEquals(1, text.stderr.lines().count(), "one line, no stack trace: " + text.stderr);

            Shell.Result json = vipctl(WINDOWS_AMD64, with(args, "--json"));
            assertEquals(9, json.exitCode, Launcher.describe(json));
            assertEquals(text.stderr, json.stderr);
            assertEquals("UNSUPPORTED_OS", Launcher.jsonString(json.stdout, "exitName"), json.stdout);
            assertEquals(9, Launcher.jsonNumber(json.stdout, "exitCode"), json.stdout);
            assertEquals(text.stderr.substring(("vipctl " + args[0] + ": ").length()).strip(), Launcher.jsonString(json.stdout, "message"));
        }
    }

    @Test
    void onWindowsWithoutIphlpapiTheDoctorFailsItsOsCheck() {
        Launcher.assertPackaged();
        Shell.Result text = vipctl(WINDOWS_AMD64, "doctor", "--interface", "Ethernet");
        assertEquals(9, text.exitCode, Launcher.describe(text));
        assertTrue(text.stdout.contains("FAIL    os                  " + NO_IPHLPAPI), text.stdout);
        assertTrue(text.stdout.contains("SKIPPED privileges          not checked: vipctl cannot run here (see os)"), text.stdout);
        assertEquals("", text.stderr);

        Shell.Result json = vipctl(WINDOWS_AMD64, "doctor", "--interface", "Ethernet", "--json");
        assertEquals(9, json.exitCode, Launcher.describe(json));
        assertEquals("UNSUPPORTED_OS", Launcher.jsonString(json.stdout, "exitName"), json.stdout);
        assertTrue(Launcher.jsonString(json.stdout, "detail").startsWith(NO_IPHLPAPI), json.stdout);
    }

    @Test
    void anArchitectureWithoutALayoutIsNamed() {
        Launcher.assertPackaged();
        Shell.Result result = vipctl("-Dos.name=Windows -Dos.arch=ppc64le", "status", "--interface", "Ethernet", "--vip", TEST_NET_VIP);
        assertEquals(9, result.exitCode, Launcher.describe(result));
        assertTrue(result.stderr.contains("on os.arch ppc64le: it knows the IP Helper structures on x64 (amd64), x86 and arm64"), result.stderr);
        assertEquals(1, result.stderr.lines().count(), result.stderr);
    }

    /** Bad input is exit 2 whatever the OS can do: the label is refused before the OS is looked at. */
    @Test
    void onWindowsALabelIsBadInputFromTheCommandLineAndFromTheConfig() throws IOException {
        Launcher.assertPackaged();
        Shell.Result given = vipctl(WINDOWS_AMD64, "up", "--interface", "Ethernet", "--vip", TEST_NET_VIP + "/24", "--label", "Ethernet:1", "--json");
        assertEquals(2, given.exitCode, Launcher.describe(given));
        assertTrue(given.stderr.startsWith("vipctl: --label Ethernet:1: Windows keeps no address labels"), given.stderr);
        assertEquals("BAD_INPUT", Launcher.jsonString(given.stdout, "exitName"), given.stdout);

        Path config = Files.writeString(directory.resolve("vip.properties"), "interface=Ethernet\nvip=" + TEST_NET_VIP + "/24\nlabel=Ethernet:1\n");
        Shell.Result configured = vipctl(WINDOWS_AMD64, "up", "--config", config.toString());
        assertEquals(2, configured.exitCode, Launcher.describe(configured));
        assertTrue(configured.stderr.startsWith("vipctl: config key 'label' Ethernet:1: Windows keeps no address labels"), configured.stderr);
    }

    @Test
    void onWindowsTheResidentAgentIsRefused() {
        Launcher.assertPackaged();
        Shell.Result result = vipctl(WINDOWS_AMD64, "agent", "--interface", "Ethernet");
        assertEquals(9, result.exitCode, Launcher.describe(result));
        assertEquals("vipctl agent: the resident agent runs on Linux only; on Windows 'up' and 'down' run in a process of their own\n",
                result.stderr);
    }

    @Test
    void theWindowsPathLoadsNoLinuxClass() throws IOException {
        Launcher.assertPackaged();
        for (String command : List.of("status", "up", "doctor")) {
            Path log = directory.resolve("windows-" + command + ".log");
            String[] args = command.equals("doctor") ? new String[] {command, "--interface", "Ethernet"}
                    : new String[] {command, "--interface", "Ethernet", "--vip", TEST_NET_VIP + (command.equals("up") ? "/24" : "")};
            Shell.Result result = vipctl(WINDOWS_AMD64 + " -Xlog:class+load=info:file=" + log, args);
            assertEquals(9, result.exitCode, Launcher.describe(result));
            List<String> loaded = vipctlClasses(log);
            assertTrue(loaded.contains("dev.vipctl.windows.WindowsNetworking"), command + " took the Windows path: " + loaded);
            assertEquals(List.of(), ofPackage(loaded, "dev.vipctl.linux."), command + " on Windows");
        }
    }

    @Test
    void theLinuxPathLoadsNoWindowsClass() throws IOException {
        Launcher.assertPackaged();
        Path statusLog = directory.resolve("linux-status.log");
        Shell.Result status = vipctl("-Xlog:class+load=info:file=" + statusLog, "status", "--interface", "lo", "--vip", TEST_NET_VIP);
        assertEquals(8, status.exitCode, Launcher.describe(status));
        List<String> loaded = vipctlClasses(statusLog);
        assertTrue(loaded.contains("dev.vipctl.linux.LinuxNetworkOs"), "status took the Linux path: " + loaded);
        assertEquals(List.of(), ofPackage(loaded, "dev.vipctl.windows."), "status on Linux");

        Path doctorLog = directory.resolve("linux-doctor.log");
        Shell.Result doctor = vipctl("-Xlog:class+load=info:file=" + doctorLog, "doctor", "--interface", "lo");
        assertTrue(doctor.stdout.contains("OK      os"), Launcher.describe(doctor));
        assertEquals(List.of(), ofPackage(vipctlClasses(doctorLog), "dev.vipctl.windows."), "doctor on Linux");
    }

    /** 'up' and 'down' as a takeover runs them: the lock, the privileges, the ARP link. */
    @Test
    void aLinuxTakeoverLoadsNoWindowsClass() throws IOException {
        Root.assumeRoot();
        Launcher.assertPackaged();
        try (NamespaceLab lab = NamespaceLab.create()) {
            for (String command : List.of("up", "down")) {
                Path log = directory.resolve("linux-" + command + ".log");
                List<String> args = new ArrayList<>(List.of("env", "VIPCTL_NO_AGENT=1", "VIPCTL_JAVA_OPTS=-Xlog:class+load=info:file=" + log,
                        Launcher.PATH.toString(), command, "--interface", NamespaceLab.INTERFACE, "--vip", NamespaceLab.VIP_WITH_PREFIX));
                if (command.equals("up")) {
                    args.addAll(List.of("--garp-count", "1", "--probe-wait-ms", "50"));
                }
                Shell.Result result = Shell.run(lab.hostA().command(args.toArray(new String[0])));
                assertEquals(0, result.exitCode, Launcher.describe(result));
                List<String> loaded = vipctlClasses(log);
                assertTrue(loaded.contains("dev.vipctl.agent.LinuxVipLock"), command + " took the lock: " + loaded);
                assertEquals(List.of(), ofPackage(loaded, "dev.vipctl.windows."), command + " on Linux");
                assertFalse(loaded.contains("dev.vipctl.agent.WindowsVipLock") || loaded.contains("dev.vipctl.agent.WindowsPlatform"),
                        command + " on Linux: " + loaded);
            }
        }
    }

    /** The names of the dev.vipctl classes in a -Xlog:class+load log ("[0.1s][info][class,load] NAME source: ..."). */
    private static List<String> vipctlClasses(Path log) throws IOException {
        return Files.readAllLines(log).stream()
                .filter(line -> line.contains("[class,load] dev.vipctl."))
                .map(line -> line.substring(line.indexOf("[class,load] ") + "[class,load] ".length()).split(" ")[0])
                .collect(Collectors.toList());
    }

    private static List<String> ofPackage(List<String> classes, String packagePrefix) {
        return classes.stream().filter(name -> name.startsWith(packagePrefix)).collect(Collectors.toList());
    }
}
