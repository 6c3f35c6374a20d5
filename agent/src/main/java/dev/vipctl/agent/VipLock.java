package dev.vipctl.agent;

import dev.vipctl.os.IpAddress;

import java.nio.file.Path;

/**
 * One VIP's lock, held so that concurrent vipctl runs working on the same VIP take turns. {@link LinuxVipLock} on
 * Linux, {@link WindowsVipLock} on Windows: each OS's class is named only in its branch, so neither loads on the other.
 */
public interface VipLock extends AutoCloseable {
    /**
     * /run: a root-owned tmpfs, emptied at boot, that the FHS names for run-time data. A directory of our own, not
     * the world-writable /run/lock, so no other user can create or replace the lock files.
     */
    Path LINUX_DIRECTORY = Path.of("/run/vipctl");

    /**
     * Takes the lock of {@code vip}, creating {@code lockDirectory} when it is missing.
     *
     * @param lockDirectory the operator's --lock-dir, or null for this OS's default
     * @param timeoutMillis how long to wait for another holder to let go; 0 tries once
     * @throws TakeoverException {@link ExitCode#LOCK_TIMEOUT} when still held after the timeout, else as the OS's lock
     *         says
     */
    static VipLock acquire(Path lockDirectory, IpAddress vip, long timeoutMillis) throws TakeoverException {
        if (ThisOs.isWindows()) {
            return WindowsVipLock.acquire(lockDirectory == null ? WindowsVipLock.defaultDirectory() : lockDirectory, vip, timeoutMillis);
        }
        return LinuxVipLock.acquire(lockDirectory == null ? LINUX_DIRECTORY : lockDirectory, vip, timeoutMillis);
    }

    /** The lock file, for messages. */
    Path file();

    /**
     * How long {@link #acquire} waited for another holder, in microseconds: from the first refusal to the lock; 0 when
     * the lock was free at once (opening the file, a few ms of class loading in a cold JVM, is not waiting).
     */
    long waitedMicros();

    /** Releases the lock; closing again does nothing. */
    @Override
    void close();
}
