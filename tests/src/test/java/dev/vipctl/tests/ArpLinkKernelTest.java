package dev.vipctl.tests;

import dev.vipctl.agent.arp.Announcement;
import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.AnnouncementResult;
import dev.vipctl.agent.arp.ArpFrames;
import dev.vipctl.agent.arp.ArpPacket;
import dev.vipctl.agent.arp.GarpMode;
import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import dev.vipctl.linux.NetworkNamespace;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An {@link ArpLink} on a real kernel; each implementation's subclass adds its own failure messages. Sending: host A of a {@link NamespaceLab} announces the VIP, and the client
 * captures the frames with tcpdump (an oracle independent of pcap4j) and shows its neighbour table. Receiving: host B
 * probes, and takes in only the ARP frames that other hosts' kernels send it.
 */
abstract class ArpLinkKernelTest {
    static final IpAddress VIP = IpAddress.parseIpv4(NamespaceLab.VIP);
    /** In the lab's subnet, held by no host. */
    private static final IpAddress NOBODYS = IpAddress.parseIpv4("198.51.100.77");
    // /proc/sys/net/ipv4/neigh/*/locktime counts USER_HZ ticks (1/100 s): this is an hour.
    private static final String ONE_HOUR_LOCKTIME = "360000";

    @Test
    void announcementArrivesByteForByteAndMovesTheClientsNeighbourEntry() throws Exception {
        Root.assumeRoot();
        try (NamespaceLab lab = NamespaceLab.create()) {
            NamespaceLab.Host hostA = lab.hostA();
            // A Linux receiver updates an existing entry from a GARP but creates none (arp_accept is 0): so the client
            // starts out knowing the VIP at host B's MAC, as after B had it.
            pointClientAtHostB(lab);
            Announcement announcement = new Announcement(hostA.mac(), VIP, new AnnouncementProfile(2, 100, GarpMode.BOTH));
            assertEquals("02:00:00:00:00:0a " + NamespaceLab.VIP, hostA.mac() + " " + VIP, "the frames below are written for these");
            // Written out rather than built, so that the wire is checked against the format and not against ArpFrames.
            byte[] request = hex("ff ff ff ff ff ff 02 00 00 00 00 0a 08 06 00 01 08 00 06 04 00 01"
                    + "02 00 00 00 00 0a c6 33 64 64 00 00 00 00 00 00 c6 33 64 64");
            byte[] reply = hex("ff ff ff ff ff ff 02 00 00 00 00 0a 08 06 00 01 08 00 06 04 00 02"
                    + "02 00 00 00 00 0a c6 33 64 64 02 00 00 00 00 0a c6 33 64 64");

            AnnouncementResult result;
            List<byte[]> captured;
            try (ArpLink sender = openInNamespace(hostA.namespace(), NamespaceLab.INTERFACE);
                 Capture capture = Capture.start(lab.client(), hostA.mac(), announcement.frameCount())) {
                result = announcement.send(sender);
                captured = capture.frames();
            }

            assertEquals(4, result.framesSent());
            List<byte[]> expected = List.of(request, reply, request, reply);
            assertEquals(expected.size(), captured.size());
            for (int i = 0; i < expected.size(); i++) {
                byte[] frame = captured.get(i);
                assertTrue(frame.length >= ArpFrames.FRAME_LENGTH, "frame " + i + " is " + frame.length + " bytes");
                assertArrayEquals(expected.get(i), Arrays.copyOf(frame, ArpFrames.FRAME_LENGTH), "frame " + i);
            }
            assertEquals(hostA.mac().toString(), clientNeighbourMac(lab));
        }
    }

