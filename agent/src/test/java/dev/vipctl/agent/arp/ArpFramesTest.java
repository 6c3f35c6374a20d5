package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The frames are written out by hand from RFC 826 (layout) and RFC 5227 (probe), not built with the code under test. */
class ArpFramesTest {
    private static final MacAddress MAC = MacAddress.parse("02:00:00:00:00:01");
    private static final IpAddress IP = IpAddress.parseIpv4("192.0.2.10");
    private static final IpAddress GATEWAY = IpAddress.parseIpv4("192.0.2.1");
    private static final IpAddress IPV6 = IpAddress.of(hex("20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 10"));

    static byte[] hex(String text) {
        String digits = text.replace(" ", "");
        byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    @Test
    void requestFormIsTheGoldenAnnouncementRequest() {
        byte[] l6 = hex("ff ff ff ff ff ff 02 00 00 00 00 01 08 06 00 01"
                + "08 00 06 04 00 01 02 00 00 00 00 01 c0 00 02 0a"
                + "00 00 00 00 00 00 c0 00 02 0a");

        assertArrayEquals(l6, ArpFrames.announcementRequest(MAC, IP));
    }

    @Test
    void replyFormHasOpcodeTwoAndTargetMacEqualToSenderMac() {
        byte[] frame = ArpFrames.announcementReply(MAC, IP);

        assertEquals(ArpFrames.FRAME_LENGTH, frame.length);
        assertArrayEquals(hex("ff ff ff ff ff ff"), Arrays.copyOfRange(frame, 0, 6), "broadcast destination");
        assertArrayEquals(MAC.bytes(), Arrays.copyOfRange(frame, 6, 12), "Ethernet source");
        assertArrayEquals(hex("08 06 00 01 08 00 06 04"), Arrays.copyOfRange(frame, 12, 20), "EtherType ARP, Ethernet/IPv4 sizes");
        assertArrayEquals(hex("00 02"), Arrays.copyOfRange(frame, 20, 22), "opcode reply");
        assertArrayEquals(MAC.bytes(), Arrays.copyOfRange(frame, 22, 28), "sender MAC");
        assertArrayEquals(IP.bytes(), Arrays.copyOfRange(frame, 28, 32), "sender IP");
        assertArrayEquals(MAC.bytes(), Arrays.copyOfRange(frame, 32, 38), "target MAC = sender MAC (arp_is_garp)");
        assertArrayEquals(IP.bytes(), Arrays.copyOfRange(frame, 38, 42), "target IP");
    }

    @Test
    void probeIsABroadcastRequestFromSenderIpZeroForTheAddress() {
        byte[] probe = hex("ff ff ff ff ff ff" // destination: broadcast
                + "02 00 00 00 00 01" // source: our MAC
                + "08 06" // EtherType ARP
                + "00 01 08 00 06 04" // Ethernet, IPv4, 6-byte and 4-byte addresses
                + "00 01" // request
                + "02 00 00 00 00 01 00 00 00 00" // sender: our MAC, 0.0.0.0 (RFC 5227 §2.1.1)
                + "00 00 00 00 00 00 c0 00 02 0a"); // target: MAC zero, the probed address

        assertArrayEquals(probe, ArpFrames.probe(MAC, IP));
    }

    @Test
    void requestAsksForTheTargetFromTheSenderIp() {
        byte[] request = hex("ff ff ff ff ff ff 02 00 00 00 00 01 08 06 00 01 08 00 06 04 00 01"
                + "02 00 00 00 00 01 c0 00 02 0a" // sender: our MAC, the VIP
                + "00 00 00 00 00 00 c0 00 02 01"); // target: MAC zero, the gateway

        assertArrayEquals(request, ArpFrames.request(MAC, IP, GATEWAY));
    }

    @Test
    void ipv6IsRefusedInEveryAddressPosition() {
        List<Executable> builds = List.of(
                () -> ArpFrames.announcementRequest(MAC, IPV6),
                () -> ArpFrames.announcementReply(MAC, IPV6),
                () -> ArpFrames.probe(MAC, IPV6),
                () -> ArpFrames.request(MAC, IPV6, GATEWAY),
                () -> ArpFrames.request(MAC, IP, IPV6));

        for (Executable build : builds) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
            assertEquals("ARP carries IPv4 addresses only, not 2001:db8:0:0:0:0:0:10", e.getMessage());
        }
    }
}
