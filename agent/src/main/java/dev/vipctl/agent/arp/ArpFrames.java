package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;

import java.nio.ByteBuffer;

/**
 * Builds ARP frames for IPv4 over Ethernet (RFC 826) as complete Ethernet frames, ready for a raw send: gratuitous
 * announcements, RFC 5227 probes and ordinary requests. Every frame goes to the broadcast address with sender MAC =
 * our MAC; they differ in opcode, sender IP and target MAC (docs/linux.md#frame-layout).
 */
public final class ArpFrames {
    /** Ethernet header (14) + ARP for IPv4 over Ethernet (28); the NIC pads it to the 60-byte minimum. */
    public static final int FRAME_LENGTH = 42;

    // Values from linux/if_ether.h (ETH_P_ARP 0x0806, ETH_P_IP 0x0800) and linux/if_arp.h (ARPHRD_ETHER 1); the same
    // numbers are in RFC 826 and the IANA ARP registries. ArpPacket checks received frames against them.
    static final short ETHERTYPE_ARP = 0x0806;
    static final short HARDWARE_TYPE_ETHERNET = 1;
    static final short PROTOCOL_TYPE_IPV4 = 0x0800;
    static final byte HARDWARE_ADDRESS_LENGTH = 6;
    static final byte PROTOCOL_ADDRESS_LENGTH = 4;

    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
    private static final byte[] NO_HARDWARE_ADDRESS = new byte[6];
    /** The sender IP of an RFC 5227 probe (§2.1.1): all zero, so that no receiver updates its table from it. */
    private static final byte[] NO_PROTOCOL_ADDRESS = new byte[4];

    private ArpFrames() {
    }

    /**
     * The request form: opcode 1, target MAC all zero. This is the RFC 5227 announcement, what {@code arping -U}
     * sends, byte for byte the golden vector L6 (docs/linux.md#golden-vectors).
     */
    public static byte[] announcementRequest(MacAddress ourMac, IpAddress vip) {
        return request(ourMac, vip, vip);
    }

    /**
     * The reply form: opcode 2, target MAC = our MAC, as {@code arping -A} sends it. Linux receivers take a reply as
     * gratuitous only when target MAC equals sender MAC (net/ipv4/arp.c, {@code arp_is_garp}).
     */
    public static byte[] announcementReply(MacAddress ourMac, IpAddress vip) {
        byte[] ip = ipv4Bytes(vip);
        return frame(ArpPacket.REPLY, ourMac, ip, ourMac.bytes(), ip);
    }

    /**
     * The RFC 5227 §2.1.1 probe for {@code address}: a request with sender IP 0.0.0.0 and target MAC all zero, what
     * {@code arping -D} sends. The host that holds the address answers it with a reply; no one learns from it.
     */
    public static byte[] probe(MacAddress ourMac, IpAddress address) {
        return frame(ArpPacket.REQUEST, ourMac, NO_PROTOCOL_ADDRESS, NO_HARDWARE_ADDRESS, ipv4Bytes(address));
    }

    /**
     * An ordinary request from {@code senderIp} for {@code targetIp}'s MAC, target MAC all zero. The holder of
     * {@code targetIp} replies to our MAC and, as RFC 826 has every target do, enters {@code senderIp} at our MAC.
     */
    public static byte[] request(MacAddress ourMac, IpAddress senderIp, IpAddress targetIp) {
        return frame(ArpPacket.REQUEST, ourMac, ipv4Bytes(senderIp), NO_HARDWARE_ADDRESS, ipv4Bytes(targetIp));
    }

    private static byte[] ipv4Bytes(IpAddress address) {
        if (!address.isIpv4()) {
            throw new IllegalArgumentException("ARP carries IPv4 addresses only, not " + address);
        }
        return address.bytes();
    }

    private static byte[] frame(int opcode, MacAddress ourMac, byte[] senderIp, byte[] targetMac, byte[] targetIp) {
        byte[] mac = ourMac.bytes();
        // ByteBuffer writes big-endian, which is network order for every field here.
        return ByteBuffer.allocate(FRAME_LENGTH)
                .put(BROADCAST).put(mac).putShort(ETHERTYPE_ARP)
                .putShort(HARDWARE_TYPE_ETHERNET).putShort(PROTOCOL_TYPE_IPV4)
                .put(HARDWARE_ADDRESS_LENGTH).put(PROTOCOL_ADDRESS_LENGTH).putShort((short) opcode)
                .put(mac).put(senderIp)
                .put(targetMac).put(targetIp)
                .array();
    }
}
