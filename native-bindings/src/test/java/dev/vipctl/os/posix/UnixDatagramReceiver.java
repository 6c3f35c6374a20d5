package dev.vipctl.os.posix;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A Linux AF_UNIX datagram socket bound to a path or (with '@') an abstract name, for tests that play systemd's
 * {@code $NOTIFY_SOCKET}: JDK 17's DatagramChannel has no AF_UNIX. Its sockaddr_un is written here from sys/un.h,
 * apart from the production codec, so that the two are checked against each other on the wire.
 */
public final class UnixDatagramReceiver implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final short POLLIN = 1;
    private static final int DATAGRAM_BYTES = 4096;

    private final int fd;

    private UnixDatagramReceiver(int fd) {
        this.fd = fd;
    }

    /** Binds a new socket to {@code name} in the calling thread's network namespace (which holds abstract names). */
    public static UnixDatagramReceiver bind(String name) throws IOException {
        boolean isAbstract = name.startsWith("@");
        byte[] text = (isAbstract ? name.substring(1) : name).getBytes(StandardCharsets.UTF_8);
        ByteBuffer address = ByteBuffer.allocate(2 + 1 + text.length).order(ByteOrder.nativeOrder());
        address.putShort((short) AF_UNIX);
        if (isAbstract) {
            address.put((byte) 0).put(text); // no trailing NUL: the length ends the name
        } else {
            address.put(text).put((byte) 0);
        }
        int fd = LibC.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("socket(AF_UNIX, SOCK_DGRAM): errno " + Native.getLastError());
        }
        try (Memory memory = new Memory(address.capacity())) {
            memory.write(0, address.array(), 0, address.capacity());
            if (LibC.bind(fd, memory, address.capacity()) != 0) {
                int errno = Native.getLastError();
                LibC.close(fd);
                throw new IOException("bind " + name + ": errno " + errno);
            }
        }
        return new UnixDatagramReceiver(fd);
    }

    /** The next datagram's text, or null if none came within {@code timeoutMillis}. */
    public String receive(int timeoutMillis) throws IOException {
        try (Memory pollFd = new Memory(8); Memory buffer = new Memory(DATAGRAM_BYTES)) {
            pollFd.clear();
            pollFd.setInt(0, fd);
            pollFd.setShort(4, POLLIN);
            int ready = LibC.poll(pollFd, new NativeLong(1), timeoutMillis);
            if (ready < 0) {
                throw new IOException("poll: errno " + Native.getLastError());
            }
            if (ready == 0) {
                return null;
            }
            long length = LibC.recv(fd, buffer, new NativeLong(DATAGRAM_BYTES), 0).longValue();
            if (length < 0) {
                throw new IOException("recv: errno " + Native.getLastError());
            }
            return new String(buffer.getByteArray(0, (int) length), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        LibC.close(fd);
    }
}
