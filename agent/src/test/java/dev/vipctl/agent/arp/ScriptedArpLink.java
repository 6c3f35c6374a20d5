package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A link for tests: records every frame sent, and delivers the frames the test scripted. Other hosts are simulated
 * by {@link Host}s that react to each sent frame, and by frames scheduled to arrive at a time. With nothing to deliver,
 * {@link #receive} waits on its clock until the deadline (a fake clock just moves there).
 */
public final class ScriptedArpLink implements ArpLink {
    /** Another host on the segment: what it sends in reaction to one of our frames. */
    public interface Host {
        List<byte[]> react(ArpPacket sent);
    }

    public final List<byte[]> sent = new ArrayList<>();
    private final Deque<byte[]> arriving = new ArrayDeque<>();
    private final TreeMap<Long, byte[]> scheduled = new TreeMap<>();
    private final List<Host> hosts = new ArrayList<>();
    private final MonotonicClock clock;
    public boolean closed;

    ScriptedArpLink(MonotonicClock clock) {
        this.clock = clock;
    }

    /** A link on the real clock, for the engine's tests. */
    public ScriptedArpLink() {
        this(MonotonicClock.SYSTEM);
    }

    public ScriptedArpLink with(Host host) {
        hosts.add(host);
        return this;
    }

    /** A frame that arrives before anything is sent (e.g. another host's announcement). */
    public void arrive(byte[] frame) {
        arriving.add(frame);
    }

    /** A frame that arrives when the clock reaches {@code nanos}. */
    void arriveAt(long nanos, byte[] frame) {
        scheduled.put(nanos, frame);
    }

    @Override
    public void send(byte[] frame) {
        sent.add(frame.clone());
        ArpPacket packet = ArpPacket.parse(frame);
        for (Host host : hosts) {
            arriving.addAll(host.react(packet));
        }
    }

    @Override
    public byte[] receive(long deadlineNanos) {
        if (!arriving.isEmpty()) {
            return arriving.poll();
        }
        Map.Entry<Long, byte[]> next = scheduled.firstEntry();
        if (next != null && next.getKey() <= deadlineNanos) {
            sleepUntil(next.getKey());
            scheduled.remove(next.getKey());
            return next.getValue();
        }
        sleepUntil(deadlineNanos);
        return null;
    }

    private void sleepUntil(long nanos) {
        long wait = nanos - clock.nanoTime();
        if (wait > 0) {
            try {
                clock.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    /** The sent frames, parsed. */
    public List<ArpPacket> sentPackets() {
        List<ArpPacket> packets = new ArrayList<>();
        for (byte[] frame : sent) {
            packets.add(ArpPacket.parse(frame));
        }
        return packets;
    }

    /** A host holding {@code address} whose kernel answers probes and requests for it, like Linux does. */
    public static Host holder(MacAddress mac, IpAddress address) {
        return new Host() {
            @Override
            public List<byte[]> react(ArpPacket sent) {
                if (sent.opcode() == ArpPacket.REQUEST && sent.targetIp().equals(address) && !sent.senderIp().equals(address)) {
                    return List.of(reply(mac, address, sent.senderMac(), sent.senderIp()));
                }
                return List.of();
            }
        };
    }

    /** An ARP reply frame, written out field by field (RFC 826), independent of {@link ArpFrames}. */
    public static byte[] reply(MacAddress senderMac, IpAddress senderIp, MacAddress targetMac, IpAddress targetIp) {
        return ByteBuffer.allocate(42).put(targetMac.bytes()).put(senderMac.bytes()).putShort((short) 0x0806)
                .putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 2)
                .put(senderMac.bytes()).put(senderIp.bytes()).put(targetMac.bytes()).put(targetIp.bytes()).array();
    }
}