    /**
     * With the client's {@code locktime} raised to an hour, its kernel overrides a fresh entry only for a frame that
     * {@code arp_is_garp} accepts as gratuitous. That makes each form prove it is one, and a reply whose target MAC
     * is zero (not gratuitous on Linux) shows the check can tell.
     */
    @Test
    void linuxTakesEachFormAsGratuitousButNotAReplyWithoutTargetMac() throws Exception {
        Root.assumeRoot();
        try (NamespaceLab lab = NamespaceLab.create()) {
            NamespaceLab.Host hostA = lab.hostA();
            lab.client().run("sysctl", "-q", "-w", "net.ipv4.neigh." + NamespaceLab.INTERFACE + ".locktime=" + ONE_HOUR_LOCKTIME);
            byte[] notGratuitous = ArpFrames.announcementReply(hostA.mac(), VIP);
            Arrays.fill(notGratuitous, 32, 38, (byte) 0);

            try (ArpLink sender = openInNamespace(hostA.namespace(), NamespaceLab.INTERFACE)) {
                pointClientAtHostB(lab);
                try (Capture capture = Capture.start(lab.client(), hostA.mac(), 1)) {
                    sender.send(notGratuitous);
                    capture.frames();
                }
                assertEquals(lab.hostB().mac().toString(), clientNeighbourMac(lab), "a reply with target MAC 0 is ignored inside locktime");

                for (GarpMode mode : List.of(GarpMode.REQUEST, GarpMode.REPLY)) {
                    pointClientAtHostB(lab);
                    try (Capture capture = Capture.start(lab.client(), hostA.mac(), 1)) {
                        new Announcement(hostA.mac(), VIP, new AnnouncementProfile(1, 0, mode)).send(sender);
                        capture.frames();
                    }
                    assertEquals(hostA.mac().toString(), clientNeighbourMac(lab), mode + " form");
                }
            }
        }
    }

