package dev.vipctl.agent;

import dev.vipctl.os.IpAddress;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One VIP's lock, held so that concurrent vipctl processes working on the same VIP take turns. It is an OS advisory
 * lock on a file ({@link FileChannel#tryLock()}, a POSIX {@code fcntl} record lock on Linux), so the kernel releases
 * it when the process ends in any way, {@code kill -9} included: a crashed vipctl never leaves a stale lock.
 *
 * <p>The key is the VIP's address, without its prefix, and the network namespace of this process: the same address
 * in two namespaces (test labs, containers) is two different VIPs. The file is
 * {@code vip-<address>-net<namespace inode>.lock}, e.g. {@code vip-198.51.100.100-net4026531840.lock}, or
 * {@code vip-<address>.lock} where {@code /proc/self/ns/net} cannot be read.
 *
 * <p>Lock files are never deleted: a waiter may already have the file open, and after a delete it would lock the
 * orphaned inode while the next vipctl creates and locks a new file, both believing they hold the lock. They are
 * empty, one per VIP and namespace ever used, and {@link #DEFAULT_DIRECTORY} is emptied at every boot.
 *
 * <p>Within one JVM (the resident agent runs requests side by side) holders take turns before they open the file:
 * POSIX record locks belong to the process, so a second descriptor of the same file would find the lock its own, and
 * closing that descriptor would drop the first holder's lock.
 */
public final class VipLock implements AutoCloseable {
    /**
     * /run: a root-owned tmpfs, emptied at boot, that the FHS names for run-time data. A directory of our own, not
     * the world-writable /run/lock, so no other user can create or replace the lock files.
     */
    public static final Path DEFAULT_DIRECTORY = Path.of("/run/vipctl");

    /**
     * Polling, not a blocking {@link FileChannel#lock()}: that has no timeout and can only be abandoned from another
     * thread. 5 ms notices a release soon enough not to matter next to a takeover's own milliseconds, and costs a
     * waiter only 200 cheap syscalls a second.
     */
    private static final long POLL_PAUSE_MILLIS = 5;
    private static final Path NETWORK_NAMESPACE_LINK = Path.of("/proc/self/ns/net");
    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"));
    /** Owner only: anyone who can read the file can take a shared lock on it and so keep vipctl waiting. */
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    /** Not following links: in a shared --lock-dir, a planted symlink must not make root create a file elsewhere. */
    private static final Set<OpenOption> OPEN_OPTIONS =
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    /** One permit per lock file: who in this JVM may open it (see the class comment). */
    private static final ConcurrentMap<Path, Semaphore> TURNS_IN_THIS_JVM = new ConcurrentHashMap<>();

    private final Path file;
    private final Semaphore turn;
    private final FileChannel channel;
    private final long waitedMicros;

    private VipLock(Path file, Semaphore turn, FileChannel channel, long waitedMicros) {
        this.file = file;
        this.turn = turn;
        this.channel = channel;
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
    public static VipLock acquire(Path lockDirectory, IpAddress vip, long timeoutMillis) throws TakeoverException {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("lock timeout must be 0 or more milliseconds, not " + timeoutMillis);
        }
        long startNanos = System.nanoTime();
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        Path file = lockDirectory.resolve(fileName(vip, networkNamespaceId()));
        Semaphore turn = turnInThisJvm(file);
        long refusedNanos = 0;
        boolean myTurn = false;
        FileChannel channel = null;
        try {
            myTurn = turn.tryAcquire();
            if (!myTurn) {
                refusedNanos = System.nanoTime();
                myTurn = turn.tryAcquire(Math.max(0, timeoutNanos - (refusedNanos - startNanos)), TimeUnit.NANOSECONDS);
                if (!myTurn) {
                    throw stillLocked(vip, timeoutMillis, file);
                }
            }
            channel = open(lockDirectory, file);
            while (!tryLock(channel, file)) {
                if (refusedNanos == 0) {
                    refusedNanos = System.nanoTime();
                }
                if (System.nanoTime() - startNanos >= timeoutNanos) {
                    throw stillLocked(vip, timeoutMillis, file);
                }
                Thread.sleep(POLL_PAUSE_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            giveUp(myTurn ? turn : null, channel);
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "interrupted while waiting for the lock " + file, e);
        } catch (TakeoverException e) {
            giveUp(myTurn ? turn : null, channel);
            throw e;
        }
        return new VipLock(file, turn, channel, refusedNanos == 0 ? 0 : (System.nanoTime() - refusedNanos) / 1000);
    }

    private static Semaphore turnInThisJvm(Path file) {
        Semaphore turn = TURNS_IN_THIS_JVM.get(file);
        if (turn == null) {
            Semaphore mine = new Semaphore(1);
            turn = TURNS_IN_THIS_JVM.putIfAbsent(file, mine);
            turn = turn == null ? mine : turn;
        }
        return turn;
    }

    /** Undoes a partial acquire: closes the descriptor if it was opened, then gives back this JVM's turn if it was taken. */
    private static void giveUp(Semaphore turn, FileChannel channel) {
        if (channel != null) {
            release(channel);
        }
        if (turn != null) {
            turn.release();
        }
    }

    private static TakeoverException stillLocked(IpAddress vip, long timeoutMillis, Path file) {
        return new TakeoverException(ExitCode.LOCK_TIMEOUT, "VIP " + vip + " is still locked after " + timeoutMillis
                + " ms (" + file + "): another vipctl is working on this VIP; raise --lock-timeout-ms, or find it with: fuser " + file);
    }

    private static String fileName(IpAddress vip, String networkNamespaceId) {
        return "vip-" + vip + (networkNamespaceId == null ? "" : "-net" + networkNamespaceId) + ".lock";
    }

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

    private static FileChannel open(Path lockDirectory, Path file) throws TakeoverException {
        Path opening = lockDirectory;
        try {
            Files.createDirectories(lockDirectory, DIRECTORY_MODE);
            opening = file;
            return FileChannel.open(file, OPEN_OPTIONS, FILE_MODE);
        } catch (AccessDeniedException e) {
            throw new TakeoverException(ExitCode.NOT_PRIVILEGED, "no permission to create or open " + opening
                    + " for the VIP's lock: run as root, or pass --lock-dir with a directory you can write", e);
        } catch (IOException e) {
            // An operator's --lock-dir that cannot hold files is bad input; the default one failing is not theirs.
            ExitCode code = lockDirectory.equals(DEFAULT_DIRECTORY) ? ExitCode.INTERNAL_ERROR : ExitCode.BAD_INPUT;
            throw new TakeoverException(code, "cannot create or open " + opening + " for the VIP's lock ("
                    + IoErrors.reason(e) + "): pass --lock-dir with a directory on a writable file system, e.g. /run/vipctl", e);
        }
    }

    private static boolean tryLock(FileChannel channel, Path file) throws TakeoverException {
        try {
            return channel.tryLock() != null;
        } catch (OverlappingFileLockException heldByThisJvm) {
            return false;
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "cannot lock " + file + ": " + e, e);
        }
    }

    /** Closing the channel releases its lock. */
    private static void release(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // close(2) frees the descriptor, and with it the lock, even when it reports an error: nothing is left to do.
        }
    }

    /** The lock file, for messages and for {@code fuser}. */
    public Path file() {
        return file;
    }

    /**
     * How long {@link #acquire} waited for another holder, in microseconds: from the first refusal to the lock; 0 when
     * the lock was free at once (opening the file, a few ms of class loading in a cold JVM, is not waiting).
     */
    public long waitedMicros() {
        return waitedMicros;
    }

    /** Releases the lock; the file stays (see the class comment). Closing again does nothing. */
    @Override
    public synchronized void close() {
        if (channel.isOpen()) {
            release(channel);
            turn.release();
        }
    }
}
