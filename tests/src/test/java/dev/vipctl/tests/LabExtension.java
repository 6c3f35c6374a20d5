package dev.vipctl.tests;

import dev.vipctl.agent.VipLock;
import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One namespace lab for a test class, with the packaged launcher: built before the class's first test (as root; else
 * the class skips and says why), removed after its last, also when a test failed. Processes a test started in the
 * background are killed after it, so that none outlives it.
 */
final class LabExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    /** Only against a hang: a SIGKILLed process ends at once. */
    private static final long KILL_WAIT_SECONDS = 60;

    private NamespaceLab lab;
    private final List<Process> background = new CopyOnWriteArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        Root.assumeRoot();
        Launcher.assertPackaged();
        lab = NamespaceLab.create();
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        for (Process process : background) {
            process.destroyForcibly();
            process.waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS);
        }
        background.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (lab != null) {
            lab.close();
        }
    }

    NamespaceLab lab() {
        return lab;
    }

    /** Kills {@code process} (SIGKILL) after the current test if it is still running then. */
    Process killAfterTest(Process process) {
        background.add(process);
        return process;
    }

    /** Until /proc/PID/comm is {@code command}: the exec chain (ip, setpriv, sh, ...) has come to it. */
    static void awaitCommand(long pid, String command) throws Exception {
        Path comm = Path.of("/proc", Long.toString(pid), "comm");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(Files.exists(comm) && Files.readString(comm).trim().equals(command))) {
            assertTrue(System.nanoTime() < deadline, "process " + pid + " never became " + command);
            Thread.sleep(20);
        }
    }

    /**
     * The lock file vipctl takes for {@code address} in {@code host}'s namespace: the lock of this lab only, where other
     * labs (another test run, a demo) lock the same address in theirs.
     */
    static Path lockFile(NamespaceLab.Host host, String address) {
        String link = host.run("readlink", "/proc/self/ns/net").trim(); // net:[4026532177]
        assertTrue(link.matches("net:\\[\\d+\\]"), link);
        String inode = link.substring("net:[".length(), link.length() - 1);
        return VipLock.LINUX_DIRECTORY.resolve("vip-" + address + "-net" + inode + ".lock");
    }

    /** The VIP on neither host, in any copy (/24 or /32, however many), and no neighbour entry for it on the client. */
    void removeVip() {
        for (NamespaceLab.Host host : List.of(lab.hostA(), lab.hostB())) {
            for (String prefix : List.of("/24", "/32")) {
                List<String> delete = host.command("ip", "addr", "del", NamespaceLab.VIP + prefix, "dev", NamespaceLab.INTERFACE);
                for (int i = 0; i < 10 && Shell.run(delete).exitCode == 0; i++) {
                    // one copy deleted: look for another
                }
            }
            String left = host.run("ip", "-4", "-o", "addr", "show", "dev", NamespaceLab.INTERFACE);
            assertFalse(left.contains(" " + NamespaceLab.VIP + "/"), "reset: no VIP left on " + host + ": " + left);
        }
        Shell.run(lab.client().command("ip", "neigh", "flush", "dev", NamespaceLab.INTERFACE));
    }
}
