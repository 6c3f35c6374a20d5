package dev.vipctl.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import dev.vipctl.os.posix.LibC;

import java.io.IOException;

/** Descriptors to wait on with poll(2): an array of struct pollfd {int fd @0; short events @4; short revents @6}. */
public final class PollSet {
    /** asm-generic/poll.h: POLLIN 0x1, POLLOUT 0x4, POLLERR 0x8, POLLHUP 0x10. */
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    private static final int POLLFD_BYTES = 8;

    private Memory entries;
    private int count;

    public PollSet(int capacity) {
        entries = new Memory((long) Math.max(1, capacity) * POLLFD_BYTES);
    }

    /** Forgets every descriptor. */
    public void clear() {
        count = 0;
    }

    /** Adds {@code fd} to wait for {@code events}; returns its index. */
    public int add(int fd, short events) {
        if ((long) (count + 1) * POLLFD_BYTES > entries.size()) {
            Memory larger = new Memory(entries.size() * 2);
            larger.write(0, entries.getByteArray(0, count * POLLFD_BYTES), 0, count * POLLFD_BYTES);
            entries = larger;
        }
        entries.setInt((long) count * POLLFD_BYTES, fd);
        entries.setShort((long) count * POLLFD_BYTES + 4, events);
        entries.setShort((long) count * POLLFD_BYTES + 6, (short) 0);
        return count++;
    }

    /** How many descriptors it holds: the index the next {@link #add} returns. */
    public int size() {
        return count;
    }

    /**
     * Waits until a descriptor is ready or {@code timeoutMillis} passes (-1: no limit).
     *
     * @return how many are ready; 0 on timeout or when a signal interrupted the wait
     */
    public int poll(int timeoutMillis) throws IOException {
        int ready = LibC.poll(entries, new NativeLong(count), timeoutMillis);
        if (ready >= 0) {
            return ready;
        }
        int errno = Native.getLastError();
        if (errno == Errno.EINTR) {
            return 0;
        }
        throw new IOException("poll failed: " + Errno.describe(errno));
    }

    /** The events that came for the descriptor at {@code index}. */
    public short returned(int index) {
        return entries.getShort((long) index * POLLFD_BYTES + 6);
    }
}
