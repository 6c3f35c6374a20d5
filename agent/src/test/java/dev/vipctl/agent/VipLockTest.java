package dev.vipctl.agent;

import dev.vipctl.linux.Errno;
import dev.vipctl.linux.FileCalls;
import dev.vipctl.os.IpAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The lock against other processes: child JVMs run {@link LockHolder} to hold it. */
class VipLockTest {
    private static final IpAddress VIP = IpAddress.parseIpv4("198.51.100.100");
    private static final String JAVA = ProcessHandle.current().info().command().orElseThrow();

    @TempDir
    Path directory;

    private final List<Process> children = new ArrayList<>();

    /**
     * Run in a child JVM with the lock directory and the VIP: takes the lock without waiting, prints {@code locked <file>}
     * or {@code failed <exit code> <message>}, and holds the lock until a line or the end of its input.
     */
    public static final class LockHolder {
        public static void main(String[] args) throws IOException {
            try (VipLock lock = VipLock.acquire(Path.of(args[0]), IpAddress.parseIpv4(args[1]), 0)) {
                System.out.println("locked " + lock.file());
                new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
            } catch (TakeoverException e) {
                System.out.println("failed " + e.exitCode() + " " + e.getMessage());
            }
        }
    }

    @AfterEach
    void stopChildren() throws InterruptedException {
        for (Process child : children) {
            child.destroyForcibly();
            child.waitFor();
        }
    }

    @Test
    void closeReleasesTheLockAndClosingTwiceIsHarmless() throws Exception {
        VipLock lock = VipLock.acquire(directory, VIP, 0);
        assertEquals(0, lock.waitedMicros(), "a free lock is no wait");
        assertTrue(verdict(startHolder(List.of(), directory, VIP)).startsWith("failed LOCK_TIMEOUT "), "held while open");
        lock.close();
        lock.close();

        assertFalse(Files.exists(lock.file()), "the holder removes the lock file when it lets go");
        release(holding(directory, VIP));
        try (VipLock again = VipLock.acquire(directory, VIP, 0)) {
            assertEquals(lock.file(), again.file());
        }
    }

    @Test
    void fileIsNamedByTheAddressAndTheNetworkNamespace() throws Exception {
        String link = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        String namespaceId = link.substring(link.indexOf('[') + 1, link.indexOf(']'));
        try (VipLock lock = VipLock.acquire(directory, VIP, 0)) {
            assertEquals(directory.resolve("vip-198.51.100.100-net" + namespaceId + ".lock"), lock.file());
        }
    }

    @Test
    void rejectsANegativeTimeout() {
        assertThrows(IllegalArgumentException.class, () -> VipLock.acquire(directory, VIP, -1));
    }

    @Test
    void waitsForAnotherProcessAndGivesUpAtTheTimeout() throws Exception {
        Process holder = holding(directory, VIP);

        TakeoverException timedOut = assertThrows(TakeoverException.class, () -> VipLock.acquire(directory, VIP, 200));
        assertEquals(ExitCode.LOCK_TIMEOUT, timedOut.exitCode());
        String lockFileStart = directory.resolve("vip-198.51.100.100-net").toString();
        String message = timedOut.getMessage();
        assertTrue(message.contains(" 200 ms ") && message.contains("raise --lock-timeout-ms") && message.contains("fuser " + lockFileStart), message);

        // Released 100 ms after this thread is seen pausing between attempts, so the successful acquire waited at least that.
        Thread waiter = Thread.currentThread();
        AtomicReference<Exception> releaserFailure = new AtomicReference<>();
        Thread releaser = new Thread(() -> {
            try {
                while (waiter.getState() != Thread.State.TIMED_WAITING) {
                    Thread.sleep(1);
                }
                Thread.sleep(100);
                OutputStream input = holder.getOutputStream();
                input.write('\n');
                input.flush();
            } catch (IOException | InterruptedException e) {
                releaserFailure.set(e);
            }
        });
        releaser.setDaemon(true);
        releaser.start();
        try (VipLock lock = VipLock.acquire(directory, VIP, 60_000)) {
            assertTrue(lock.waitedMicros() >= 100_000, "waited only " + lock.waitedMicros() + " µs");
        }
        releaser.join();
        assertNull(releaserFailure.get());
    }