    @Test
    void probeIsAnsweredByTheHolderOfTheAddress() throws Exception {
        Root.assumeRoot();
        try (NamespaceLab lab = NamespaceLab.create()) {
            NamespaceLab.Host hostA = lab.hostA();
            NamespaceLab.Host hostB = lab.hostB();
            hostA.run("ip", "addr", "add", NamespaceLab.VIP_WITH_PREFIX, "dev", NamespaceLab.INTERFACE);

            try (ArpLink link = openInNamespace(hostB.namespace(), NamespaceLab.INTERFACE)) {
                link.send(ArpFrames.probe(hostB.mac(), VIP));
                byte[] frame = link.receive(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));

                assertNotNull(frame, "no answer to the probe within 1 s");
                ArpPacket answer = ArpPacket.parse(frame);
                assertNotNull(answer, () -> "not ARP: " + describe(frame));
                assertEquals(ArpPacket.REPLY, answer.opcode(), answer.toString());
                assertEquals(hostA.mac(), answer.senderMac(), answer.toString());
                assertEquals(VIP, answer.senderIp(), answer.toString());
                assertEquals(hostB.mac(), answer.targetMac(), answer.toString());
            }
        }
    }

    @Test
    void framesTheLinkSentItselfAreNotReceived() throws Exception {
        Root.assumeRoot();
        try (NamespaceLab lab = NamespaceLab.create()) {
            NamespaceLab.Host hostB = lab.hostB();
            try (ArpLink link = openInNamespace(hostB.namespace(), NamespaceLab.INTERFACE)) {
                try (Capture capture = Capture.start(lab.client(), hostB.mac(), 1)) {
                    link.send(ArpFrames.probe(hostB.mac(), NOBODYS));
                    assertEquals(1, capture.frames().size(), "the probe went out");
                }
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                byte[] frame = link.receive(deadline);
                long returnedAfterDeadlineNanos = System.nanoTime() - deadline;

                assertNull(frame, () -> "received " + describe(frame));
                assertTrue(returnedAfterDeadlineNanos >= 0, "returned " + -returnedAfterDeadlineNanos + " ns before the deadline");
                assertTrue(returnedAfterDeadlineNanos < TimeUnit.SECONDS.toNanos(2),
                        "returned " + TimeUnit.NANOSECONDS.toMillis(returnedAfterDeadlineNanos) + " ms after the deadline");
            }
        }
    }

    /**
     * Host B pings the client, whose MAC it does not know yet: its kernel sends an ARP request (outgoing), the client
     * answers (incoming ARP), and the ICMP echo reply comes in too (not ARP). Only the client's answer is received.
     */
    @Test
    void onlyIncomingArpIsReceived() throws Exception {
        Root.assumeRoot();
        try (NamespaceLab lab = NamespaceLab.create()) {
            NamespaceLab.Host hostB = lab.hostB();
            NamespaceLab.Host client = lab.client();
            try (ArpLink link = openInNamespace(hostB.namespace(), NamespaceLab.INTERFACE)) {
                hostB.run("ping", "-c", "1", "-W", "5", client.address().toString());

                byte[] first = link.receive(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
                byte[] second = link.receive(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));

                assertEquals("reply " + client.address() + " is-at " + client.mac() + " to " + hostB.address() + " at " + hostB.mac(),
                        describe(first), "the client's answer, not host B's own request");
                assertNull(second, () -> "received " + describe(second) + " after the answer");
            }
        }
    }

    /** Opens the link on a thread inside the namespace; its socket stays in that namespace for every later send. */
    ArpLink openInNamespace(String namespace, String interfaceName) throws Exception {
        return NetworkNamespace.call(namespace, () -> open(interfaceName));
    }

    /** The implementation under test. */
    abstract ArpLink open(String interfaceName) throws IOException;

    @Test
    void anInterruptedWaitEndsWithInterruptedIoException() throws Exception {
        Root.assumeRoot();
        try (NamespaceLab lab = NamespaceLab.create(); ArpLink link = openInNamespace(lab.hostB().namespace(), NamespaceLab.INTERFACE)) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    link.receive(System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            waiter.start();
            Thread.sleep(100);
            waiter.interrupt();
            waiter.join(5000);
            assertTrue(thrown.get() instanceof InterruptedIOException, String.valueOf(thrown.get()));
        }
    }

    /** What a child JVM without CAP_NET_RAW prints when it opens eth0. */
    abstract String withoutCapNetRaw();

    /** Child JVMs, because only a whole process shows what reaches its stdout/stderr, and capabilities are per process. */
    @Test
    void sendingPrintsNothingAndWithoutCapNetRawTheMessageSaysSo() throws Exception {
        Root.assumeRoot();
        try (NamespaceLab lab = NamespaceLab.create()) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> child = List.of(java, "-cp", System.getProperty("java.class.path"), OpenAndSend.class.getName(),
                    getClass().getName(), NamespaceLab.INTERFACE);

            Shell.Result privileged = Shell.run(lab.hostA().command(child.toArray(new String[0])));
            assertEquals("", privileged.stderr, "stderr");
            assertEquals("sent\n", privileged.stdout, "stdout");

            Tools.require("setpriv", "util-linux");
            List<String> withoutNetRaw = new ArrayList<>(List.of("setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw"));
            withoutNetRaw.addAll(child);
            Shell.Result unprivileged = Shell.run(lab.hostA().command(withoutNetRaw.toArray(new String[0])));
            assertEquals("", unprivileged.stderr, "stderr");
            assertEquals(withoutCapNetRaw(), unprivileged.stdout);
        }
    }

    /** Run in a child JVM: opens the interface with the test class's link, sends one announcement, says "sent" or why not. */
    static final class OpenAndSend {
        public static void main(String[] args) throws Exception {
            ArpLinkKernelTest test = (ArpLinkKernelTest) Class.forName(args[0]).getDeclaredConstructor().newInstance();
            try (ArpLink sender = test.open(args[1])) {
                sender.send(ArpFrames.announcementRequest(MacAddress.parse("02:00:00:00:00:0a"), VIP));
                System.out.println("sent");
            } catch (IOException e) {
                System.out.println(e.getMessage());
            }
        }
    }

    /** The frame as {@link ArpPacket#toString()}, or in hex if it is not ARP; "nothing" for null. */
    static String describe(byte[] frame) {
        if (frame == null) {
            return "nothing";
        }
        ArpPacket packet = ArpPacket.parse(frame);
        if (packet != null) {
            return packet.toString();
        }
        StringBuilder hex = new StringBuilder("a frame that is not ARP:");
        for (byte b : frame) {
            hex.append(String.format(" %02x", b));
        }
        return hex.toString();
    }

    private static byte[] hex(String text) {
        String digits = text.replace(" ", "");
        byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    private static void pointClientAtHostB(NamespaceLab lab) {
        lab.client().run("ip", "neigh", "replace", NamespaceLab.VIP, "lladdr", lab.hostB().mac().toString(),
                "dev", NamespaceLab.INTERFACE, "nud", "stale");
        assertEquals(lab.hostB().mac().toString(), clientNeighbourMac(lab), "set-up");
    }

    /** The MAC in the client's neighbour entry for the VIP, e.g. from "198.51.100.100 lladdr 02:00:00:00:00:0b STALE". */
    private static String clientNeighbourMac(NamespaceLab lab) {
        String entry = lab.client().run("ip", "neigh", "show", NamespaceLab.VIP, "dev", NamespaceLab.INTERFACE).trim();
        String[] words = entry.split("\\s+");
        int lladdr = Arrays.asList(words).indexOf("lladdr");
        if (lladdr < 0 || lladdr + 1 >= words.length) {
            fail("the client has no MAC for the VIP: '" + entry + "'");
        }
        return words[lladdr + 1];
    }

    /**
     * tcpdump on the client's eth0, writing pcap to a file, for a fixed number of ARP frames from one MAC. tcpdump's
     * packet tap sees a frame in the same kernel receive call that then hands it to ARP, so once tcpdump has it the
     * client's neighbour table has been updated too.
     */
    private static final class Capture implements AutoCloseable {
        private final Process tcpdump;
        private final Path pcap;
        private final Path log;

        private Capture(Process tcpdump, Path pcap, Path log) {
            this.tcpdump = tcpdump;
            this.pcap = pcap;
            this.log = log;
        }

        static Capture start(NamespaceLab.Host host, MacAddress source, int frames) throws IOException, InterruptedException {
            Tools.require("tcpdump", "tcpdump");
            Path pcap = Files.createTempFile("vipctl-garp", ".pcap");
            Path log = Files.createTempFile("vipctl-garp", ".log");
            Process tcpdump = new ProcessBuilder(host.command("tcpdump", "-i", NamespaceLab.INTERFACE, "-n", "-U", "-w", "-",
                    "-c", Integer.toString(frames), "arp and ether src " + source))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(pcap.toFile())
                    .redirectError(log.toFile())
                    .start();
            Capture capture = new Capture(tcpdump, pcap, log);
            try {
                // tcpdump says "listening on" once its filter is on the socket: a frame sent after that is seen.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!Files.readString(log).contains("listening on")) {
                    if (!tcpdump.isAlive() || System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("tcpdump did not start listening: " + Files.readString(log));
                    }
                    Thread.sleep(20);
                }
                return capture;
            } catch (IOException | InterruptedException | RuntimeException e) {
                capture.close();
                throw e;
            }
        }

        /** Waits for tcpdump to have its frames and returns them as captured. */
        List<byte[]> frames() throws IOException, InterruptedException {
            if (!tcpdump.waitFor(30, TimeUnit.SECONDS)) {
                fail("tcpdump did not see all frames within 30 s; it had " + readPcap(Files.readAllBytes(pcap)).size());
            }
            assertEquals(0, tcpdump.exitValue(), "tcpdump: " + Files.readString(log));
            return readPcap(Files.readAllBytes(pcap));
        }

        @Override
        public void close() throws IOException {
            tcpdump.destroyForcibly();
            Files.deleteIfExists(pcap);
            Files.deleteIfExists(log);
        }

        /** The frames of a pcap file: a 24-byte file header, then per frame a 16-byte header and the captured bytes. */
        private static List<byte[]> readPcap(byte[] file) {
            List<byte[]> frames = new ArrayList<>();
            if (file.length < 24) {
                return frames;
            }
            ByteBuffer buffer = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
            // The magic number is written in the writer's byte order.
            if (buffer.getInt(0) != 0xa1b2c3d4) {
                buffer.order(ByteOrder.BIG_ENDIAN);
            }
            int offset = 24;
            while (offset + 16 <= file.length) {
                int capturedLength = buffer.getInt(offset + 8);
                frames.add(Arrays.copyOfRange(file, offset + 16, offset + 16 + capturedLength));
                offset += 16 + capturedLength;
            }
            return frames;
        }
    }
}
