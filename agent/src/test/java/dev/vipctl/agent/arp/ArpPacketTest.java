package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.vipctl.agent.arp.ArpFramesTest.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArpPacketTest {
    private static final MacAddress OURS = MacAddress.parse("02:00:00:00:00:0b");
    private static final MacAddress HOLDER = MacAddress.parse("02:00:00:00:00:0a");
    private static final IpAddress VIP = IpAddress.parseIpv4("198.51.100.100");
    private static final IpAddress GATEWAY = IpAddress.parseIpv4("198.51.100.1");
    private static final IpAddress UNSPECIFIED = IpAddress.parseIpv4("0.0.0.0");
    private static final MacAddress NO_MAC = MacAddress.parse("00:00:00:00:00:00");

    /**
     * What Linux answers a probe with (net/ipv4/arp.c, sender IP 0): a reply sent to the prober's MAC, with the
     * address in the sender IP and 0.0.0.0 as target IP; padded to 60 bytes as it comes off a wire.
     */
    private static final byte[] REPLY_TO_PROBE = hex("02 00 00 00 00 0b 02 00 00 00 00 0a 08 06 00 01 08 00 06 04 00 02"
            + "02 00 00 00 00 0a c6 33 64 64 02 00 00 00 00 0b 00 00 00 00"
            + "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");

    @Test
    void parsesAReplyFromTheWireIgnoringPadding() {
        assertEquals(60, REPLY_TO_PROBE.length);

        ArpPacket packet = ArpPacket.parse(REPLY_TO_PROBE);

        assertNotNull(packet);
        assertEquals(ArpPacket.REPLY, packet.opcode());
        assertEquals(HOLDER, packet.senderMac());
        assertEquals(VIP, packet.senderIp());
        assertEquals(OURS, packet.targetMac());
        assertEquals(UNSPECIFIED, packet.targetIp());
        assertFalse(packet.isProbe());
        assertEquals("reply 198.51.100.100 is-at 02:00:00:00:00:0a to 0.0.0.0 at 02:00:00:00:00:0b", packet.toString());
    }

    @Test
    void probeRoundTrips() {
        ArpPacket packet = ArpPacket.parse(ArpFrames.probe(OURS, VIP));

        assertNotNull(packet);
        assertEquals(ArpPacket.REQUEST, packet.opcode());
        assertEquals(OURS, packet.senderMac());
        assertEquals(UNSPECIFIED, packet.senderIp());
        assertEquals(NO_MAC, packet.targetMac());
        assertEquals(VIP, packet.targetIp());
        assertTrue(packet.isProbe());
        assertEquals("probe who-has 198.51.100.100 from 02:00:00:00:00:0b", packet.toString());
    }

    @Test
    void requestRoundTrips() {
        ArpPacket packet = ArpPacket.parse(ArpFrames.request(OURS, VIP, GATEWAY));

        assertNotNull(packet);
        assertEquals(ArpPacket.REQUEST, packet.opcode());
        assertEquals(OURS, packet.senderMac());
        assertEquals(VIP, packet.senderIp());
        assertEquals(NO_MAC, packet.targetMac());
        assertEquals(GATEWAY, packet.targetIp());
        assertFalse(packet.isProbe());
        assertEquals("request who-has 198.51.100.1 tell 198.51.100.100 at 02:00:00:00:00:0b", packet.toString());
    }

    @Test
    void announcementsRoundTrip() {
        ArpPacket request = ArpPacket.parse(ArpFrames.announcementRequest(HOLDER, VIP));
        ArpPacket reply = ArpPacket.parse(ArpFrames.announcementReply(HOLDER, VIP));

        assertNotNull(request);
        assertNotNull(reply);
        assertFalse(request.isProbe(), "sender IP is the VIP");
        assertEquals("request who-has 198.51.100.100 tell 198.51.100.100 at 02:00:00:00:00:0a", request.toString());
        assertEquals("reply 198.51.100.100 is-at 02:00:00:00:00:0a to 198.51.100.100 at 02:00:00:00:00:0a", reply.toString());
    }

    @Test
    void otherOpcodesReadAsUnsignedNumbers() {
        byte[] frame = REPLY_TO_PROBE.clone();
        frame[20] = (byte) 0x80;
        frame[21] = 0x03;

        ArpPacket packet = ArpPacket.parse(frame);

        assertNotNull(packet);
        assertEquals(0x8003, packet.opcode());
        assertEquals("opcode 32771 from 198.51.100.100 at 02:00:00:00:00:0a to 0.0.0.0 at 02:00:00:00:00:0b", packet.toString());
    }

    @Test
    void tooShortIsNotArp() {
        byte[] frame = ArpFrames.probe(OURS, VIP);

        assertNotNull(ArpPacket.parse(frame), "control: 42 bytes parse");
        assertNull(ArpPacket.parse(Arrays.copyOf(frame, 41)));
        assertNull(ArpPacket.parse(Arrays.copyOf(frame, 14)));
        assertNull(ArpPacket.parse(new byte[0]));
    }

    @Test
    void otherEtherTypesAreNotArp() {
        assertNull(ArpPacket.parse(withBytes(12, "08 00")), "IPv4");
        assertNull(ArpPacket.parse(withBytes(12, "86 dd")), "IPv6");
        assertNull(ArpPacket.parse(withBytes(12, "80 35")), "RARP");
    }

    @Test
    void arpForOtherHardwareOrProtocolsIsRefused() {
        assertNull(ArpPacket.parse(withBytes(14, "00 06")), "hardware type IEEE 802");
        assertNull(ArpPacket.parse(withBytes(16, "86 dd")), "protocol type IPv6");
        assertNull(ArpPacket.parse(withBytes(18, "08")), "8-byte hardware addresses");
        assertNull(ArpPacket.parse(withBytes(19, "10")), "16-byte protocol addresses");
    }

    @Test
    void vlanTaggedArpIsRefused() {
        byte[] untagged = ArpFrames.probe(OURS, VIP);
        byte[] tagged = new byte[untagged.length + 4];
        System.arraycopy(untagged, 0, tagged, 0, 12);
        System.arraycopy(hex("81 00 00 64"), 0, tagged, 12, 4); // 802.1Q, VLAN 100
        System.arraycopy(untagged, 12, tagged, 16, untagged.length - 12);

        assertNull(ArpPacket.parse(tagged));
    }

    /** A copy of {@link #REPLY_TO_PROBE}, which parses, with the bytes at {@code offset} replaced. */
    private static byte[] withBytes(int offset, String replacement) {
        byte[] frame = REPLY_TO_PROBE.clone();
        byte[] bytes = hex(replacement);
        System.arraycopy(bytes, 0, frame, offset, bytes.length);
        return frame;
    }
}
