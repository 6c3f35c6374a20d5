package dev.vipctl.tests;

import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Debian package on a fresh Debian 12 under a real systemd: debootstrap makes the system (from the Debian mirror,
 * as apt does), systemd-nspawn boots it with systemd as its PID 1, and the README's install command runs there,
 * `apt install ./vipctl_0.1.0_all.deb`. Its eth0 is one end of a veth pair in a network namespace of this run, whose
 * other end holds 198.51.100.1 (the examples' verify-peer). Then the service as shipped serves a Management Layer's
 * plain `vipctl up --config /etc/vipctl/sip-primary.properties`, root's and a member's.
 *
 * <p>One change to the unit, for the container alone: a container has no udev, so systemd there has no unit for
 * eth0's device, and the unit's BindsTo= and After= it would wait forever. The test installs the shipped unit without
 * those two lines as /etc/systemd/system/vipctl-agent@.service (drop-ins cannot take dependencies away), after
 * checking that the package's own start of the agent failed on exactly that.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SystemdServiceLabTest {
    private static final String MIRROR = "http://deb.debian.org/debian";
    private static final String UNIT = "vipctl-agent@eth0.service";
    private static final long BOOT_SECONDS = 120;
    /** The unit's WatchdogSec=, read from it: systemd restarts an agent that sends no WATCHDOG=1 within it. */
    private static long watchdogSeconds;

    /** Under /var/tmp, not /tmp (a tmpfs on some machines): the system takes about 650 MB. */
    private static Path work;
    private static Path root;
    private static String network;
    private static Process container;
    private static long init;

    @BeforeAll
    static void bootAFreshDebianWithThePackage() throws Exception {
        Root.assumeRoot();
        Launcher.assertPackaged();
        Tools.require("debootstrap", "debootstrap");
        Tools.require("systemd-nspawn", "systemd-container");
        Tools.require("nsenter", "util-linux");
        Path deb = Path.of("../agent/target/vipctl_0.1.0_all.deb").toAbsolutePath();
        assertTrue(Files.isRegularFile(deb), deb + ": mvn package builds it");
        work = Files.createTempDirectory(Path.of("/var/tmp"), "vipctl-systemd-");
        root = work.resolve("debian");
        long started = System.nanoTime();
        run(600, "debootstrap", "--variant=minbase", "--include=systemd,systemd-sysv,dbus,iproute2", "bookworm", root.toString(), MIRROR);
        // What the package depends on, from the mirror: inside the system, where Java's own scripts need /proc.
        run(600, "systemd-nspawn", "--quiet", "--directory=" + root, "--register=no", "--keep-unit", "--pipe", "sh", "-c",
                "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends default-jre-headless"
                        + " libpcap0.8 adduser");
        System.out.println("[SYSTEMD] a fresh Debian 12 with Java in " + (System.nanoTime() - started) / 1_000_000_000 + " s");
        Files.copy(deb, root.resolve("root").resolve(deb.getFileName()));

        network = "vipctl-" + Long.toString(ProcessHandle.current().pid(), 36) + "-systemd";
        run(30, "ip", "netns", "add", network);
        run(30, "ip", "-n", network, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0");
        run(30, "ip", "-n", network, "addr", "add", "198.51.100.1/24", "dev", "peer0");
        run(30, "ip", "-n", network, "link", "set", "peer0", "up");

        container = new ProcessBuilder("systemd-nspawn", "--quiet", "--directory=" + root, "--boot", "--register=no", "--keep-unit",
                "--private-network").redirectErrorStream(true).redirectOutput(work.resolve("console").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOOT_SECONDS);
        while ((init = container.children().mapToLong(ProcessHandle::pid).findFirst().orElse(0)) == 0
                || !Files.readString(Path.of("/proc", Long.toString(init), "comm")).trim().equals("systemd")) {
            assertTrue(container.isAlive() && System.nanoTime() < deadline, "the container did not boot: " + Files.readString(work.resolve("console")));
            Thread.sleep(100);
        }
        Shell.Result booted;
        // Until its systemd listens on its bus (moments after it runs), systemctl cannot ask it.
        while ((booted = inside(BOOT_SECONDS, "systemctl is-system-running --wait")).stderr.contains("Failed to connect to bus")) {
            assertTrue(System.nanoTime() < deadline, "the container's systemd never answered: " + Launcher.describe(booted));
            Thread.sleep(100);
        }
        assertTrue(booted.stdout.startsWith("running") || booted.stdout.startsWith("degraded"), Launcher.describe(booted));
        run(30, "ip", "-n", network, "link", "set", "eth0", "netns", Long.toString(init));
        inside(30, "ip link set eth0 up && ip addr add 198.51.100.11/24 dev eth0");

        Shell.Result installed = inside(600, "DEBIAN_FRONTEND=noninteractive apt-get install -y -q /root/" + deb.getFileName());
        assertEquals(0, installed.exitCode, Launcher.describe(installed));
        assertTrue(installed.stdout.contains("vipctl: " + UNIT + " did not start") || installed.stderr.contains("vipctl: " + UNIT + " did not start"),
                "postinst started the agent of eth0, which the generator wanted; without udev it waits in vain: " + Launcher.describe(installed));
        String journal = inside(30, "journalctl -u " + UNIT + " --no-pager").stdout;
        assertTrue(journal.contains("Bound to unit sys-subsystem-net-devices-eth0.device, but unit isn't active"), journal);

        Path shipped = root.resolve("lib/systemd/system/vipctl-agent@.service");
        List<String> unit = Files.readAllLines(shipped);
        watchdogSeconds = Long.parseLong(unit.stream().filter(line -> line.startsWith("WatchdogSec=")).findFirst().orElseThrow().substring(12));
        List<String> withoutDevice = unit.stream().filter(line -> !line.equals("BindsTo=sys-subsystem-net-devices-%i.device")
                && !line.equals("After=sys-subsystem-net-devices-%i.device")).collect(Collectors.toList());
        assertEquals(unit.size() - 2, withoutDevice.size(), "the unit binds to its interface's device: " + unit);
        Files.write(root.resolve("etc/systemd/system/vipctl-agent@.service"), withoutDevice);
        Shell.Result start = inside(120, "systemctl daemon-reload && systemctl start " + UNIT);
        assertEquals(0, start.exitCode, Launcher.describe(start) + inside(30, "journalctl -u " + UNIT + " --no-pager").stdout);
    }

    @AfterAll
    static void shutDown() throws Exception {
        if (container != null) {
            container.destroy(); // SIGTERM: systemd-nspawn powers the container off
            if (!container.waitFor(60, TimeUnit.SECONDS)) {
                container.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
        if (network != null) {
            Shell.run(List.of("ip", "netns", "del", network));
        }
        if (work != null) {
            Shell.run(List.of("rm", "-rf", "--one-file-system", work.toString()), 300);
        }
    }

    /** Type=notify: active only once the agent said READY=1, warm; and it runs as the unit says, nothing more. */
    @Test
    @Order(1)
    void theServiceRunsTheAgentAsItsUserWithTwoCapabilitiesAndAFilter() throws Exception {
        assertEquals("active", inside(30, "systemctl is-active " + UNIT).stdout.trim());
        assertTrue(inside(30, "systemctl show -p StatusText --value " + UNIT).stdout.startsWith("serving eth0, warmed up in"));
        String pid = inside(30, "systemctl show -p MainPID --value " + UNIT).stdout.trim();
        String uid = inside(30, "id -u vipctl").stdout.trim();
        String status = inside(30, "cat /proc/" + pid + "/status").stdout;
        assertTrue(status.contains("\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\n"), status);
        for (String set : List.of("CapEff", "CapPrm", "CapBnd", "CapAmb")) {
            assertTrue(status.contains("\n" + set + ":\t0000000000003000\n"), set + ": CAP_NET_ADMIN and CAP_NET_RAW alone: " + status);
        }
        assertTrue(status.contains("\nNoNewPrivs:\t1\n") && status.contains("\nSeccomp:\t2\n"), "no_new_privs and a system-call filter: " + status);
        assertEquals("vipctl vipctl 750", inside(30, "stat -c '%U %G %a' /run/vipctl").stdout.trim());
    }

    /** The fast path: the example file (with the lab's addresses) handed to the warm agent, verify-peer and all. */
    @Test
    @Order(2)
    void aManagementLayersPlainCommandIsServedByTheWarmAgent() {
        Shell.Result up = inside(60, "vipctl up --config /etc/vipctl/sip-primary.properties --json");
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), Launcher.describe(up));
        assertTrue(up.stdout.contains("\"peer\":{\"address\":\"198.51.100.1\",\"answered\":true"), Launcher.describe(up));
        assertTrue(inside(30, "ip -4 -o addr show dev eth0").stdout.contains("inet 198.51.100.100/24"));
        Shell.Result down = inside(60, "vipctl down --config /etc/vipctl/sip-primary.properties --json");
        assertEquals("agent", Launcher.jsonString(down.stdout, "servedBy"), Launcher.describe(down));
        assertFalse(inside(30, "ip -4 -o addr show dev eth0").stdout.contains("198.51.100.100"));
    }

    /** A cluster engine's user, once in group vipctl, is served; another user runs its own JVM (and lacks the privileges). */
    @Test
    @Order(3)
    void aMemberOfGroupVipctlIsServedAndAnyoneElseIsNot() {
        assertEquals(0, inside(30, "adduser --quiet --disabled-password --gecos '' engine && adduser --quiet engine vipctl").exitCode);
        Shell.Result up = inside(60, "su -s /bin/sh engine -c 'vipctl up --interface eth0 --vip 198.51.100.100/24 --garp-count 1 --json'");
        assertEquals("agent", Launcher.jsonString(up.stdout, "servedBy"), Launcher.describe(up));
        Shell.Result other = inside(60, "su -s /bin/sh nobody -c 'vipctl down --interface eth0 --vip 198.51.100.100/24 --json'");
        assertEquals(3, other.exitCode, Launcher.describe(other));
        assertEquals("process", Launcher.jsonString(other.stdout, "servedBy"), Launcher.describe(other));
        Shell.Result down = inside(60, "su -s /bin/sh engine -c 'vipctl down --interface eth0 --vip 198.51.100.100/24 --json'");
        assertEquals("agent", Launcher.jsonString(down.stdout, "servedBy"), Launcher.describe(down));
    }

    /**
     * The watchdog: still the same process, never restarted, after more than WatchdogSec= (systemd kills an agent that
     * stops sending WATCHDOG=1); then a stop is a success (the JVM's 143 on SIGTERM) and leaves no agent directory.
     */
    @Test
    @Order(4)
    void theWatchdogIsFedAndAStopIsClean() throws Exception {
        String pid = inside(30, "systemctl show -p MainPID --value " + UNIT).stdout.trim();
        Thread.sleep(TimeUnit.SECONDS.toMillis(watchdogSeconds + 5));
        assertEquals(pid, inside(30, "systemctl show -p MainPID --value " + UNIT).stdout.trim(), "the same agent");
        assertEquals("0", inside(30, "systemctl show -p NRestarts --value " + UNIT).stdout.trim());
        assertEquals(0, inside(120, "systemctl stop " + UNIT).exitCode);
        assertEquals("success", inside(30, "systemctl show -p Result --value " + UNIT).stdout.trim());
        assertEquals("", inside(30, "ls -A /run/vipctl/agent").stdout.trim(), "the agent removed its directory");
    }

    /** {@code sh -c script} in the container's namespaces (all of them: its systemd, its network, its files). */
    private static Shell.Result inside(long seconds, String script) {
        return Shell.run(List.of("nsenter", "--target", Long.toString(init), "--all", "sh", "-c", script), seconds);
    }

    private static void run(long seconds, String... command) {
        Shell.Result result = Shell.run(new ArrayList<>(Arrays.asList(command)), seconds);
        if (result.exitCode != 0) {
            fail(String.join(" ", command) + ": " + Launcher.describe(result));
        }
    }
}
