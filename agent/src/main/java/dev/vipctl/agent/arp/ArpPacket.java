package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** A received Ethernet frame that carries ARP for IPv4 over Ethernet (RFC 826), parsed. */
public final class ArpPacket {
    /** ARP opcodes, RFC 826 (linux/if_arp.h ARPOP_REQUEST, ARPOP_REPLY). */
    public static final int REQUEST = 1;
    public static final int REPLY = 2;

    // Offsets in the Ethernet frame: a 14-byte Ethernet header, then the 28-byte ARP packet of RFC 826.
    private static final int ETHERTYPE = 12;
    private static final int HARDWARE_TYPE = 14;
    private static final int PROTOCOL_TYPE = 16;
    private static final int HARDWARE_ADDRESS_LENGTH = 18;
    private static final int PROTOCOL_ADDRESS_LENGTH = 19;
    private static final int OPCODE = 20;
    private static final int SENDER_MAC = 22;
    private static final int SENDER_IP = 28;
    private static final int TARGET_MAC = 32;
    private static final int TARGET_IP = 38;

    private final int opcode;
    private final MacAddress senderMac;
    private final IpAddress senderIp;
    private final MacAddress targetMac;
    private final IpAddress targetIp;

    private ArpPacket(int opcode, MacAddress senderMac, IpAddress senderIp, MacAddress targetMac, IpAddress targetIp) {
        this.opcode = opcode;
        this.senderMac = senderMac;
        this.senderIp = senderIp;
        this.targetMac = targetMac;
        this.targetIp = targetIp;
    }

    /**
     * Parses a whole Ethernet frame; bytes after the 42 that ARP needs (padding to the 60-byte minimum) are ignored.
     * An 802.1Q-tagged frame is refused: one reaches a {@link PcapArpLink} only on a trunk interface, where the "arp"
     * filter passes it and libpcap on Linux puts back the tag that the kernel had taken off.
     *
     * @return null if the frame is not ARP for IPv4 over Ethernet: another EtherType (0x8100 included), other hardware
     *         or protocol types or address lengths, or too short
     */
    public static ArpPacket parse(byte[] frame) {
        if (frame.length < ArpFrames.FRAME_LENGTH) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(frame);
        if (buffer.getShort(ETHERTYPE) != ArpFrames.ETHERTYPE_ARP
                || buffer.getShort(HARDWARE_TYPE) != ArpFrames.HARDWARE_TYPE_ETHERNET
                || buffer.getShort(PROTOCOL_TYPE) != ArpFrames.PROTOCOL_TYPE_IPV4
                || frame[HARDWARE_ADDRESS_LENGTH] != ArpFrames.HARDWARE_ADDRESS_LENGTH
                || frame[PROTOCOL_ADDRESS_LENGTH] != ArpFrames.PROTOCOL_ADDRESS_LENGTH) {
            return null;
        }
        return new ArpPacket(Short.toUnsignedInt(buffer.getShort(OPCODE)),
                MacAddress.of(Arrays.copyOfRange(frame, SENDER_MAC, SENDER_MAC + 6)),
                IpAddress.of(Arrays.copyOfRange(frame, SENDER_IP, SENDER_IP + 4)),
                MacAddress.of(Arrays.copyOfRange(frame, TARGET_MAC, TARGET_MAC + 6)),
                IpAddress.of(Arrays.copyOfRange(frame, TARGET_IP, TARGET_IP + 4)));
    }

    /** {@link #REQUEST}, {@link #REPLY}, or another opcode as an unsigned 16-bit value. */
    public int opcode() {
        return opcode;
    }

    public MacAddress senderMac() {
        return senderMac;
    }

    public IpAddress senderIp() {
        return senderIp;
    }

    public MacAddress targetMac() {
        return targetMac;
    }

    public IpAddress targetIp() {
        return targetIp;
    }

    /** Whether this is an RFC 5227 probe (§2.1.1): a request with sender IP 0.0.0.0, asking who holds the target IP. */
    public boolean isProbe() {
        return opcode == REQUEST && senderIp.ipv4Bits() == 0;
    }

    /** In the words of tcpdump, e.g. "reply 198.51.100.100 is-at 02:00:00:00:00:0a to 198.51.100.12 at 02:00:00:00:00:0b". */
    @Override
    public String toString() {
        if (isProbe()) {
            return "probe who-has " + targetIp + " from " + senderMac;
        }
        if (opcode == REQUEST) {
            return "request who-has " + targetIp + " tell " + senderIp + " at " + senderMac;
        }
        if (opcode == REPLY) {
            return "reply " + senderIp + " is-at " + senderMac + " to " + targetIp + " at " + targetMac;
        }
        return "opcode " + opcode + " from " + senderIp + " at " + senderMac + " to " + targetIp + " at " + targetMac;
    }
}
