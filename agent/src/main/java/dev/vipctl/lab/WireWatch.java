package dev.vipctl.lab;

import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.agent.arp.ArpPacket;
import dev.vipctl.agent.arp.PacketSocketArpLink;
import dev.vipctl.linux.NetworkNamespace;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When each announcement of the VIP (an ARP frame whose sender address is the VIP) was on the wire, on the wall clock:
 * the one clock that times vipctl and the shell's {@code arping} alike, since arping exits a second after its frame
 * went out and only vipctl reports its own times. Two places to watch from:
 * <ul>
 * <li>{@link #atPeer}: a lab host's packet socket; the frame's arrival is when the kernel woke the watching thread,
 * so the resolution is the scheduler's.</li>
 * <li>{@link #leaving}: frames leaving an interface of this host, through {@code tcpdump -Q out} (vipctl's own packet
 * socket never sees outgoing frames); the time is the kernel's capture timestamp.</li>
 * </ul>
 */
final class WireWatch implements AutoCloseable {
    /** "1795342593.574715 02:00:00:00:00:0a > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), ..." from tcpdump -e -tt */
    private static final Pattern TCPDUMP_LINE = Pattern.compile("^(\\d+)\\.(\\d{6}) ([0-9a-f]{2}(?::[0-9a-f]{2}){5}) >");

    private static final class Announcement {
        final long micros;
        final MacAddress sender;

        Announcement(long micros, MacAddress sender) {
            this.micros = micros;
            this.sender = sender;
        }
    }

    /** Where the frames come from. */
    private interface Source {
        /** The next announcement of the VIP; null when none came for a while, so that the reader can stop. */
        Announcement next() throws IOException;

        /** Makes a {@link #next} that blocks without a timeout return, so that the reader sees it should stop. */
        default void stop() {
        }

        /** Called once the reader has stopped. */
        void close();
    }

    private final Source source;
    private final List<Announcement> seen = new ArrayList<>();
    private final Thread reader;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    private WireWatch(Source source) {
        this.source = source;
        this.reader = new Thread(this::read, "wire-watch");
        reader.setDaemon(true);
        reader.start();
    }

    /** Watches what reaches {@code host}'s eth0 (the link belongs to the namespace it was opened in). */
    static WireWatch atPeer(NamespaceLab.Host host, IpAddress vip) throws Exception {
        ArpLink link = NetworkNamespace.call(host.namespace(), () -> PacketSocketArpLink.open(NamespaceLab.INTERFACE));
        return new WireWatch(new Source() {
            @Override
            public Announcement next() throws IOException {
                byte[] frame = link.receive(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100));
                long micros = nowMicros();
                ArpPacket packet = frame == null ? null : ArpPacket.parse(frame);
                return packet != null && vip.equals(packet.senderIp()) ? new Announcement(micros, packet.senderMac()) : null;
            }

            @Override
            public void close() {
                link.close();
            }
        });
    }

    /** Watches the announcements leaving {@code interfaceName} in the current namespace; returns once tcpdump listens. */
    static WireWatch leaving(String interfaceName, IpAddress vip) throws InterruptedException {
        Process tcpdump;
        try {
            tcpdump = new ProcessBuilder("tcpdump", "-i", interfaceName, "-Q", "out", "-n", "-e", "-tt", "-l", "--immediate-mode",
                    "arp", "src", "host", vip.toString()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start tcpdump: " + e.getMessage(), e);
        }
        StringBuilder errors = new StringBuilder();
        CountDownLatch listening = new CountDownLatch(1);
        Thread errorReader = new Thread(() -> {
            try (BufferedReader lines = reader(tcpdump.getErrorStream())) {
                for (String line; (line = lines.readLine()) != null; ) {
                    synchronized (errors) {
                        errors.append(line).append('\n');
                    }
                    if (line.startsWith("listening on")) {
                        listening.countDown();
                    }
                }
            } catch (IOException e) {
                // tcpdump ended: what it said is in errors.
            }
        }, "tcpdump-stderr");
        errorReader.setDaemon(true);
        errorReader.start();
        if (!listening.await(10, TimeUnit.SECONDS)) {
            tcpdump.destroyForcibly();
            synchronized (errors) {
                throw new IllegalStateException("tcpdump did not start listening on " + interfaceName + ": " + errors.toString().trim());
            }
        }
        BufferedReader lines = reader(tcpdump.getInputStream());
        return new WireWatch(new Source() {
            @Override
            public Announcement next() throws IOException {
                String line = lines.readLine();
                if (line == null) {
                    throw new IOException("tcpdump ended: " + errors.toString().trim());
                }
                Matcher frame = TCPDUMP_LINE.matcher(line);
                return frame.find() ? new Announcement(Long.parseLong(frame.group(1)) * 1_000_000 + Long.parseLong(frame.group(2)),
                        MacAddress.parse(frame.group(3))) : null;
            }

            @Override
            public void stop() {
                tcpdump.destroy();
            }

            @Override
            public void close() {
                tcpdump.destroyForcibly();
            }
        });
    }

    private static BufferedReader reader(java.io.InputStream stream) {
        return new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
    }

    private void read() {
        while (running) {
            try {
                Announcement announcement = source.next();
                if (announcement != null) {
                    synchronized (seen) {
                        seen.add(announcement);
                        seen.notifyAll();
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (running) {
                    failure = new IllegalStateException("watching the wire failed: " + e.getMessage(), e);
                    running = false;
                }
            }
        }
    }

    /**
     * When the first announcement from {@code sender} (any sender: null) after {@code afterMicros} was seen; -1 if none
     * within the timeout.
     */
    long firstAnnouncement(MacAddress sender, long afterMicros, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (seen) {
            while (true) {
                for (Announcement announcement : seen) {
                    if (announcement.micros >= afterMicros && (sender == null || announcement.sender.equals(sender))) {
                        return announcement.micros;
                    }
                }
                if (failure != null) {
                    throw failure;
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return -1;
                }
                TimeUnit.NANOSECONDS.timedWait(seen, Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(100)));
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
        source.stop();
        reader.join(2000);
        source.close();
    }
}
