package dev.vipctl.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import dev.vipctl.os.posix.LibC;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An AF_PACKET socket for ARP on one interface (docs/linux.md#the-packet-socket): sends whole Ethernet frames
 * and receives the ARP frames other hosts send. Opening it costs microseconds once JNA is loaded, against tens of
 * milliseconds for libpcap, which is why the takeover path uses it on Linux. Needs CAP_NET_RAW. It belongs to the
 * network namespace of the thread that opens it.
 */
public final class ArpPacketSocket implements AutoCloseable {
    /** linux/net.h */
    private static final int SOCK_RAW = 3;
    /** linux/net.h: O_CLOEXEC, so a forked child does not inherit the socket */
    private static final int SOCK_CLOEXEC = 0x80000;
    /** linux/if_ether.h */
    private static final int ETH_P_ARP = 0x0806;
    /** linux/socket.h */
    private static final int SOL_PACKET = 263;
    /** linux/if_packet.h (kernel 4.20+): the kernel then never hands this host's own frames to the socket */
    private static final int PACKET_IGNORE_OUTGOING = 23;
    /** linux/socket.h */
    private static final int MSG_DONTWAIT = 0x40;
    /** An Ethernet frame without FCS; ARP needs 42 (60 padded), a VLAN tag would add 4. */
    private static final int FRAME_BYTES = 1514;

    /**
     * One daemon thread, made at the first close and kept: a thread started per socket costs the resident agent more
     * CPU than a whole 'down'. Closes queue behind it, one grace period each.
     */
    private static final ExecutorService CLOSER = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "close-arp-sockets");
        thread.setDaemon(true);
        return thread;
    });

    private final String interfaceName;
    private final int fd;
    private final Memory sendBuffer = new Memory(FRAME_BYTES);
    private final Memory receiveBuffer = new Memory(FRAME_BYTES);
    private final Memory source = new Memory(SockaddrLl.LENGTH);
    private final Memory sourceLength = new Memory(4);
    private final PollSet readable = new PollSet(1);
    private boolean closed;

    private ArpPacketSocket(String interfaceName, int fd) {
        this.interfaceName = interfaceName;
        this.fd = fd;
        readable.add(fd, PollSet.POLLIN);
    }

    /** @throws IOException naming the cause and its fix: no privilege, interface missing or down */
    public static ArpPacketSocket open(String interfaceName) throws IOException {
        int index = LibC.if_nametoindex(interfaceName);
        if (index == 0) {
            throw failure("cannot open interface " + interfaceName + " for ARP", interfaceName, Native.getLastError());
        }
        // Protocol 0 here and ETH_P_ARP in bind(): a protocol given to socket() would hook the socket to every interface
        // first, and bind() would then unhook it, which waits for an RCU grace period (6-8 ms measured here).
        int fd = LibC.socket(SockaddrLl.AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw failure("cannot open a packet socket for ARP on " + interfaceName, interfaceName, Native.getLastError());
        }
        try (Memory address = new Memory(SockaddrLl.LENGTH); Memory one = new Memory(4)) {
            address.write(0, SockaddrLl.forBind(ByteOrder.nativeOrder(), ETH_P_ARP, index), 0, SockaddrLl.LENGTH);
            if (LibC.bind(fd, address, SockaddrLl.LENGTH) != 0) {
                throw failure("cannot bind the packet socket to " + interfaceName, interfaceName, Native.getLastError());
            }
            one.setInt(0, 1);
            // Optional: an older kernel answers ENOPROTOOPT, and receive() then skips our own frames by sll_pkttype.
            LibC.setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, one, 4);
        } catch (IOException e) {
            LibC.close(fd);
            throw e;
        }
        return new ArpPacketSocket(interfaceName, fd);
    }

    public synchronized void send(byte[] frame) throws IOException {
        requireOpen();
        sendBuffer.write(0, frame, 0, frame.length);
        long sent = LibC.send(fd, sendBuffer, new NativeLong(frame.length), 0).longValue();
        if (sent != frame.length) {
            throw failure("cannot send a frame on interface " + interfaceName, interfaceName, sent < 0 ? Native.getLastError() : 0);
        }
    }

    /**
     * The next ARP frame another host sent, waiting up to {@code timeoutMillis} (0: only what is already there);
     * null if none came. A fresh array each time.
     */
    public synchronized byte[] receive(int timeoutMillis) throws IOException {
        requireOpen();
        while (true) {
            sourceLength.setInt(0, SockaddrLl.LENGTH);
            long length = LibC.recvfrom(fd, receiveBuffer, new NativeLong(FRAME_BYTES), MSG_DONTWAIT, source, sourceLength).longValue();
            if (length >= 0) {
                if (SockaddrLl.packetType(source.getByteArray(0, SockaddrLl.LENGTH)) == SockaddrLl.PACKET_OUTGOING) {
                    continue;
                }
                return receiveBuffer.getByteArray(0, (int) length);
            }
            int errno = Native.getLastError();
            if (errno == Errno.EINTR) {
                continue;
            }
            if (errno != Errno.EAGAIN) {
                throw failure("cannot receive ARP frames on interface " + interfaceName, interfaceName, errno);
            }
            if (timeoutMillis <= 0) {
                return null;
            }
            try {
                readable.poll(timeoutMillis);
            } catch (IOException e) {
                throw new IOException("cannot wait for ARP frames on interface " + interfaceName + ": " + e.getMessage(), e);
            }
            timeoutMillis = 0; // ready, timed out or interrupted: read what is there, do not wait again
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the ARP socket on " + interfaceName + " was already closed");
        }
    }

    static IOException failure(String action, String interfaceName, int errno) {
        String fix;
        if (errno == Errno.EPERM || errno == Errno.EACCES) {
            fix = "run as root, or give the java binary CAP_NET_RAW (setcap cap_net_raw+ep, or systemd AmbientCapabilities=CAP_NET_RAW)";
        } else if (errno == Errno.ENODEV || errno == Errno.ENXIO) {
            fix = "interface " + interfaceName + " does not exist (any more); check the interface name";
        } else if (errno == Errno.ENETDOWN) {
            fix = "interface " + interfaceName + " is down; bring it up first";
        } else {
            return new IOException(action + ": " + Errno.describe(errno));
        }
        return new IOException(action + " (" + Errno.describe(errno) + "): " + fix);
    }

    /**
     * Returns at once: the kernel's release of a packet socket waits for an RCU grace period (about 16 ms measured
     * here), which nothing needs to wait for, so {@link #CLOSER} closes the descriptor. Closing twice is harmless.
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            CLOSER.execute(() -> LibC.close(fd));
        }
    }
}
