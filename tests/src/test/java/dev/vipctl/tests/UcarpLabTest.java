package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * integrations/ucarp's vip-up and vip-down under Debian's real ucarp on the lab's two hosts: host-a is the preferred
 * master; its ucarp is killed (SIGKILL, as a crash: no downscript, its VIP stays), host-b's ucarp takes over and its
 * vipctl reports host-a's MAC still answering; the client's traffic follows to host-b; host-a's ucarp comes back,
 * preempts, removes its stale VIP on the way, and the client's traffic goes back to host-a while host-b's VIP goes.
 */
class UcarpLabTest {
    private static final Path SCRIPTS = Path.of("..", "integrations", "ucarp").toAbsolutePath().normalize();
    private static final Path VIP_UP = SCRIPTS.resolve("vip-up");
    private static final Path VIP_DOWN = SCRIPTS.resolve("vip-down");
    /** The scripts find the built vipctl the way an installation's do: on PATH. */
    private static final String PATH_WITH_VIPCTL = Launcher.PATH.getParent() + ":" + System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    /** Bounds for waiting on a state (ucarp's master-down timer is 3 x advbase plus the skew: about 4 s here). */
    private static final long WAIT_SECONDS = 60;

    @RegisterExtension
    static final LabExtension LAB = new LabExtension();

    @TempDir
    Path dir;

    private final List<Process> ucarps = new ArrayList<>();

    @BeforeEach
    void resetLab() {
        LAB.removeVip();
    }

