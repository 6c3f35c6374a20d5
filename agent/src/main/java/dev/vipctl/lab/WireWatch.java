package dev.vipctl.lab;

import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.agent.arp.ArpPacket;
import dev.vipctl.agent.arp.PacketSocketArpLink;
import dev.vipctl.linux.NetworkNamespace;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A peer's view of the wire: when each announcement of the VIP (an ARP frame whose sender address is the VIP) reached
 * a lab host, on the wall clock. The one clock that times vipctl and the shell's {@code arping} alike: arping exits a
 * second after its frame went out, and only vipctl reports its own times. The kernel wakes the
 * watching thread when a frame comes, so the resolution is the scheduler's.
 */
final class WireWatch implements AutoCloseable {
    private final ArpLink link;
    private final IpAddress vip;
    private final List<Announcement> seen = new ArrayList<>();
    private final Thread reader;
    private volatile boolean running = true;

    private static final class Announcement {
        final long micros;
        final MacAddress sender;

        Announcement(long micros, MacAddress sender) {
            this.micros = micros;
            this.sender = sender;
        }
    }

    private WireWatch(ArpLink link, IpAddress vip) {
        this.link = link;
        this.vip = vip;
        this.reader = new Thread(this::read, "wire-watch");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts watching on {@code host}'s eth0 (the link belongs to the namespace it was opened in). */
    static WireWatch start(NamespaceLab.Host host, IpAddress vip) throws Exception {
        ArpLink link = NetworkNamespace.call(host.namespace(), () -> PacketSocketArpLink.open(NamespaceLab.INTERFACE));
        return new WireWatch(link, vip);
    }

    private void read() {
        while (running) {
            try {
                byte[] frame = link.receive(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100));
                if (frame == null) {
                    continue;
                }
                long micros = nowMicros();
                ArpPacket packet = ArpPacket.parse(frame);
                if (packet != null && vip.equals(packet.senderIp())) {
                    synchronized (seen) {
                        seen.add(new Announcement(micros, packet.senderMac()));
                        seen.notifyAll();
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (running) {
                    throw new IllegalStateException("watching the wire failed: " + e, e);
                }
            }
        }
    }

    /** When the first announcement from {@code sender} after {@code afterMicros} arrived; -1 if none within the timeout. */
    long firstAnnouncement(MacAddress sender, long afterMicros, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (seen) {
            while (true) {
                for (Announcement announcement : seen) {
                    if (announcement.micros >= afterMicros && announcement.sender.equals(sender)) {
                        return announcement.micros;
                    }
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return -1;
                }
                TimeUnit.NANOSECONDS.timedWait(seen, remaining);
            }
        }
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        reader.join(2000);
        link.close();
    }
}
