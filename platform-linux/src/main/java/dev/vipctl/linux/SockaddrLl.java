package dev.vipctl.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code struct sockaddr_ll}, the link-layer address of an AF_PACKET socket (docs/linux.md#sockaddr_ll): 20 bytes,
 * sll_family u16 @0 and sll_ifindex s32 @4 in host order, sll_protocol u16 @2 in network order, sll_hatype u16 @8,
 * sll_pkttype u8 @10, sll_halen u8 @11, sll_addr[8] @12. Pure byte code.
 */
final class SockaddrLl {
    static final int LENGTH = 20;
    /** linux/socket.h */
    static final int AF_PACKET = 17;
    /** linux/if_packet.h: a frame this host sent, looped back to packet sockets */
    static final int PACKET_OUTGOING = 4;
    private static final int PROTOCOL_OFFSET = 2;
    private static final int IFINDEX_OFFSET = 4;
    private static final int PKTTYPE_OFFSET = 10;

    private SockaddrLl() {
    }

    /** The address {@code bind} takes: this protocol (an EtherType) on this interface. */
    static byte[] forBind(ByteOrder hostOrder, int etherType, int interfaceIndex) {
        ByteBuffer address = ByteBuffer.allocate(LENGTH).order(hostOrder);
        address.putShort(0, (short) AF_PACKET);
        address.order(ByteOrder.BIG_ENDIAN).putShort(PROTOCOL_OFFSET, (short) etherType);
        address.order(hostOrder).putInt(IFINDEX_OFFSET, interfaceIndex);
        return address.array();
    }

    /** sll_pkttype of an address {@code recvfrom} filled: PACKET_HOST 0, BROADCAST 1, ..., OUTGOING 4. */
    static int packetType(byte[] address) {
        return address[PKTTYPE_OFFSET] & 0xff;
    }
}
