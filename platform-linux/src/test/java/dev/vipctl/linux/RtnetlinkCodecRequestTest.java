package dev.vipctl.linux;

import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The requests against the golden vectors L1-L4 (docs/linux.md#golden-vectors), byte for byte, in both host byte orders. */
class RtnetlinkCodecRequestTest {
    private static final RtnetlinkCodec LITTLE = new RtnetlinkCodec(ByteOrder.LITTLE_ENDIAN);
    private static final RtnetlinkCodec BIG = new RtnetlinkCodec(ByteOrder.BIG_ENDIAN);
    private static final int INDEX = 2;
    private static final IpAddress IP = IpAddress.parseIpv4("192.0.2.10");
    private static final IpAddress IPV6 = IpAddress.of(Hex.bytes("20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 10"));

    static final byte[] L1 = Hex.bytes("40 00 00 00 14 00 05 06 01 00 00 00 00 00 00 00"
            + "02 18 00 00 02 00 00 00 08 00 02 00 c0 00 02 0a"
            + "08 00 01 00 c0 00 02 0a 08 00 04 00 c0 00 02 ff"
            + "0d 00 03 00 65 74 68 30 3a 76 69 70 00 00 00 00");
    private static final byte[] L2 = Hex.bytes("28 00 00 00 15 00 05 00 02 00 00 00 00 00 00 00"
            + "02 18 00 00 02 00 00 00 08 00 02 00 c0 00 02 0a"
            + "08 00 01 00 c0 00 02 0a");
    private static final byte[] L3 = Hex.bytes("18 00 00 00 16 00 01 03 03 00 00 00 00 00 00 00"
            + "02 00 00 00 00 00 00 00");
    private static final byte[] L4 = Hex.bytes("48 00 00 00 14 00 05 06 04 00 00 00 00 00 00 00"
            + "0a 40 00 00 02 00 00 00 14 00 02 00 20 01 0d b8"
            + "00 00 00 00 00 00 00 00 00 00 00 10 14 00 01 00"
            + "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 10"
            + "08 00 08 00 02 00 00 00");

    /** The host-order fields of a message as {offset, width}: nlmsghdr, then what each test adds. */
    private static final int[][] NLMSGHDR = {{0, 4}, {4, 2}, {6, 2}, {8, 4}, {12, 4}};

    @Test
    void newAddressIsL1() {
        assertArrayEquals(L1, LITTLE.newAddress(1, INDEX, new InterfaceAddress(IP, 24, "eth0:vip")));
    }

    @Test
    void deleteAddressIsL2() {
        assertArrayEquals(L2, LITTLE.deleteAddress(2, INDEX, new InterfaceAddress(IP, 24, "")));
    }

    @Test
    void addressDumpIsL3() {
        assertArrayEquals(L3, LITTLE.dumpIpv4Addresses(3, 0));
    }

    @Test
    void ipv6NewAddressIsL4() {
        assertArrayEquals(L4, LITTLE.newAddress(4, INDEX, new InterfaceAddress(IPV6, 64, "")));
    }

    @Test
    void bigEndianL1DiffersInExactlyTheHostOrderFields() {
        // ifa_index, then the four attribute headers (rta_len, rta_type).
        byte[] expected = swapped(L1, NLMSGHDR, new int[][] {{20, 4}, {24, 2}, {26, 2}, {32, 2}, {34, 2}, {40, 2}, {42, 2}, {48, 2}, {50, 2}});
        assertArrayEquals(expected, BIG.newAddress(1, INDEX, new InterfaceAddress(IP, 24, "eth0:vip")));
    }

    @Test
    void bigEndianL2DiffersInExactlyTheHostOrderFields() {
        byte[] expected = swapped(L2, NLMSGHDR, new int[][] {{20, 4}, {24, 2}, {26, 2}, {32, 2}, {34, 2}});
        assertArrayEquals(expected, BIG.deleteAddress(2, INDEX, new InterfaceAddress(IP, 24, "")));
    }

    @Test
    void bigEndianL3DiffersInExactlyTheHostOrderFields() {
        byte[] expected = swapped(L3, NLMSGHDR, new int[][] {{20, 4}});
        assertArrayEquals(expected, BIG.dumpIpv4Addresses(3, 0));
    }

    @Test
    void bigEndianL4DiffersInExactlyTheHostOrderFields() {
        // ifa_index, three attribute headers, and the u32 IFA_FLAGS value.
        byte[] expected = swapped(L4, NLMSGHDR, new int[][] {{20, 4}, {24, 2}, {26, 2}, {44, 2}, {46, 2}, {64, 2}, {66, 2}, {68, 4}});
        assertArrayEquals(expected, BIG.newAddress(4, INDEX, new InterfaceAddress(IPV6, 64, "")));
    }

    @Test
    void deleteCarriesTheLabelWhenTheAddressHasOne() {
        byte[] request = LITTLE.deleteAddress(2, INDEX, new InterfaceAddress(IP, 24, "eth0:vip"));

        byte[] labelAttribute = Hex.bytes("0d 00 03 00 65 74 68 30 3a 76 69 70 00 00 00 00");
        assertEquals(L2.length + labelAttribute.length, request.length);
        assertEquals(request.length, request[0] & 0xff, "nlmsg_len");
        assertArrayEquals(Arrays.copyOfRange(L2, 4, L2.length), Arrays.copyOfRange(request, 4, L2.length), "L2 after nlmsg_len");
        assertArrayEquals(labelAttribute, Arrays.copyOfRange(request, L2.length, request.length));
    }

    @Test
    void deleteKeepsTheExactPrefixLength() {
        byte[] request = LITTLE.deleteAddress(2, INDEX, new InterfaceAddress(IP, 32, ""));

        assertEquals(32, request[17], "ifa_prefixlen");
        assertArrayEquals(Hex.bytes("08 00 01 00 c0 00 02 0a"), Arrays.copyOfRange(request, 32, 40), "IFA_ADDRESS");
    }

    @Test
    void broadcastIsAddressOrInverseMaskBelowPrefix31() {
        assertArrayEquals(Hex.bytes("08 00 04 00 c0 00 02 7f"), broadcastAttribute(new InterfaceAddress(IP, 25, "")));
        assertArrayEquals(Hex.bytes("08 00 04 00 ff ff ff ff"), broadcastAttribute(new InterfaceAddress(IP, 0, "")));
        assertArrayEquals(Hex.bytes("08 00 04 00 c0 00 02 0b"), broadcastAttribute(new InterfaceAddress(IP, 30, "")));
    }

    @Test
    void prefixes31And32HaveNoBroadcastAndWithoutLabelNoLabel() {
        for (int prefix : new int[] {31, 32}) {
            byte[] request = LITTLE.newAddress(1, INDEX, new InterfaceAddress(IP, prefix, ""));
            assertEquals(40, request.length, "/" + prefix + ": header, ifaddrmsg, IFA_LOCAL and IFA_ADDRESS only");
            assertEquals(prefix, request[17]);
        }
    }

    @Test
    void ipv6CarriesNoLabel() {
        assertArrayEquals(L4, LITTLE.newAddress(4, INDEX, new InterfaceAddress(IPV6, 64, "eth0:vip")));
    }

    @Test
    void getLinkAsksByNameForAnAck() {
        // The header matches what the kernel echoed of the recorder's request (getlink-eth0.hex, datagram 2).
        byte[] expected = Hex.bytes("2c 00 00 00 12 00 05 00 06 00 00 00 00 00 00 00"
                + "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
                + "09 00 03 00 65 74 68 30 00 00 00 00");
        assertArrayEquals(expected, LITTLE.getLink(6, "eth0"));
    }

    @Test
    void sequenceIsReadBackInHostOrder() {
        assertEquals(0x01020304, LITTLE.sequenceOf(LITTLE.getLink(0x01020304, "eth0")));
        assertEquals(0x01020304, BIG.sequenceOf(BIG.getLink(0x01020304, "eth0")));
    }

    private static byte[] broadcastAttribute(InterfaceAddress address) {
        byte[] request = LITTLE.newAddress(1, INDEX, address);
        return Arrays.copyOfRange(request, 40, 48);
    }

    private static byte[] swapped(byte[] littleEndian, int[][] header, int[][] fields) {
        byte[] bytes = littleEndian.clone();
        for (int[][] group : new int[][][] {header, fields}) {
            for (int[] field : group) {
                for (int i = 0; i < field[1] / 2; i++) {
                    byte b = bytes[field[0] + i];
                    bytes[field[0] + i] = bytes[field[0] + field[1] - 1 - i];
                    bytes[field[0] + field[1] - 1 - i] = b;
                }
            }
        }
        return bytes;
    }
}
