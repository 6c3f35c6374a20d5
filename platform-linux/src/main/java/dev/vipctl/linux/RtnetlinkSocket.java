package dev.vipctl.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import dev.vipctl.os.OsException;
import dev.vipctl.os.posix.LibC;

import java.util.List;

/**
 * An rtnetlink socket (docs/linux.md#the-socket) through the libc calls of {@link LibC}: sends one encoded
 * request at a time and gathers the kernel's replies to it, matched on nlmsg_seq. The native buffers are allocated once,
 * so a request allocates no native memory. A socket belongs to the network namespace of the thread that opened it.
 */
final class RtnetlinkSocket implements AutoCloseable {
    /** linux/socket.h */
    private static final int AF_NETLINK = 16;
    /** linux/net.h */
    private static final int SOCK_RAW = 3;
    /** linux/net.h: O_CLOEXEC, so a forked child does not inherit the socket */
    private static final int SOCK_CLOEXEC = 0x80000;
    /** linux/netlink.h */
    private static final int NETLINK_ROUTE = 0;
    /** linux/netlink.h: sizeof(struct sockaddr_nl) */
    private static final int SOCKADDR_NL_LEN = 12;
    /** linux/socket.h */
    private static final int SOL_NETLINK = 270;
    /** linux/netlink.h */
    private static final int NETLINK_CAP_ACK = 10;
    /** linux/netlink.h */
    private static final int NETLINK_EXT_ACK = 11;
    /** linux/netlink.h */
    private static final int NETLINK_GET_STRICT_CHK = 12;
    /** asm-generic/socket.h */
    private static final int SOL_SOCKET = 1;
    /**
     * asm-generic/socket.h SO_RCVTIMEO(_OLD) 20, which takes a struct timeval of two C longs; powerpc's
     * arch/powerpc/include/uapi/asm/socket.h numbers it 18.
     */
    private static final int SO_RCVTIMEO = System.getProperty("os.arch", "").startsWith("ppc") ? 18 : 20;
    /** linux/socket.h: the datagram stays queued */
    private static final int MSG_PEEK = 0x2;
    /** linux/socket.h: recv returns the datagram's full length even when it was cut to fit the buffer */
    private static final int MSG_TRUNC = 0x20;

    /**
     * The kernel cuts a dump into datagrams no larger than the reader's receive buffer, up to 32 KiB (docs/linux.md#listing-addresses), so
     * that many messages come in each. A single larger message (a link with many attributes) grows the buffer.
     */
    private static final int RECEIVE_BUFFER_BYTES = 32 * 1024;
    /** Far above the largest request vipctl builds (an address with a label: 68 bytes). */
    private static final int SEND_BUFFER_BYTES = 1024;
    /** The kernel answers in microseconds; this only bounds a wait for an answer that never comes. */
    private static final int RECEIVE_TIMEOUT_SECONDS = 5;

    /** No bytes: where a peek that only asks for the datagram's length copies to. */
    private static final NativeLong NOTHING = new NativeLong(0);

    private final RtnetlinkCodec codec;
    private final int fd;
    private final Memory sendBuffer = new Memory(SEND_BUFFER_BYTES);
    private Memory receiveBuffer;
    private NativeLong receiveBufferLength;
    private byte[] received;
    private long bytesReceived;
    private int lastSequence;
    private boolean closed;

    private RtnetlinkSocket(RtnetlinkCodec codec, int fd, int receiveBufferBytes) {
        this.codec = codec;
        this.fd = fd;
        allocateReceiveBuffer(receiveBufferBytes);
    }

    /** Opens and binds a NETLINK_ROUTE socket in the calling thread's network namespace. */
    static RtnetlinkSocket open(RtnetlinkCodec codec) throws OsException {
        return open(codec, RECEIVE_BUFFER_BYTES);
    }

