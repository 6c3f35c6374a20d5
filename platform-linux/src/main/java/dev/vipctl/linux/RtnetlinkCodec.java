package dev.vipctl.linux;

import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.OsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the rtnetlink requests vipctl sends and reads the kernel's replies (docs/linux.md#rtnetlink), over plain bytes so
 * every layout is testable on any machine. Header fields, {@code ifa_index}, attribute headers and u32 attributes
 * are in host order (the byte order given to the constructor: {@link ByteOrder#nativeOrder()} in production);
 * addresses are in network order. Layouts and encoding rules: docs/linux.md#messages-and-attributes.
 */
final class RtnetlinkCodec {
    /** linux/netlink.h: sizeof(struct nlmsghdr) */
    private static final int NLMSG_HDRLEN = 16;
    /** linux/if_addr.h: sizeof(struct ifaddrmsg) */
    private static final int IFADDRMSG_LEN = 8;
    /** linux/rtnetlink.h: sizeof(struct ifinfomsg) */
    private static final int IFINFOMSG_LEN = 16;
    /** linux/rtnetlink.h: sizeof(struct rtattr) */
    private static final int RTA_HDRLEN = 4;
    /** linux/netlink.h: sizeof(struct nlmsgerr) minus the echoed nlmsghdr, i.e. the s32 error */
    private static final int NLMSGERR_ERROR_LEN = 4;

    /** linux/netlink.h: a message that carries nothing, to be skipped */
    private static final int NLMSG_NOOP = 1;
    /** linux/netlink.h */
    private static final int NLMSG_ERROR = 2;
    /** linux/netlink.h */
    static final int NLMSG_DONE = 3;
    /** linux/netlink.h: messages were lost before this one */
    private static final int NLMSG_OVERRUN = 4;
    /** linux/rtnetlink.h */
    static final int RTM_NEWLINK = 16;
    /** linux/rtnetlink.h */
    private static final int RTM_GETLINK = 18;
    /** linux/rtnetlink.h */
    static final int RTM_NEWADDR = 20;
    /** linux/rtnetlink.h */
    private static final int RTM_DELADDR = 21;
    /** linux/rtnetlink.h */
    private static final int RTM_GETADDR = 22;

    /** linux/netlink.h */
    private static final int NLM_F_REQUEST = 0x1;
    /** linux/netlink.h */
    private static final int NLM_F_ACK = 0x4;
    /** linux/netlink.h */
    private static final int NLM_F_DUMP_INTR = 0x10;
    /** linux/netlink.h: NLM_F_ROOT | NLM_F_MATCH */
    private static final int NLM_F_DUMP = 0x300;
    /** linux/netlink.h */
    private static final int NLM_F_EXCL = 0x200;
    /** linux/netlink.h */
    private static final int NLM_F_CREATE = 0x400;
    /** linux/netlink.h: in an ACK, the request was not echoed beyond its header */
    private static final int NLM_F_CAPPED = 0x100;
    /** linux/netlink.h: in an ACK, extended-ACK attributes follow */
    private static final int NLM_F_ACK_TLVS = 0x200;
    /** linux/netlink.h */
    static final int NLMSGERR_ATTR_MSG = 1;
    /** linux/netlink.h: ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) */
    private static final int NLA_TYPE_MASK = 0x3fff;

    /** linux/socket.h */
    private static final int AF_INET = 2;
    /** linux/socket.h */
    private static final int AF_INET6 = 10;

    /** linux/if_addr.h */
    private static final int IFA_ADDRESS = 1;
    /** linux/if_addr.h */
    private static final int IFA_LOCAL = 2;
    /** linux/if_addr.h */
    private static final int IFA_LABEL = 3;
    /** linux/if_addr.h */
    private static final int IFA_BROADCAST = 4;
    /** linux/if_addr.h */
    private static final int IFA_FLAGS = 8;
    /** linux/if_addr.h */
    private static final int IFA_F_SECONDARY = 0x01;
    /** linux/if_addr.h */
    private static final int IFA_F_NODAD = 0x02;
    /** linux/if_addr.h */
    private static final int IFA_F_DADFAILED = 0x08;
    /** linux/if_addr.h */
    private static final int IFA_F_DEPRECATED = 0x20;
    /** linux/if_addr.h */
    private static final int IFA_F_TENTATIVE = 0x40;
    /** linux/if_addr.h */
    private static final int IFA_F_PERMANENT = 0x80;

    /** linux/if_link.h */
    private static final int IFLA_ADDRESS = 1;
    /** linux/if_link.h */
    private static final int IFLA_IFNAME = 3;
    /** linux/if.h */
    private static final int IFF_UP = 0x1;
    /** linux/if.h */
    private static final int IFF_LOOPBACK = 0x8;
    /** linux/if.h */
    private static final int IFF_RUNNING = 0x40;
    /** linux/if.h */
    private static final int IFF_NOARP = 0x80;
    /** linux/if_arp.h: ifi_type of Ethernet */
    private static final int ARPHRD_ETHER = 1;

    /** Ethernet hardware address length, linux/if_ether.h ETH_ALEN. */
    private static final int ETH_ALEN = 6;
    /** Room for every fixed part of an address request; the label comes on top. */
    private static final int ADDRESS_MESSAGE_CAPACITY = 128;

    private final ByteOrder hostOrder;

    RtnetlinkCodec(ByteOrder hostOrder) {
        this.hostOrder = hostOrder;
    }

    // ---------------------------------------------------------------------------------------------------- requests

    /**
     * RTM_NEWADDR with REQUEST|ACK|EXCL|CREATE (docs/linux.md#adding-an-address): an existing address with the same prefix length is an
     * EEXIST error, not a silent success. Attributes in the order of the golden vectors L1 and L4 (docs/linux.md#golden-vectors).
     */
    byte[] newAddress(int sequence, int interfaceIndex, InterfaceAddress address) {
        return addressMessage(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE, sequence, interfaceIndex, address);
    }

    /**
     * RTM_DELADDR with REQUEST|ACK (docs/linux.md#removing-an-address). IFA_ADDRESS and the prefix length are always sent: with IFA_LOCAL
     * alone the kernel ignores the prefix length and deletes the first address with that IP. The label, when given,
     * narrows the match further.
     */
    byte[] deleteAddress(int sequence, int interfaceIndex, InterfaceAddress address) {
        return addressMessage(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, sequence, interfaceIndex, address);
    }

    private byte[] addressMessage(int type, int flags, int sequence, int interfaceIndex, InterfaceAddress address) {
        byte[] ip = address.address().bytes();
        boolean ipv4 = address.address().isIpv4();
        // IPv6 has no labels: the kernel accepts and ignores one (docs/linux.md#labels), so none is sent.
        byte[] label = ipv4 && !address.label().isEmpty() ? nulTerminated(address.label()) : new byte[0];
        ByteBuffer message = startMessage(ADDRESS_MESSAGE_CAPACITY + label.length, type, flags, sequence);
        message.put((byte) (ipv4 ? AF_INET : AF_INET6))
                .put((byte) address.prefixLength())
                .put((byte) 0) // ifa_flags: the 8-bit field stays 0, IFA_FLAGS carries flags (docs/linux.md#listing-addresses)
                .put((byte) 0) // ifa_scope RT_SCOPE_UNIVERSE
                .putInt(interfaceIndex);
        putAttribute(message, IFA_LOCAL, ip);
        putAttribute(message, IFA_ADDRESS, ip);
        if (type == RTM_NEWADDR && ipv4 && address.prefixLength() < 31) {
            // The kernel does not derive the broadcast address (docs/linux.md#adding-an-address): addr | ~mask, as iproute2's "brd +" does.
            // /31 and /32 have none.
            int mask = IpAddress.ipv4Mask(address.prefixLength());
            putAttribute(message, IFA_BROADCAST, IpAddress.ofIpv4Bits(address.address().ipv4Bits() | ~mask).bytes());
        }
        if (label.length > 0) {
            putAttribute(message, IFA_LABEL, label);
        }
        if (type == RTM_NEWADDR && !ipv4) {
            // Without NODAD a new IPv6 address stays tentative, unusable, for 1-2 s while DAD runs (docs/linux.md#adding-an-address):
            // too long for a takeover. The golden vector L4 is this request.
            putAttribute(message, IFA_FLAGS, u32(IFA_F_NODAD));
        }
        return finish(message);
    }

    /**
     * RTM_GETADDR dump of the IPv4 addresses (docs/linux.md#listing-addresses, golden vector L3). A non-zero {@code interfaceIndex} filters
     * the dump in the kernel only on a socket with NETLINK_GET_STRICT_CHK, so readers filter the reply as well.
     */
    byte[] dumpIpv4Addresses(int sequence, int interfaceIndex) {
        ByteBuffer message = startMessage(NLMSG_HDRLEN + IFADDRMSG_LEN, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, sequence);
        message.put((byte) AF_INET).put((byte) 0).put((byte) 0).put((byte) 0).putInt(interfaceIndex);
        return finish(message);
    }

    /**
     * RTM_GETLINK by name with REQUEST|ACK (docs/linux.md#looking-up-an-interface): the ACK ends the exchange, so a
     * reader never waits for a message that does not come; an unknown name is an ENODEV error.
     */
    byte[] getLink(int sequence, String interfaceName) {
        byte[] name = nulTerminated(interfaceName);
        ByteBuffer message = startMessage(NLMSG_HDRLEN + IFINFOMSG_LEN + attributeSpace(name.length), RTM_GETLINK,
                NLM_F_REQUEST | NLM_F_ACK, sequence);
        message.put(new byte[IFINFOMSG_LEN]); // ifi_family AF_UNSPEC, index 0: the name selects the link
        putAttribute(message, IFLA_IFNAME, name);
        return finish(message);
    }

    /** The nlmsg_seq of an encoded message. */
    int sequenceOf(byte[] message) {
        return ByteBuffer.wrap(message).order(hostOrder).getInt(8);
    }

    private ByteBuffer startMessage(int capacity, int type, int flags, int sequence) {
        ByteBuffer message = ByteBuffer.allocate(capacity).order(hostOrder);
        message.putInt(0) // nlmsg_len, set by finish()
                .putShort((short) type)
                .putShort((short) flags)
                .putInt(sequence)
                .putInt(0); // nlmsg_pid 0: the message is for the kernel
        return message;
    }

    private static byte[] finish(ByteBuffer message) {
        message.putInt(0, message.position());
        return Arrays.copyOf(message.array(), message.position());
    }

    /** rta_len counts the data without padding; the next attribute starts 4-aligned (docs/linux.md#messages-and-attributes). */
    private static void putAttribute(ByteBuffer message, int type, byte[] data) {
        message.putShort((short) (RTA_HDRLEN + data.length)).putShort((short) type).put(data);
        message.position(message.position() + attributeSpace(data.length) - RTA_HDRLEN - data.length);
    }

    private byte[] u32(int value) {
        return ByteBuffer.allocate(4).order(hostOrder).putInt(value).array();
    }

    private static int attributeSpace(int dataLength) {
        return align4(RTA_HDRLEN + dataLength);
    }

    private static int align4(int length) {
        return (length + 3) & ~3;
    }

    private static byte[] nulTerminated(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(bytes, bytes.length + 1);
    }

    // ----------------------------------------------------------------------------------------------------- replies

    /** One netlink message as received: its header fields and all its bytes, header included. */
    static final class Message {
        private final int type;
        private final int flags;
        private final int sequence;
        private final byte[] bytes;

        private Message(int type, int flags, int sequence, byte[] bytes) {
            this.type = type;
            this.flags = flags;
            this.sequence = sequence;
            this.bytes = bytes;
        }

        int type() {
            return type;
        }

        int length() {
            return bytes.length;
        }
    }

    /** How the kernel ended a request: an NLMSG_ERROR (error 0 is the ACK) or the NLMSG_DONE of a dump. */
    static final class Acknowledgement {
        private final int errno;
        private final String extackMessage;

        Acknowledgement(int errno, String extackMessage) {
            this.errno = errno;
            this.extackMessage = extackMessage;
        }

        /** The positive errno the kernel reported, 0 for success. */
        int errno() {
            return errno;
        }

        /** The kernel's own words (extended ACK, NLMSGERR_ATTR_MSG); empty when it gave none. */
        String extackMessage() {
            return extackMessage;
        }
    }

    /** One RTM_NEWADDR: the address and the index of the interface it is on. */
    static final class AddressEntry {
        private final int interfaceIndex;
        private final InterfaceAddress address;

        AddressEntry(int interfaceIndex, InterfaceAddress address) {
            this.interfaceIndex = interfaceIndex;
            this.address = address;
        }

        int interfaceIndex() {
            return interfaceIndex;
        }

        InterfaceAddress address() {
            return address;
        }
    }

    /**
     * The messages of one received datagram (docs/linux.md#listing-addresses: a datagram holds one or more messages, each starting
     * 4-aligned after the previous one).
     */
    List<Message> messages(byte[] datagram, int length) throws OsException {
        ByteBuffer buffer = ByteBuffer.wrap(datagram, 0, length).order(hostOrder);
        List<Message> messages = new ArrayList<>();
        int offset = 0;
        while (offset + NLMSG_HDRLEN <= length) {
            int messageLength = buffer.getInt(offset);
            if (messageLength < NLMSG_HDRLEN || messageLength > length - offset) {
                throw malformed("a message at offset " + offset + " claims " + Integer.toUnsignedString(messageLength)
                        + " bytes of the " + length + " received");
            }
            messages.add(new Message(buffer.getShort(offset + 4) & 0xffff, buffer.getShort(offset + 6) & 0xffff,
                    buffer.getInt(offset + 8), Arrays.copyOfRange(datagram, offset, offset + messageLength)));
            offset += align4(messageLength);
        }
        return messages;
    }

    /**
     * Reads an NLMSG_ERROR or NLMSG_DONE (docs/linux.md#replies-acknowledgements-and-errors): the s32 error, then, if NLM_F_ACK_TLVS is set, the extended-ACK
     * attributes. In an NLMSG_ERROR they follow the echoed request: only its 16-byte header when NLM_F_CAPPED is set,
     * otherwise the whole request (its own nlmsg_len, 4-aligned). In an NLMSG_DONE they follow the error directly.
     */
    Acknowledgement acknowledgement(Message message) throws OsException {
        ByteBuffer buffer = buffer(message);
        int errorEnd = NLMSG_HDRLEN + NLMSGERR_ERROR_LEN;
        if (message.length() < errorEnd) {
            throw malformed("a message of type " + message.type + " has " + message.length() + " bytes, no error code");
        }
        int errno = -buffer.getInt(NLMSG_HDRLEN);
        if (errno < 0) {
            throw malformed("error code " + -errno + " is positive");
        }
        if ((message.flags & NLM_F_ACK_TLVS) == 0) {
            return new Acknowledgement(errno, "");
        }
        int attributesStart;
        if (message.type == NLMSG_DONE) {
            attributesStart = errorEnd;
        } else if ((message.flags & NLM_F_CAPPED) != 0) {
            attributesStart = errorEnd + NLMSG_HDRLEN;
        } else {
            attributesStart = message.length() < errorEnd + 4 ? -1 : errorEnd + align4(buffer.getInt(errorEnd));
        }
        if (attributesStart < errorEnd || attributesStart > message.length()) {
            throw malformed("the request echoed in an error message overruns its " + message.length() + " bytes");
        }
        byte[] text = attributes(message, attributesStart).get(NLMSGERR_ATTR_MSG);
        return new Acknowledgement(errno, text == null ? "" : string(text));
    }

    /**
     * Reads an RTM_NEWADDR (docs/linux.md#listing-addresses): the address comes from IFA_LOCAL (for IPv4 the local address; IFA_ADDRESS
     * is the peer on point-to-point links), or from IFA_ADDRESS where there is no IFA_LOCAL (IPv6). The u32 IFA_FLAGS,
     * when present, is authoritative over the 8-bit ifa_flags, which cannot hold the newer flags.
     */
    AddressEntry address(Message message) throws OsException {
        requireType(message, RTM_NEWADDR, NLMSG_HDRLEN + IFADDRMSG_LEN);
        ByteBuffer buffer = buffer(message);
        int family = buffer.get(NLMSG_HDRLEN) & 0xff;
        int prefixLength = buffer.get(NLMSG_HDRLEN + 1) & 0xff;
        int flags = buffer.get(NLMSG_HDRLEN + 2) & 0xff;
        int interfaceIndex = buffer.getInt(NLMSG_HDRLEN + 4);
        Map<Integer, byte[]> attributes = attributes(message, NLMSG_HDRLEN + IFADDRMSG_LEN);

        byte[] ip = attributes.containsKey(IFA_LOCAL) ? attributes.get(IFA_LOCAL) : attributes.get(IFA_ADDRESS);
        int expectedLength = family == AF_INET ? 4 : family == AF_INET6 ? 16 : -1;
        if (ip == null || ip.length != expectedLength) {
            throw malformed("an address message of family " + family + " carries " + (ip == null ? "no address" : ip.length + " address bytes"));
        }
        if (prefixLength > ip.length * 8) {
            throw malformed("prefix length " + prefixLength + " for a " + ip.length + "-byte address");
        }
        byte[] flagsAttribute = attributes.get(IFA_FLAGS);
        if (flagsAttribute != null && flagsAttribute.length == 4) {
            flags = ByteBuffer.wrap(flagsAttribute).order(hostOrder).getInt();
        }
        byte[] label = attributes.get(IFA_LABEL);
        return new AddressEntry(interfaceIndex,
                new InterfaceAddress(IpAddress.of(ip), prefixLength, label == null ? "" : string(label), addressFlags(flags)));
    }

    private static Set<AddressFlag> addressFlags(int flags) {
        Set<AddressFlag> set = EnumSet.noneOf(AddressFlag.class);
        if ((flags & IFA_F_SECONDARY) != 0) {
            set.add(AddressFlag.SECONDARY);
        }
        if ((flags & IFA_F_PERMANENT) != 0) {
            set.add(AddressFlag.PERMANENT);
        }
        if ((flags & IFA_F_TENTATIVE) != 0) {
            set.add(AddressFlag.TENTATIVE);
        }
        if ((flags & IFA_F_DADFAILED) != 0) {
            set.add(AddressFlag.DAD_FAILED);
        }
        if ((flags & IFA_F_DEPRECATED) != 0) {
            set.add(AddressFlag.DEPRECATED);
        }
        return set;
    }

    /**
     * Reads an RTM_NEWLINK (docs/linux.md#looking-up-an-interface): ifi_type, ifi_index, ifi_flags (IFF_UP, IFF_RUNNING, IFF_LOOPBACK,
     * IFF_NOARP), IFLA_IFNAME, and IFLA_ADDRESS as the MAC where it has 6 bytes. ARP runs only on an Ethernet link
     * (ARPHRD_ETHER) that is neither loopback nor NOARP; the other links are described, not refused, since
     * {@code status} and {@code down} need no ARP.
     */
    NetInterface link(Message message) throws OsException {
        requireType(message, RTM_NEWLINK, NLMSG_HDRLEN + IFINFOMSG_LEN);
        ByteBuffer buffer = buffer(message);
        int type = Short.toUnsignedInt(buffer.getShort(NLMSG_HDRLEN + 2));
        int index = buffer.getInt(NLMSG_HDRLEN + 4);
        int flags = buffer.getInt(NLMSG_HDRLEN + 8);
        Map<Integer, byte[]> attributes = attributes(message, NLMSG_HDRLEN + IFINFOMSG_LEN);
        byte[] name = attributes.get(IFLA_IFNAME);
        if (name == null) {
            throw malformed("the link message of index " + index + " has no name");
        }
        byte[] address = attributes.get(IFLA_ADDRESS);
        MacAddress mac = address != null && address.length == ETH_ALEN ? MacAddress.of(address) : null;
        NetInterface.Arp arp = (flags & IFF_LOOPBACK) != 0 ? NetInterface.Arp.LOOPBACK
                : type != ARPHRD_ETHER ? NetInterface.Arp.NOT_ETHERNET
                : (flags & IFF_NOARP) != 0 ? NetInterface.Arp.OFF
                : NetInterface.Arp.ON;
        if (arp == NetInterface.Arp.ON && mac == null) {
            throw malformed("the Ethernet link " + string(name) + " has no 6-byte hardware address ("
                    + (address == null ? "none" : address.length + " bytes") + ")");
        }
        return new NetInterface(string(name), index, mac, (flags & IFF_UP) != 0, (flags & IFF_RUNNING) != 0, arp);
    }

    /** A collector of the replies to the request with this sequence number. */
    Replies replies(int sequence) {
        return new Replies(sequence);
    }

    /**
     * The replies to one request, gathered from as many datagrams as the kernel sends: the messages carrying the
     * request's sequence number, up to the NLMSG_ERROR (the ACK, or the error) or the NLMSG_DONE that ends it.
     * Messages with another sequence number are late replies to an earlier request that timed out, and skipped.
     * Control messages are never data: NLMSG_NOOP is skipped, NLMSG_OVERRUN marks the replies as incomplete.
     */
    final class Replies {
        private final int sequence;
        private final List<Message> messages = new ArrayList<>();
        private boolean interrupted;
        private boolean overrun;
        private Acknowledgement end;

        private Replies(int sequence) {
            this.sequence = sequence;
        }

        /** Takes the messages of one datagram; true once the message that ends the request has arrived. */
        boolean add(List<Message> datagram) throws OsException {
            for (Message message : datagram) {
                if (message.type == NLMSG_NOOP) {
                    continue;
                }
                // Whatever sequence it carries: what was lost may have been ours.
                if (message.type == NLMSG_OVERRUN) {
                    overrun = true;
                    continue;
                }
                if (message.sequence != sequence) {
                    continue;
                }
                // The kernel may flag any message of a dump, the NLMSG_DONE included, when the table changed under it.
                interrupted |= (message.flags & NLM_F_DUMP_INTR) != 0;
                if (message.type == NLMSG_ERROR || message.type == NLMSG_DONE) {
                    end = acknowledgement(message);
                    return true;
                }
                messages.add(message);
            }
            return false;
        }

        /** The messages before the end: a dump's entries, or a request's answer (RTM_NEWLINK). */
        List<Message> messages() {
            return messages;
        }

        /**
         * Why the messages are not the whole, consistent answer, so that a dump is to be repeated (docs/linux.md#listing-addresses); null
         * when they are.
         */
        String incomplete() {
            if (overrun) {
                return "the kernel lost part of its answer (NLMSG_OVERRUN)";
            }
            return interrupted ? "the kernel's table changed while it was read (NLM_F_DUMP_INTR)" : null;
        }

        /** How the kernel ended the request; null until {@link #add} returned true. */
        Acknowledgement end() {
            return end;
        }
    }

    private ByteBuffer buffer(Message message) {
        return ByteBuffer.wrap(message.bytes).order(hostOrder);
    }

    private static void requireType(Message message, int type, int minimumLength) throws OsException {
        if (message.type != type) {
            throw malformed("expected message type " + type + ", got " + message.type);
        }
        if (message.length() < minimumLength) {
            throw malformed("a message of type " + type + " has " + message.length() + " bytes, fewer than " + minimumLength);
        }
    }

    /** The attributes from {@code start} to the end of the message by type, the type masked with 0x3fff (docs/linux.md#messages-and-attributes). */
    private Map<Integer, byte[]> attributes(Message message, int start) throws OsException {
        ByteBuffer buffer = buffer(message);
        Map<Integer, byte[]> attributes = new HashMap<>();
        int offset = start;
        while (offset + RTA_HDRLEN <= message.length()) {
            int length = buffer.getShort(offset) & 0xffff;
            if (length < RTA_HDRLEN || length > message.length() - offset) {
                throw malformed("an attribute at offset " + offset + " claims " + length + " bytes of a " + message.length() + "-byte message");
            }
            attributes.put(buffer.getShort(offset + 2) & NLA_TYPE_MASK, Arrays.copyOfRange(message.bytes, offset + RTA_HDRLEN, offset + length));
            offset += align4(length);
        }
        return attributes;
    }

    /** A C string attribute, up to its NUL. */
    private static String string(byte[] data) {
        int end = 0;
        while (end < data.length && data[end] != 0) {
            end++;
        }
        return new String(data, 0, end, StandardCharsets.UTF_8);
    }

    private static OsException malformed(String detail) {
        return new OsException(OsException.Reason.IO, 0, "malformed rtnetlink reply from the kernel: " + detail);
    }
}
