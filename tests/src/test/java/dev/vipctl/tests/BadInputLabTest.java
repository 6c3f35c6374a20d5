package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad requests through the real launcher, inside a lab host: each gives its documented code, a clear message, and no change. */
class BadInputLabTest {
    private static final String VIP = NamespaceLab.VIP_WITH_PREFIX;
    private static NamespaceLab lab;

    @BeforeAll
    static void createLab() {
        Root.assumeRoot();
        Launcher.assertPackaged();
        lab = NamespaceLab.create();
        // A VIP is already up, so that "no change" covers removing and relabelling too.
        lab.hostA().run("ip", "addr", "add", VIP, "dev", NamespaceLab.INTERFACE, "label", "eth0:1");
        // A second interface that stays down (a veth pair is never up until set so).
        lab.hostA().run("ip", "link", "add", "down0", "type", "veth", "peer", "name", "down0-peer");
    }

    @AfterAll
    static void removeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    /**
     * Everything about host A's interfaces that a mistaken run could change: links and IPv4 addresses. (IPv6
     * link-local addresses change by themselves while the lab is young: their DAD ends.)
     */
    private static String hostState() {
        return lab.hostA().run("ip", "-4", "-o", "addr", "show") + lab.hostA().run("ip", "-o", "link", "show");
    }

    /** Runs {@code command + args} (the launcher in host A's namespace when {@code command} is null) and checks the refusal. */
    private static void assertRefusedWithoutChange(List<String> command, int expectedCode, String expectedText, String... args) {
        String before = hostState();
        Shell.Result result;
        if (command == null) {
            result = Launcher.run(lab.hostA(), args);
        } else {
            List<String> full = new ArrayList<>(command);
            full.addAll(List.of(args));
            result = Shell.run(full);
        }
        assertEquals(expectedCode, result.exitCode, Launcher.describe(result));
        assertTrue(result.stderr.contains(expectedText), "stderr says '" + expectedText + "': " + result.stderr);
        assertFalse(result.stderr.contains("Exception"), "no stack trace for the operator: " + result.stderr);
        assertEquals(before, hostState(), "nothing changed on the host");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown interface          | 4 | eth9                  | up --interface eth9 --vip 198.51.100.100/24",
            "interface down             | 4 | administratively down | up --interface down0 --vip 198.51.100.100/24",
            "down on unknown interface  | 4 | eth9                  | down --interface eth9 --vip 198.51.100.100/24",
            "malformed address          | 2 | not an IPv4 address   | up --interface eth0 --vip 198.51.100.300/24",
            "prefix over 32             | 2 | outside 1-32          | up --interface eth0 --vip 198.51.100.100/33",
            "label over 15 characters   | 2 | at most 15            | up --interface eth0 --vip 198.51.100.100/24 --label eth0:1234567890a",
            "missing vip                | 2 | needs --vip           | up --interface eth0",
            "missing interface          | 2 | needs --interface     | down --vip 198.51.100.100/24",
            "missing option value       | 2 | Missing argument      | up --interface eth0 --vip",
            "unknown subcommand         | 2 | unknown command       | takeover --interface eth0 --vip 198.51.100.100/24",
            "no subcommand              | 2 | no command given      | --interface eth0",
            "unknown option             | 2 | Unrecognized option   | up --interface eth0 --vip 198.51.100.100/24 --vlan 7",
            "host's own address         | 2 | own address           | down --interface eth0 --vip 198.51.100.11/24",
            "host's own address no /P   | 2 | own address           | down --interface eth0 --vip 198.51.100.11",
            "relabel host's own address | 2 | own address           | up --interface eth0 --vip 198.51.100.11/24",
            "same VIP other prefix      | 2 | already on eth0       | up --interface eth0 --vip 198.51.100.100/32",
            "down with wrong prefix     | 2 | name that prefix      | down --interface eth0 --vip 198.51.100.100/25",
            "network address as VIP     | 2 | network address       | up --interface eth0 --vip 198.51.100.0/24",
            "multicast VIP              | 2 | multicast             | up --interface eth0 --vip 224.0.0.18/32",
    })
    void isRefusedWithItsCodeAndChangesNothing(String name, int code, String text, String commandLine) {
        assertRefusedWithoutChange(null, code, text.trim(), commandLine.trim().split(" +"));
    }

    @Test
    void anUnprivilegedUserChangesNothing(@TempDir Path dir) throws IOException {
        // nobody may not be able to enter the checkout (a fresh clone can sit in a 0700 directory): run a copy.
        Path launcher = worldReadableCopyOfDistribution(dir);
        List<String> asNobody = List.of("ip", "netns", "exec", lab.hostA().namespace(),
                "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", launcher.toString());
        assertRefusedWithoutChange(asNobody, 3, "CAP_NET_ADMIN", "down", "--interface", "eth0", "--vip", VIP);
        assertRefusedWithoutChange(asNobody, 3, "CAP_NET_RAW", "up", "--interface", "eth0", "--vip", "198.51.100.101/24");
    }

    private static Path worldReadableCopyOfDistribution(Path dir) throws IOException {
        Path home = Launcher.PATH.getParent().getParent();
        Path copy = dir.resolve("vipctl");
        try (Stream<Path> files = Files.walk(home)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = copy.resolve(home.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(
                        Files.isDirectory(source) || Files.isExecutable(source) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return copy.resolve("bin/vipctl");
    }

}