    /** The same with a receive buffer of the given size to start with; it grows to fit any datagram. */
    static RtnetlinkSocket open(RtnetlinkCodec codec, int receiveBufferBytes) throws OsException {
        int fd = LibC.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) {
            throw ioFailure("cannot open an rtnetlink socket: socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) failed", Native.getLastError());
        }
        try {
            bind(fd);
            // Optional features (docs/linux.md#the-socket): the error text (EXT_ACK), error ACKs without the echoed request (CAP_ACK),
            // kernel-side filtering of dumps (GET_STRICT_CHK). A kernel too old for one of them answers ENOPROTOOPT,
            // and the codec copes without it: no text, a full echo, a dump filtered client-side.
            setOptionalNetlinkFlag(fd, NETLINK_EXT_ACK, "NETLINK_EXT_ACK");
            setOptionalNetlinkFlag(fd, NETLINK_CAP_ACK, "NETLINK_CAP_ACK");
            setOptionalNetlinkFlag(fd, NETLINK_GET_STRICT_CHK, "NETLINK_GET_STRICT_CHK");
            setReceiveTimeout(fd);
        } catch (OsException e) {
            LibC.close(fd);
            throw e;
        }
        return new RtnetlinkSocket(codec, fd, receiveBufferBytes);
    }

    private static void bind(int fd) throws OsException {
        try (Memory address = new Memory(SOCKADDR_NL_LEN)) {
            address.clear(); // nl_pid 0: the kernel assigns the port id; nl_groups 0: no notifications
            address.setShort(0, (short) AF_NETLINK);
            if (LibC.bind(fd, address, SOCKADDR_NL_LEN) != 0) {
                throw ioFailure("cannot bind the rtnetlink socket", Native.getLastError());
            }
        }
    }

    private static void setOptionalNetlinkFlag(int fd, int option, String name) throws OsException {
        try (Memory one = new Memory(4)) {
            one.setInt(0, 1);
            if (LibC.setsockopt(fd, SOL_NETLINK, option, one, 4) != 0) {
                int errno = Native.getLastError();
                if (errno != Errno.ENOPROTOOPT) {
                    throw ioFailure("cannot set " + name + " on the rtnetlink socket", errno);
                }
            }
        }
    }

    private static void setReceiveTimeout(int fd) throws OsException {
        try (Memory timeval = new Memory(2L * NativeLong.SIZE)) {
            timeval.setNativeLong(0, new NativeLong(RECEIVE_TIMEOUT_SECONDS)); // tv_sec
            timeval.setNativeLong(NativeLong.SIZE, new NativeLong(0)); // tv_usec
            if (LibC.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval, (int) timeval.size()) != 0) {
                throw ioFailure("cannot set a receive timeout (SO_RCVTIMEO) on the rtnetlink socket", Native.getLastError());
            }
        }
    }

    /** The sequence number for the next request; replies are matched on it. */
    synchronized int nextSequence() {
        return ++lastSequence;
    }

    /**
     * Sends a request that asks for an ACK and waits for it.
     *
     * @param action what the request does, in an operator's words ("add 198.51.100.100/24 to eth0"), for errors
     * @return the messages the kernel sent before the ACK (the RTM_NEWLINK of an RTM_GETLINK; none for an add)
     * @throws OsException the kernel's error, mapped by errno, with its extended-ACK text; or IO if the socket failed
     */
    synchronized List<RtnetlinkCodec.Message> request(byte[] message, String action) throws OsException {
        return exchange(message, action).messages();
    }

    /**
     * Sends a dump request and gathers its messages up to NLMSG_DONE. The caller repeats the dump when
     * {@link RtnetlinkCodec.Replies#incomplete()} says why it is not whole.
     */
    synchronized RtnetlinkCodec.Replies dump(byte[] message, String action) throws OsException {
        return exchange(message, action);
    }

    private RtnetlinkCodec.Replies exchange(byte[] message, String action) throws OsException {
        if (closed) {
            throw new OsException(OsException.Reason.IO, 0, "cannot " + action + ": the rtnetlink socket is already closed");
        }
        send(message, action);
        RtnetlinkCodec.Replies replies = codec.replies(codec.sequenceOf(message));
        // A dump spans several datagrams; late replies to an earlier, timed-out request are skipped by sequence.
        boolean complete;
        do {
            int length = receive(action); // before reading the field: receiving may replace the buffer
            complete = replies.add(codec.messages(received, length));
        } while (!complete);
        RtnetlinkCodec.Acknowledgement end = replies.end();
        if (end.errno() != 0) {
            throw refused(action, end);
        }
        return replies;
    }

    private void send(byte[] message, String action) throws OsException {
        if (message.length > SEND_BUFFER_BYTES) {
            throw new IllegalArgumentException("a request of " + message.length + " bytes exceeds the " + SEND_BUFFER_BYTES + "-byte send buffer");
        }
        sendBuffer.write(0, message, 0, message.length);
        NativeLong length = new NativeLong(message.length);
        while (LibC.send(fd, sendBuffer, length, 0).longValue() < 0) {
            int errno = Native.getLastError();
            if (errno != Errno.EINTR) {
                throw ioFailure("cannot " + action + ": sending the request to the kernel failed", errno);
            }
        }
    }

    /**
     * Receives one datagram into {@link #received}; returns its length. A peek learns the datagram's length first
     * (MSG_PEEK | MSG_TRUNC), so that one larger than the buffer grows it instead of being cut and lost, which would
     * end a dump the kernel keeps sending.
     */
    private int receive(String action) throws OsException {
        int length = recv(receiveBuffer, NOTHING, MSG_PEEK | MSG_TRUNC, action);
        if (length > received.length) {
            receiveBuffer.close();
            allocateReceiveBuffer(length);
        }
        length = recv(receiveBuffer, receiveBufferLength, 0, action);
        receiveBuffer.read(0, received, 0, length);
        bytesReceived += length;
        return length;
    }

    private void allocateReceiveBuffer(int bytes) {
        receiveBuffer = new Memory(bytes);
        receiveBufferLength = new NativeLong(bytes);
        received = new byte[bytes];
    }

    private int recv(Memory buffer, NativeLong bufferLength, int flags, String action) throws OsException {
        while (true) {
            long length = LibC.recv(fd, buffer, bufferLength, flags).longValue();
            if (length >= 0) {
                return (int) length;
            }
            int errno = Native.getLastError();
            if (errno == Errno.EAGAIN) {
                throw new OsException(OsException.Reason.NO_ANSWER, errno, "cannot " + action + ": the kernel did not answer within "
                        + RECEIVE_TIMEOUT_SECONDS + " s");
            }
            if (errno != Errno.EINTR) {
                throw ioFailure("cannot " + action + ": receiving the kernel's reply failed", errno);
            }
        }
    }

    /** The bytes of all the datagrams this socket has received: what the kernel sent, whether vipctl kept it or not. */
    synchronized long bytesReceived() {
        return bytesReceived;
    }

    /** The kernel's own error, e.g. {@code kernel refused to add 198.51.100.100/24 to eth0: EEXIST (17) "ipv4: Address already assigned"}. */
    private static OsException refused(String action, RtnetlinkCodec.Acknowledgement error) {
        String text = error.extackMessage().isEmpty() ? "" : " \"" + error.extackMessage() + "\"";
        return new OsException(reason(error.errno()), error.errno(), "kernel refused to " + action + ": " + Errno.describe(error.errno()) + text);
    }

    /** The errno of an rtnetlink error as the contract's reason (docs/linux.md#errno-values lists which request gives which). */
    static OsException.Reason reason(int errno) {
        switch (errno) {
            case Errno.ENODEV:
                return OsException.Reason.NO_SUCH_INTERFACE;
            case Errno.EPERM:
            case Errno.EACCES:
                return OsException.Reason.NOT_PERMITTED;
            case Errno.EEXIST:
                return OsException.Reason.ALREADY_EXISTS;
            case Errno.EADDRNOTAVAIL:
                return OsException.Reason.NO_SUCH_ADDRESS;
            default:
                return OsException.Reason.REFUSED;
        }
    }

    private static OsException ioFailure(String what, int errno) {
        return new OsException(OsException.Reason.IO, errno, what + ": " + Errno.describe(errno));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LibC.close(fd);
        sendBuffer.close();
        receiveBuffer.close();
    }
}
