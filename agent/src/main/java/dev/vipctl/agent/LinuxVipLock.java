package dev.vipctl.agent;

import com.sun.jna.Native;
import dev.vipctl.linux.Errno;
import dev.vipctl.linux.FileCalls;
import dev.vipctl.os.IpAddress;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The {@link VipLock} on Linux: {@code flock(2)} on a
 * file: a lock of the open file description, which the kernel drops when the last descriptor of it closes, so a
 * process that ends in any way ({@code kill -9} included) leaves no stale lock; and two descriptors, in two processes
 * or two threads of one (the resident agent's requests), exclude each other, whatever path they were opened by.
 *
 * <p>The key is the VIP's address, without its prefix, and the network namespace of this process: the same address
 * in two namespaces (test labs, containers) is two different VIPs. The file is
 * {@code vip-<address>-net<namespace inode>.lock}, e.g. {@code vip-198.51.100.100-net4026531840.lock}, or
 * {@code vip-<address>.lock} where {@code /proc/self/ns/net} cannot be read.
 *
 * <p>The holder removes the file when it lets go, so files do not pile up (one per VIP and namespace ever used). A
 * waiter may have opened the file before it was removed and then get the lock of a file that is no longer there; so a
 * lock counts only when the locked file still has its name, checked on the descriptor, and otherwise the waiter opens
 * the name again.
 */
final class LinuxVipLock implements VipLock {
    /**
     * Polling, not a blocking flock: that has no timeout. 5 ms notices a release soon enough not to matter next to a
     * takeover's own milliseconds, and costs a waiter only 200 cheap syscalls a second.
     */
    private static final long POLL_PAUSE_MILLIS = 5;
    private static final Path NETWORK_NAMESPACE_LINK = Path.of("/proc/self/ns/net");
    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"));
    /**
     * The owner, and the group of the lock directory, may open the file (to lock, reading is enough): anyone who can open
     * it can lock it and so keep vipctl waiting. Under its systemd unit the resident agent runs as user vipctl, whose
     * group owns the default directory: so it and root's own runs take the same locks.
     */
    private static final int FILE_MODE = 0640;
    /**
     * Not following links: in a shared --lock-dir, a planted symlink must not make root create a file elsewhere; not
     * waiting: a FIFO planted under the name must not hold the open.
     */
    private static final int OPEN_FLAGS = FileCalls.O_RDONLY | FileCalls.O_CREAT | FileCalls.O_NOFOLLOW | FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC;
    private static final int OWNER = FileCalls.geteuid();

    private final Path file;
    private final long waitedMicros;
    private int fd;

    private LinuxVipLock(Path file, int fd, long waitedMicros) {
        this.file = file;
        this.fd = fd;
        this.waitedMicros = waitedMicros;
    }

    /**
     * Takes the lock of {@code vip} in this network namespace, creating {@code lockDirectory} when it is missing.
     *
     * @param timeoutMillis how long to wait for another holder to let go; 0 tries once
     * @throws TakeoverException {@link ExitCode#LOCK_TIMEOUT} when still held after the timeout,
     *         {@link ExitCode#NOT_PRIVILEGED} when the directory or file may not be created or opened,
     *         {@link ExitCode#BAD_INPUT} when a given lock directory cannot hold files, {@link ExitCode#INTERNAL_ERROR} on
     *         any other I/O error
     */
    static LinuxVipLock acquire(Path lockDirectory, IpAddress vip, long timeoutMillis) throws TakeoverException {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("lock timeout must be 0 or more milliseconds, not " + timeoutMillis);
        }
        long startNanos = System.nanoTime();
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        Path file = lockDirectory.resolve(fileName(vip, NETWORK_NAMESPACE_ID));
        long refusedNanos = 0;
        while (true) {
            int fd = open(lockDirectory, file);
            try {
                while (!tryLock(fd, file)) {
                    if (refusedNanos == 0) {
                        refusedNanos = System.nanoTime();
                    }
                    if (System.nanoTime() - startNanos >= timeoutNanos) {
                        throw stillLocked(vip, timeoutMillis, file);
                    }
                    Thread.sleep(POLL_PAUSE_MILLIS);
                }
                FileCalls.OpenFile locked = describe(fd, file);
                if (locked.links > 0) { // still named
                    shareWithDirectoryGroup(fd, locked, lockDirectory);
                    return new LinuxVipLock(file, fd, refusedNanos == 0 ? 0 : (System.nanoTime() - refusedNanos) / 1000);
                }
                // The holder we waited for removed the file: the lock that counts is the one of the file named now.
                FileCalls.close(fd);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                FileCalls.close(fd);
                throw new TakeoverException(ExitCode.INTERNAL_ERROR, "interrupted while waiting for the lock " + file, e);
            } catch (TakeoverException | RuntimeException e) {
                FileCalls.close(fd);
                throw e;
            }
        }
    }

    private static TakeoverException stillLocked(IpAddress vip, long timeoutMillis, Path file) {
        return new TakeoverException(ExitCode.LOCK_TIMEOUT, "VIP " + vip + " is still locked after " + timeoutMillis
                + " ms (" + file + "): another vipctl is working on this VIP; raise --lock-timeout-ms, or find it with: fuser " + file);
    }

    private static String fileName(IpAddress vip, String networkNamespaceId) {
        return "vip-" + vip + (networkNamespaceId == null ? "" : "-net" + networkNamespaceId) + ".lock";
    }

    /**
     * This process's network namespace, read once: a process does not change namespaces (the threads that the bench
     * and the tests move into labs take no VIP lock).
     */
    private static final String NETWORK_NAMESPACE_ID = networkNamespaceId();

    /** The inode number in the link {@code net:[4026531840]}, unique among the namespaces alive; null when unreadable. */
    private static String networkNamespaceId() {
        String target;
        try {
            target = Files.readSymbolicLink(NETWORK_NAMESPACE_LINK).toString();
        } catch (IOException | UnsupportedOperationException notLinux) {
            return null;
        }
        if (!target.startsWith("net:[") || !target.endsWith("]")) {
            return null;
        }
        String id = target.substring("net:[".length(), target.length() - 1);
        return !id.isEmpty() && IpAddress.isDecimal(id) ? id : null;
    }

    private static void createDirectory(Path lockDirectory) throws TakeoverException {
        try {
            Files.createDirectories(lockDirectory, DIRECTORY_MODE);
        } catch (AccessDeniedException e) {
            throw noPermission(lockDirectory, e);
        } catch (IOException e) {
            throw unusable(lockDirectory, lockDirectory, IoErrors.reason(e), e);
        }
    }

    /** Opens the lock file, creating it, and the directory when that is missing (the common case costs one call). */
    private static int open(Path lockDirectory, Path file) throws TakeoverException {
        int fd = FileCalls.open(file.toString(), OPEN_FLAGS, FILE_MODE);
        int errno = fd >= 0 ? 0 : Native.getLastError();
        if (errno == Errno.ENOENT) {
            createDirectory(lockDirectory);
            fd = FileCalls.open(file.toString(), OPEN_FLAGS, FILE_MODE);
            errno = fd >= 0 ? 0 : Native.getLastError();
        }
        if (fd >= 0) {
            return fd;
        }
        if (errno == Errno.EACCES || errno == Errno.EPERM) {
            throw noPermission(file, null);
        }
        throw unusable(lockDirectory, file, errno == Errno.ELOOP ? "it is a symbolic link, which vipctl does not follow" : Errno.describe(errno), null);
    }

    /**
     * A file this process made gets its directory's group and {@link #FILE_MODE}, whatever the umask and the process's
     * group: as a set-group-id directory would give, which vipctl does not rely on. Only a regular file it owns with
     * one name: never a file someone linked there. Done once the lock is held: it is the holder's file that others
     * open while they wait.
     */
    private static void shareWithDirectoryGroup(int fd, FileCalls.OpenFile file, Path lockDirectory) throws TakeoverException {
        if (!file.isRegularFile() || file.uid != OWNER || file.links != 1) {
            return;
        }
        int group;
        try {
            group = (Integer) Files.getAttribute(lockDirectory, "unix:gid");
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "cannot examine the lock directory " + lockDirectory + ": " + IoErrors.describe(e), e);
        }
        if (file.gid != group) {
            FileCalls.fchown(fd, -1, group); // root may; another user only to a group of its own, else it stays
        }
        if (file.permissions() != FILE_MODE) {
            FileCalls.fchmod(fd, FILE_MODE);
        }
    }

    private static TakeoverException noPermission(Path path, Exception cause) {
        return new TakeoverException(ExitCode.NOT_PRIVILEGED, "no permission to create or open " + path
                + " for the VIP's lock: run as root, or pass --lock-dir with a directory you can write", cause);
    }

    /** An operator's --lock-dir that cannot hold files is bad input; the default one failing is not theirs. */
    private static TakeoverException unusable(Path lockDirectory, Path path, String reason, Exception cause) {
        ExitCode code = lockDirectory.equals(LINUX_DIRECTORY) ? ExitCode.INTERNAL_ERROR : ExitCode.BAD_INPUT;
        return new TakeoverException(code, "cannot create or open " + path + " for the VIP's lock (" + reason
                + "): pass --lock-dir with a directory on a writable file system, e.g. /run/vipctl", cause);
    }

    private static boolean tryLock(int fd, Path file) throws TakeoverException {
        if (FileCalls.flock(fd, FileCalls.LOCK_EX | FileCalls.LOCK_NB) == 0) {
            return true;
        }
        int errno = Native.getLastError();
        if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
            return false;
        }
        throw new TakeoverException(ExitCode.INTERNAL_ERROR, "cannot lock " + file + ": " + Errno.describe(errno));
    }

    /**
     * The file open on {@code fd}, looked at once the lock is held: lock files are only ever created at their name and
     * removed by their holder, never renamed, so a file with a link is still the one named {@code file}. (One look at
     * the descriptor, where comparing with the name would take a second.)
     */
    private static FileCalls.OpenFile describe(int fd, Path file) throws TakeoverException {
        try {
            return FileCalls.describe(fd);
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "cannot examine the lock " + file + ": " + IoErrors.describe(e), e);
        }
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public long waitedMicros() {
        return waitedMicros;
    }

    /**
     * Removes the file, then releases the lock. Removed first, while still held, so that nobody can lock this file
     * and count on it; a waiter that has it open finds the name gone and starts over. (The name still refers to this
     * file: a vipctl removes only the file it holds.) Closing again does nothing.
     */
    @Override
    public synchronized void close() {
        if (fd < 0) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // Left in place, it is used and removed by the next holder; the lock itself goes with the descriptor.
        } finally {
            FileCalls.close(fd);
            fd = -1;
        }
    }
}