    /** Every ucarp killed and the VIP gone from both hosts, also when the test failed midway. */
    @AfterEach
    void stopUcarps() throws InterruptedException {
        for (Process ucarp : ucarps) {
            ucarp.destroyForcibly();
            ucarp.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        LAB.removeVip();
    }

    @Test
    void theClientFollowsTheMasterWhenItsUcarpIsKilledAndComesBack() throws Exception {
        Tools.require("ucarp", "ucarp");
        NamespaceLab.Host a = LAB.lab().hostA();
        NamespaceLab.Host b = LAB.lab().hostB();

        Process ucarpA = startUcarp(a, "0");
        Path logA = dir.resolve("ucarp-" + a.role() + ".log");
        await(() -> holdsVip(a), () -> "host-a never became master with the VIP\n" + read(logA));
        // ucarp's own record of the call: the interface, the address and --xparam as the three arguments.
        assertTrue(read(logA).contains("Spawning [" + VIP_UP + " eth0 " + NamespaceLab.VIP + " 24]"), read(logA));
        assertTrue(clientReachesVip());
        assertTrue(clientNeighbourEntry().contains(a.mac().toString()), clientNeighbourEntry());

        // host-b starts as backup after host-a is master: its first act is the downscript, on an absent VIP.
        startUcarp(b, "100");
        Path logB = dir.resolve("ucarp-" + b.role() + ".log");
        await(() -> read(logB).contains("vip-down: vipctl down exited 0"), () -> "host-b's start\n" + read(logB));
        assertFalse(holdsVip(b), addresses(b));

        ucarpA.destroyForcibly();
        assertTrue(ucarpA.waitFor(WAIT_SECONDS, TimeUnit.SECONDS));
        // The client sends nothing meanwhile: only an announcement from host-b can move its entry.
        await(() -> clientNeighbourEntry().contains(b.mac().toString()),
                () -> "the client's entry never moved to host-b: " + clientNeighbourEntry() + "\n" + read(logB));
        assertTrue(clientReachesVip());
        assertTrue(holdsVip(b), addresses(b));
        assertTrue(holdsVip(a), "a killed ucarp runs no downscript: host-a keeps its VIP " + addresses(a));
        // host-b's up took over while host-a still answered, and said so (exit 11, host-a's MAC in vipctl's log).
        await(() -> read(logB).contains("vip-up: vipctl up exited"), () -> read(logB));
        assertTrue(read(logB).contains("vip-up: vipctl up exited 11"), read(logB));
        assertTrue(read(dir.resolve("vipctl-" + b.role() + ".log")).contains(a.mac().toString()),
                read(dir.resolve("vipctl-" + b.role() + ".log")));

        // host-a's ucarp again: its start's downscript removes the stale VIP, then it preempts host-b.
        Files.delete(logA);
        startUcarp(a, "0");
        await(() -> clientNeighbourEntry().contains(a.mac().toString()) && !holdsVip(b),
                () -> "not back on host-a: " + clientNeighbourEntry() + ", host-b " + addresses(b) + "\n" + read(logA) + read(logB));
        assertTrue(clientReachesVip());
        assertTrue(holdsVip(a), addresses(a));
        await(() -> read(logA).contains("vip-up: vipctl up exited"), () -> read(logA));
        assertTrue(read(logA).indexOf("vip-down: vipctl down exited 0") < read(logA).indexOf("vip-up: vipctl up exited"), read(logA));

        // --shutdown: SIGTERM makes each ucarp run the downscript if it is master, and exit.
        for (Process ucarp : ucarps) {
            ucarp.destroy();
        }
        for (Process ucarp : ucarps) {
            assertTrue(ucarp.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "ucarp did not exit on SIGTERM");
        }
        assertFalse(holdsVip(a), "--shutdown ran host-a's downscript: " + addresses(a) + "\n" + read(logA));
        assertFalse(holdsVip(b), addresses(b));
    }

    @Test
    void withoutThePrefixTheScriptsRefuseAndChangeNothing() {
        NamespaceLab.Host a = LAB.lab().hostA();
        Shell.Result up = script(a, VIP_UP, NamespaceLab.INTERFACE, NamespaceLab.VIP);
        assertEquals(2, up.exitCode, Launcher.describe(up));
        assertTrue(up.stderr.contains("vip-up: the prefix length is missing: run ucarp with --xparam=PREFIX (e.g. --xparam=24)"), up.stderr);
        assertFalse(holdsVip(a), addresses(a));

        Shell.Result badPrefix = script(a, VIP_UP, NamespaceLab.INTERFACE, NamespaceLab.VIP, "33");
        assertEquals(2, badPrefix.exitCode, Launcher.describe(badPrefix));
        assertTrue(badPrefix.stderr.contains("prefix length '33' (ucarp's --xparam) is not a number from 1 to 32"), badPrefix.stderr);
        assertFalse(holdsVip(a), addresses(a));

        assertEquals(0, script(a, VIP_UP, NamespaceLab.INTERFACE, NamespaceLab.VIP, "24").exitCode);
        Shell.Result down = script(a, VIP_DOWN, NamespaceLab.INTERFACE, NamespaceLab.VIP);
        assertEquals(2, down.exitCode, Launcher.describe(down));
        assertTrue(down.stderr.contains("vip-down: the prefix length is missing"), down.stderr);
        assertTrue(holdsVip(a), "a refused down leaves the VIP: " + addresses(a));
    }

    @Test
    void upTwiceAndDownTwiceSucceedAsUcarpsRestartsNeedThem() {
        // ucarp runs the downscript at every start, whether or not the VIP is up.
        NamespaceLab.Host a = LAB.lab().hostA();
        for (Path script : List.of(VIP_UP, VIP_UP, VIP_DOWN, VIP_DOWN)) {
            Shell.Result result = script(a, script, NamespaceLab.INTERFACE, NamespaceLab.VIP, "24");
            assertEquals(0, result.exitCode, Launcher.describe(result));
            assertEquals(script == VIP_UP, holdsVip(a), addresses(a));
        }
    }

    /**
     * ucarp on {@code host} through {@code env} (no shell), with vipctl's directory first on PATH and a config file of
     * the host's own (fast announcements, its own vipctl log); its stdout and stderr go to a log file in {@link #dir}.
     */
    private Process startUcarp(NamespaceLab.Host host, String advskew) throws IOException {
        Path config = dir.resolve("vipctl-" + host.role() + ".properties");
        Files.writeString(config, "garp-count=2\ngarp-interval-ms=50\nlog-file=" + dir.resolve("vipctl-" + host.role() + ".log") + "\n");
        List<String> command = host.command("env",
                "PATH=" + PATH_WITH_VIPCTL,
                "VIPCTL_UCARP_CONFIG=" + config,
                "ucarp", "--interface", NamespaceLab.INTERFACE, "--srcip", host.address().toString(),
                "--vhid", "42", "--pass", "vipctl-lab", "--addr", NamespaceLab.VIP,
                "--upscript", VIP_UP.toString(), "--downscript", VIP_DOWN.toString(), "--xparam", "24",
                "--advbase", "1", "--advskew", advskew, "--preempt", "--shutdown");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("ucarp-" + host.role() + ".log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        ucarps.add(LAB.killAfterTest(process));
        return process;
    }

    /** A script run by hand in {@code host}'s namespace, as ucarp would run it, with one round of announcements. */
    private Shell.Result script(NamespaceLab.Host host, Path script, String... args) {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        return Shell.run(host.command(command.toArray(new String[0])),
                Map.of("PATH", PATH_WITH_VIPCTL,
                        "VIPCTL_UCARP_CONFIG", oneRoundConfig()), 60);
    }

    private String oneRoundConfig() {
        Path config = dir.resolve("vipctl-direct.properties");
        try {
            Files.writeString(config, "garp-count=1\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return config.toString();
    }

    private static void await(BooleanSupplier state, Supplier<String> failure) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!state.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, failure);
            Thread.sleep(100);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String addresses(NamespaceLab.Host host) {
        return host.run("ip", "-4", "-o", "addr", "show", "dev", NamespaceLab.INTERFACE);
    }

    private static boolean holdsVip(NamespaceLab.Host host) {
        return addresses(host).contains(" " + NamespaceLab.VIP_WITH_PREFIX + " ");
    }

    private static String clientNeighbourEntry() {
        return LAB.lab().client().run("ip", "neigh", "show", NamespaceLab.VIP, "dev", NamespaceLab.INTERFACE).trim();
    }

    private static boolean clientReachesVip() {
        return Shell.run(LAB.lab().client().command("ping", "-c", "1", "-W", "1", NamespaceLab.VIP)).exitCode == 0;
    }
}
