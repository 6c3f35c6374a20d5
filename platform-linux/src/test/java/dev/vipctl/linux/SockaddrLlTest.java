package dev.vipctl.linux;

import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** struct sockaddr_ll as docs/linux.md#sockaddr_ll lays it out, for both byte orders Linux runs on. */
class SockaddrLlTest {
    @Test
    void bindAddressOnLittleEndianHosts() {
        assertArrayEquals(Hex.bytes("11 00 08 06 07 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"),
                SockaddrLl.forBind(ByteOrder.LITTLE_ENDIAN, 0x0806, 7), "family 17 and ifindex 7 little-endian, protocol 0x0806 big-endian");
    }

    @Test
    void bindAddressOnBigEndianHosts() {
        assertArrayEquals(Hex.bytes("00 11 08 06 00 00 01 02 00 00 00 00 00 00 00 00 00 00 00 00"),
                SockaddrLl.forBind(ByteOrder.BIG_ENDIAN, 0x0806, 258), "s390x, ppc64: everything big-endian");
    }

    @Test
    void packetTypeIsTheByteAtOffsetTen() {
        byte[] address = Hex.bytes("11 00 08 06 02 00 00 00 01 00 04 06 02 00 00 00 00 0a 00 00");
        assertEquals(SockaddrLl.PACKET_OUTGOING, SockaddrLl.packetType(address));
        address[10] = 1;
        assertEquals(1, SockaddrLl.packetType(address), "PACKET_BROADCAST");
    }
}
