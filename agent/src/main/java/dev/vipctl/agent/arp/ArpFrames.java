package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;

import java.nio.ByteBuffer;

/**
 * Builds gratuitous ARP announcements as complete Ethernet frames, ready for a raw send. Both forms go to the
 * broadcast address and carry sender IP = target IP = the VIP and sender MAC = our MAC (NATIVE_APIS.md §1.7).
 */
public final class ArpFrames {
    /** Ethernet header (14) + ARP for IPv4 over Ethernet (28); the NIC pads it to the 60-byte minimum. */
    public static final int FRAME_LENGTH = 42;

    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
    private static final byte[] NO_HARDWARE_ADDRESS = new byte[6];
    // Values from linux/if_ether.h (ETH_P_ARP 0x0806, ETH_P_IP 0x0800) and linux/if_arp.h (ARPHRD_ETHER 1,
    // ARPOP_REQUEST 1, ARPOP_REPLY 2); the same numbers are in RFC 826 and the IANA ARP registries.
    private static final short ETHERTYPE_ARP = 0x0806;
    private static final short HARDWARE_TYPE_ETHERNET = 1;
    private static final short PROTOCOL_TYPE_IPV4 = 0x0800;
    private static final byte HARDWARE_ADDRESS_LENGTH = 6;
    private static final byte PROTOCOL_ADDRESS_LENGTH = 4;
    private static final short OPCODE_REQUEST = 1;
    private static final short OPCODE_REPLY = 2;

    private ArpFrames() {
    }

    /**
     * The request form: opcode 1, target MAC all zero. This is the RFC 5227 announcement, what {@code arping -U}
     * sends, byte for byte NATIVE_APIS.md Appendix A/L6.
     */
    public static byte[] announcementRequest(MacAddress ourMac, IpAddress vip) {
        return frame(OPCODE_REQUEST, ourMac, vip, NO_HARDWARE_ADDRESS);
    }

    /**
     * The reply form: opcode 2, target MAC = our MAC, as {@code arping -A} sends it. Linux receivers take a reply as
     * gratuitous only when target MAC equals sender MAC (net/ipv4/arp.c, {@code arp_is_garp}).
     */
    public static byte[] announcementReply(MacAddress ourMac, IpAddress vip) {
        return frame(OPCODE_REPLY, ourMac, vip, ourMac.bytes());
    }

    private static byte[] frame(short opcode, MacAddress ourMac, IpAddress vip, byte[] targetHardwareAddress) {
        if (!vip.isIpv4()) {
            throw new IllegalArgumentException("gratuitous ARP announces IPv4 addresses only, not " + vip);
        }
        byte[] mac = ourMac.bytes();
        byte[] ip = vip.bytes();
        // ByteBuffer writes big-endian, which is network order for every field here.
        return ByteBuffer.allocate(FRAME_LENGTH)
                .put(BROADCAST).put(mac).putShort(ETHERTYPE_ARP)
                .putShort(HARDWARE_TYPE_ETHERNET).putShort(PROTOCOL_TYPE_IPV4)
                .put(HARDWARE_ADDRESS_LENGTH).put(PROTOCOL_ADDRESS_LENGTH).putShort(opcode)
                .put(mac).put(ip)
                .put(targetHardwareAddress).put(ip)
                .array();
    }
}