    /** The resident agent's case: two requests for one VIP in one JVM take turns, and the second keeps the kernel lock. */
    @Test
    void twoHoldersInOneJvmTakeTurnsAndTheKernelLockOutlivesTheFirst() throws Exception {
        VipLock first = VipLock.acquire(directory, VIP, 0);
        assertEquals(ExitCode.LOCK_TIMEOUT, assertThrows(TakeoverException.class, () -> VipLock.acquire(directory, VIP, 20)).exitCode(),
                "a second holder in this JVM waits like one in another process");
        assertTrue(verdict(startHolder(List.of(), directory, VIP)).startsWith("failed LOCK_TIMEOUT "),
                "the timed-out second acquire did not drop the first holder's kernel lock");

        AtomicReference<VipLock> second = new AtomicReference<>();
        AtomicReference<Exception> secondFailure = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                second.set(VipLock.acquire(directory, VIP, 60_000));
            } catch (TakeoverException e) {
                secondFailure.set(e);
            }
        });
        waiter.start();
        while (waiter.getState() != Thread.State.TIMED_WAITING && waiter.isAlive()) {
            Thread.sleep(1);
        }
        first.close();
        first.close(); // a second close must not hand out a second turn
        waiter.join(10_000);
        assertNull(secondFailure.get());
        try (VipLock held = second.get()) {
            assertTrue(held.waitedMicros() > 0, "the second holder waited for the first");
            assertTrue(verdict(startHolder(List.of(), directory, VIP)).startsWith("failed LOCK_TIMEOUT "), "the second holder has the kernel lock");
            assertEquals(ExitCode.LOCK_TIMEOUT, assertThrows(TakeoverException.class, () -> VipLock.acquire(directory, VIP, 0)).exitCode(),
                    "closing the first holder twice gave out only one turn");
        }
        VipLock.acquire(directory, VIP, 0).close();
    }

    @Test
    void theLockFileExistsWhileHeldAndIsGoneAfterClose() throws Exception {
        Path file;
        try (VipLock lock = VipLock.acquire(directory, VIP, 0)) {
            file = lock.file();
            assertTrue(Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS), "held: " + file);
        }
        assertFalse(Files.exists(file, LinkOption.NOFOLLOW_LINKS), "released: " + file);
        try (Stream<Path> left = Files.list(directory)) {
            assertEquals(List.of(), left.collect(Collectors.toList()), "nothing else is left behind");
        }
    }

    /** A lock directory named through a symlink is the same directory, so the same lock. */
    @Test
    void aSymlinkedLockDirectoryIsTheSameLock() throws Exception {
        Path real = Files.createDirectory(directory.resolve("locks"));
        Path link = Files.createSymbolicLink(directory.resolve("locks-link"), real);

        try (VipLock viaReal = VipLock.acquire(real, VIP, 0)) {
            TakeoverException e = assertThrows(TakeoverException.class, () -> VipLock.acquire(link, VIP, 0));
            assertEquals(ExitCode.LOCK_TIMEOUT, e.exitCode(), e.getMessage());
            assertTrue(Files.exists(viaReal.file()), "the refused attempt did not remove the holder's file");
        }
        try (VipLock viaLink = VipLock.acquire(link, VIP, 0)) {
            TakeoverException e = assertThrows(TakeoverException.class, () -> VipLock.acquire(real, VIP, 0));
            assertEquals(ExitCode.LOCK_TIMEOUT, e.exitCode(), e.getMessage());
        }
        try (Stream<Path> left = Files.list(real)) {
            assertEquals(0, left.count(), "the holder through the link removed its file too");
        }
    }

    /**
     * A waiter opened the file before its holder removed it, so it gets the kernel lock of a file without a name; it
     * must let that go and lock the file now at the path, or the next vipctl locks a new file and both run at once.
     */
    @Test
    void aWaiterThatOpenedTheFileBeforeItsRemovalEndsUpHoldingTheFileAtThePath() throws Exception {
        VipLock first = VipLock.acquire(directory, VIP, 0);
        Path file = first.file();
        AtomicReference<VipLock> second = new AtomicReference<>();
        AtomicReference<Exception> secondFailure = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                second.set(VipLock.acquire(directory, VIP, 60_000));
            } catch (TakeoverException e) {
                secondFailure.set(e);
            }
        });
        waiter.start();
        // Pausing between attempts: it has the file open and was refused at least once.
        while (waiter.getState() != Thread.State.TIMED_WAITING && waiter.isAlive()) {
            Thread.sleep(1);
        }
        first.close();
        waiter.join();
        assertNull(secondFailure.get());

        try (VipLock held = second.get()) {
            assertTrue(held.waitedMicros() > 0, "the waiter was refused before the holder let go");
            assertEquals(file, held.file());
            assertTrue(Files.isRegularFile(held.file(), LinkOption.NOFOLLOW_LINKS), "the waiter's file is at the path");
            assertEquals(List.of(), openLockFilesWithoutAName(file), "the removed file's descriptor was closed");
            assertEquals(1, openDescriptorsOf(held.file()).size(), "this JVM holds the file at the path open once");
            String verdict = verdict(startHolder(List.of(), directory, VIP));
            assertTrue(verdict.startsWith("failed LOCK_TIMEOUT "), "another process cannot take it: " + verdict);
        }
        assertFalse(Files.exists(file));
    }

    @Test
    void aKilledHolderLeavesNoStaleLock() throws Exception {
        Process holder = holding(directory, VIP);
        assertEquals(ExitCode.LOCK_TIMEOUT, assertThrows(TakeoverException.class, () -> VipLock.acquire(directory, VIP, 0)).exitCode());

        holder.destroyForcibly();
        assertEquals(128 + 9, holder.waitFor(), "ended by SIGKILL");
        VipLock.acquire(directory, VIP, 0).close();
    }

    @Test
    void theKeyIsTheAddressNotThePrefix() throws Exception {
        holding(directory, Vip.parse("198.51.100.100/24", true).address());

        IpAddress sameAddressOtherPrefix = Vip.parse("198.51.100.100/32", true).address();
        assertEquals(ExitCode.LOCK_TIMEOUT, assertThrows(TakeoverException.class, () -> VipLock.acquire(directory, sameAddressOtherPrefix, 0)).exitCode());
        VipLock.acquire(directory, Vip.parse("198.51.100.101/24", true).address(), 0).close();
    }

    @Test
    void theSameAddressInAnotherNetworkNamespaceIsAnotherLock() throws Exception {
        // Without root this needs unprivileged user namespaces, which a machine may forbid: then it skips; as root it fails.
        boolean made = succeeds("unshare", "--net", "true");
        String why = "cannot create a network namespace with unshare (apt-get install util-linux)";
        assertTrue(made || !isRoot(), why);
        assumeTrue(made, "skipped: " + why);
        String verdict = verdict(startHolder(List.of("unshare", "--net"), directory, VIP));
        assertTrue(verdict.startsWith("locked "), verdict);

        try (VipLock lock = VipLock.acquire(directory, VIP, 0)) {
            assertNotEquals(verdict.substring("locked ".length()), lock.file().toString());
        }
    }

    @Test
    void createsAMissingDirectoryAndAFileOfItsOwnerAndTheDirectorysGroup() throws Exception {
        Path lockDirectory = directory.resolve("run/vipctl");
        try (VipLock lock = VipLock.acquire(lockDirectory, VIP, 0)) {
            Set<PosixFilePermission> directoryMode = Files.getPosixFilePermissions(lockDirectory);
            assertFalse(directoryMode.contains(PosixFilePermission.GROUP_WRITE) || directoryMode.contains(PosixFilePermission.OTHERS_WRITE),
                    PosixFilePermissions.toString(directoryMode));
            assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(lock.file())));
            assertEquals(Files.getAttribute(lockDirectory, "unix:gid"), Files.getAttribute(lock.file(), "unix:gid"));
        }
    }

    /**
     * The systemd unit's agent runs as user vipctl, whose group owns /run/vipctl (0750): a lock that root's own run
     * holds there is one the agent waits for, not one it may not open (a root file of group root, or 0600 by root's
     * umask, would be), and the other way round.
     */
    @Test
    void rootAndTheAgentsUserTakeTheSameLocksInTheAgentsDirectory() throws Exception {
        assumeTrue(isRoot(), "skipped: needs root to run a child as another user");
        String classPath = classPathForOthers();
        Path agents = Files.createDirectory(directory.resolve("agents-run"));
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setAttribute(agents, "unix:uid", 64101);
        Files.setAttribute(agents, "unix:gid", 4);
        Files.setPosixFilePermissions(agents, PosixFilePermissions.fromString("rwxr-x---"));
        List<String> asAgentUser = List.of("setpriv", "--reuid=64101", "--regid=4", "--clear-groups");

        try (VipLock held = VipLock.acquire(agents, VIP, 0)) {
            assertEquals(4, Files.getAttribute(held.file(), "unix:gid"), "the file takes the directory's group, not root's");
            String verdict = verdict(startHolder(asAgentUser, classPath, agents, VIP));
            assertTrue(verdict.startsWith("failed LOCK_TIMEOUT "), "the agent's user waits for root's lock: " + verdict);
        }
        Process agentsHolder = startHolder(asAgentUser, classPath, agents, VIP);
        assertTrue(verdict(agentsHolder).startsWith("locked "), "and takes it once root let go");
        TakeoverException e = assertThrows(TakeoverException.class, () -> VipLock.acquire(agents, VIP, 0));
        assertEquals(ExitCode.LOCK_TIMEOUT, e.exitCode(), "root waits for the agent's user's lock: " + e.getMessage());
        release(agentsHolder);
    }

    @Test
    void aGivenDirectoryThatCannotBeCreatedIsBadInputNamingIt() throws Exception {
        Path lockDirectory = Files.createFile(directory.resolve("regular-file")).resolve("vipctl");

        TakeoverException e = assertThrows(TakeoverException.class, () -> VipLock.acquire(lockDirectory, VIP, 0));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains(lockDirectory.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("Exception"), "the OS's reason, not the JDK's class: " + e.getMessage());
    }

    @Test
    void anUnprivilegedUserIsToldToRunAsRootOrPassLockDir() throws Exception {
        assumeTrue(isRoot(), "skipped: needs root to run a child as nobody");
        assertTrue(succeeds("setpriv", "--version"), "needs setpriv to run a child as nobody: apt-get install util-linux");
        String classPath = classPathForOthers();
        Path rootOnly = Files.createDirectory(directory.resolve("root-only"));
        Files.setPosixFilePermissions(rootOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> asNobody = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");

        // The file in an existing root-owned directory, then the directory itself.
        for (Path lockDirectory : List.of(rootOnly, rootOnly.resolve("vipctl"))) {
            String verdict = verdict(startHolder(asNobody, classPath, lockDirectory, VIP));
            assertTrue(verdict.startsWith("failed NOT_PRIVILEGED ") && verdict.contains(lockDirectory.toString())
                    && verdict.contains("run as root, or pass --lock-dir"), verdict);
        }
    }

    /**
     * A class path for a child of another user: that user may not be able to enter the checkout, so the child runs a
     * world-readable copy of the classes it needs, and of JNA.
     */
    private String classPathForOthers() throws Exception {
        Path classes = worldReadableCopyOf(directory.resolve("classes"), LockHolder.class, VipLock.class, ThisOs.class, LinuxVipLock.class, TakeoverException.class,
                ExitCode.class, IpAddress.class, IoErrors.class, FileCalls.class, FileCalls.OpenFile.class, Errno.class);
        Path jna = Files.copy(Path.of(com.sun.jna.Native.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
                directory.resolve("jna.jar"));
        Files.setPosixFilePermissions(jna, PosixFilePermissions.fromString("rw-r--r--"));
        return classes + ":" + jna;
    }

    /** This process's descriptors of {@code file} as it is now at its path (same device and inode). */
    private static List<Path> openDescriptorsOf(Path file) throws IOException {
        FileCalls.OpenFile atPath = FileCalls.describe(file);
        List<Path> found = new ArrayList<>();
        for (Path fd : descriptors()) {
            try {
                if (FileCalls.describeOpen(fd).sameFileAs(atPath)) {
                    found.add(fd);
                }
            } catch (IOException closedMeanwhile) {
                // the listing's own descriptor, or one another thread closed
            }
        }
        return found;
    }

    /** This process's descriptors of a removed file once named {@code file} (the kernel's link reads "PATH (deleted)"). */
    private static List<Path> openLockFilesWithoutAName(Path file) throws IOException {
        List<Path> found = new ArrayList<>();
        for (Path fd : descriptors()) {
            try {
                if (Files.readSymbolicLink(fd).toString().equals(file + " (deleted)")) {
                    found.add(fd);
                }
            } catch (IOException closedMeanwhile) {
                // as above
            }
        }
        return found;
    }

    private static List<Path> descriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.collect(Collectors.toList());
        }
    }

    private Process holding(Path lockDirectory, IpAddress vip) throws IOException {
        Process holder = startHolder(List.of(), lockDirectory, vip);
        String verdict = verdict(holder);
        assertTrue(verdict.startsWith("locked "), verdict);
        return holder;
    }

    private Process startHolder(List<String> prefix, Path lockDirectory, IpAddress vip) throws IOException {
        return startHolder(prefix, System.getProperty("java.class.path"), lockDirectory, vip);
    }

    private Process startHolder(List<String> prefix, String classPath, Path lockDirectory, IpAddress vip) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(JAVA, "-cp", classPath, LockHolder.class.getName(), lockDirectory.toString(), vip.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        children.add(child);
        return child;
    }

    /** The holder's {@code locked} or {@code failed} line; what it printed instead (a JVM error) fails the test. */
    private static String verdict(Process holder) throws IOException {
        BufferedReader output = new BufferedReader(new InputStreamReader(holder.getInputStream(), UTF_8));
        StringBuilder otherLines = new StringBuilder();
        for (String line = output.readLine(); line != null; line = output.readLine()) {
            if (line.startsWith("locked ") || line.startsWith("failed ")) {
                return line;
            }
            otherLines.append(line).append('\n');
        }
        return fail("the lock holder ended without a verdict:\n" + otherLines);
    }

    /** Lets the holder go and waits until it is gone, lock released. */
    private static void release(Process holder) throws IOException, InterruptedException {
        OutputStream input = holder.getOutputStream();
        input.write('\n');
        input.flush();
        assertEquals(0, holder.waitFor());
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static boolean succeeds(String... command) throws InterruptedException {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException notInstalled) {
            return false;
        }
    }

    private static Path worldReadableCopyOf(Path target, Class<?>... classes) throws IOException {
        for (Class<?> type : classes) {
            String resource = type.getName().replace('.', '/') + ".class";
            Path copy = target.resolve(resource);
            Files.createDirectories(copy.getParent());
            try (InputStream bytes = type.getClassLoader().getResourceAsStream(resource)) {
                Files.copy(bytes, copy);
            }
        }
        try (Stream<Path> files = Files.walk(target)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(Files.isDirectory(file) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return target;
    }
}
