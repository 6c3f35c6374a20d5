package dev.vipctl.agent.arp;

import dev.vipctl.linux.ArpPacketSocket;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;

/** The ARP link on Linux: an AF_PACKET socket ({@link ArpPacketSocket}), which the kernel wakes when a frame comes. */
public final class PacketSocketArpLink implements ArpLink {
    /** The longest single wait, so that an interrupt is noticed within it. */
    private static final int WAIT_SLICE_MILLIS = 50;

    private final String interfaceName;
    private final ArpPacketSocket socket;

    private PacketSocketArpLink(String interfaceName, ArpPacketSocket socket) {
        this.interfaceName = interfaceName;
        this.socket = socket;
    }

    /** Opens {@code interfaceName} to send frames and receive ARP. Needs root or CAP_NET_RAW. */
    public static PacketSocketArpLink open(String interfaceName) throws IOException {
        return new PacketSocketArpLink(interfaceName, ArpPacketSocket.open(interfaceName));
    }

    @Override
    public void send(byte[] frame) throws IOException {
        socket.send(frame);
    }

    /**
     * {@inheritDoc} Looks at least once, even past the deadline.
     *
     * @throws InterruptedIOException if the thread is interrupted while waiting; its interrupt status stays set
     */
    @Override
    public byte[] receive(long deadlineNanos) throws IOException {
        byte[] frame = socket.receive(0);
        while (frame == null) {
            long remainingNanos = deadlineNanos - System.nanoTime();
            if (remainingNanos <= 0) {
                return null;
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("interrupted while waiting for ARP frames on interface " + interfaceName);
            }
            long remainingMillis = TimeUnit.NANOSECONDS.toMillis(remainingNanos + 999_999); // rounded up: never return early
            frame = socket.receive((int) Math.min(WAIT_SLICE_MILLIS, remainingMillis));
        }
        return frame;
    }

    @Override
    public void close() {
        socket.close();
    }
}
