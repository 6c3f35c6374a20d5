package dev.vipctl.linux;

import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.OsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading replies: the kernel's extended ACK (docs/linux.md#golden-vectors), ACKs, dump streams, NLM_F_DUMP_INTR, NLMSG_NOOP and NLMSG_OVERRUN, attribute
 * types, malformed input.
 */
class RtnetlinkCodecReplyTest {
    private static final RtnetlinkCodec CODEC = new RtnetlinkCodec(ByteOrder.LITTLE_ENDIAN);
    private static final int PORT = 0x1a64;

    /** docs/linux.md#golden-vectors: the reply to L1 sent twice, the whole request echoed (no NETLINK_CAP_ACK). */
    private static final byte[] EXTACK_REPLY = concat(
            Hex.bytes("78 00 00 00 02 00 00 02 01 00 00 00 64 1a 00 00 ef ff ff ff"),
            RtnetlinkCodecRequestTest.L1,
            Hex.bytes("23 00 01 00"), "ipv4: Address already assigned\0".getBytes(StandardCharsets.US_ASCII), new byte[1]);

    @Test
    void anExtendedAckReplyGivesTheErrnoAndTheKernelsText() throws OsException {
        assertEquals(120, EXTACK_REPLY.length);
        List<RtnetlinkCodec.Message> messages = CODEC.messages(EXTACK_REPLY, EXTACK_REPLY.length);
        assertEquals(1, messages.size());

        RtnetlinkCodec.Acknowledgement error = CODEC.acknowledgement(messages.get(0));

        assertEquals(17, error.errno());
        assertEquals("ipv4: Address already assigned", error.extackMessage());
    }

    @Test
    void cappedExtackReplySkipsOnlyTheEchoedHeader() throws OsException {
        byte[] capped = concat(Hex.bytes("48 00 00 00 02 00 00 03 01 00 00 00 64 1a 00 00 ef ff ff ff"),
                Arrays.copyOf(RtnetlinkCodecRequestTest.L1, 16),
                Hex.bytes("23 00 01 00"), "ipv4: Address already assigned\0".getBytes(StandardCharsets.US_ASCII), new byte[1]);

        RtnetlinkCodec.Acknowledgement error = CODEC.acknowledgement(CODEC.messages(capped, capped.length).get(0));

        assertEquals(17, error.errno());
        assertEquals("ipv4: Address already assigned", error.extackMessage());
    }

    @Test
    void successAckIs36CappedBytes() throws OsException {
        byte[] ack = concat(Hex.bytes("24 00 00 00 02 00 00 01 01 00 00 00 64 1a 00 00 00 00 00 00"),
                Arrays.copyOf(RtnetlinkCodecRequestTest.L1, 16));
        RtnetlinkCodec.Replies replies = CODEC.replies(1);

        assertTrue(replies.add(CODEC.messages(ack, ack.length)));

        assertEquals(0, replies.end().errno());
        assertEquals("", replies.end().extackMessage());
        assertTrue(replies.messages().isEmpty());
    }

    @Test
    void errorWithoutAckTlvsHasNoText() throws OsException {
        byte[] error = concat(Hex.bytes("24 00 00 00 02 00 00 01 05 00 00 00 64 1a 00 00 9d ff ff ff"),
                Arrays.copyOf(RtnetlinkCodecRequestTest.L1, 16));

        RtnetlinkCodec.Acknowledgement ack = CODEC.acknowledgement(CODEC.messages(error, error.length).get(0));

        assertEquals(99, ack.errno());
        assertEquals("", ack.extackMessage());
    }

    @Test
    void dumpStreamEndsAtDone() throws OsException {
        byte[] first = concat(
                newAddress(3, 0x2, "198.51.100.11", 24, 0x80, "eth0"),
                newAddress(3, 0x2, "198.51.100.100", 24, 0x81, "eth0:1"));
        byte[] second = done(3, 0x2);
        RtnetlinkCodec.Replies replies = CODEC.replies(3);

        assertFalse(replies.add(CODEC.messages(first, first.length)), "no NLMSG_DONE yet");
        assertNull(replies.end());
        assertTrue(replies.add(CODEC.messages(second, second.length)));

        assertEquals(0, replies.end().errno());
        assertNull(replies.incomplete());
        assertEquals(2, replies.messages().size());
        RtnetlinkCodec.AddressEntry own = CODEC.address(replies.messages().get(0));
        RtnetlinkCodec.AddressEntry vip = CODEC.address(replies.messages().get(1));
        assertEquals(2, own.interfaceIndex());
        assertEquals(new InterfaceAddress(IpAddress.parseIpv4("198.51.100.11"), 24, "eth0", EnumSet.of(AddressFlag.PERMANENT)), own.address());
        assertEquals(new InterfaceAddress(IpAddress.parseIpv4("198.51.100.100"), 24, "eth0:1",
                EnumSet.of(AddressFlag.SECONDARY, AddressFlag.PERMANENT)), vip.address());
    }

    @Test
    void doneAndItsMessagesMayShareADatagram() throws OsException {
        byte[] datagram = concat(newAddress(3, 0x2, "198.51.100.11", 24, 0x80, "eth0"), done(3, 0x2));
        RtnetlinkCodec.Replies replies = CODEC.replies(3);

        assertTrue(replies.add(CODEC.messages(datagram, datagram.length)));
        assertEquals(1, replies.messages().size());
    }

    @Test
    void dumpInterruptedOnAnEntryIsDetected() throws OsException {
        byte[] datagram = concat(newAddress(3, 0x2 | 0x10, "198.51.100.11", 24, 0x80, "eth0"), done(3, 0x2));
        RtnetlinkCodec.Replies replies = CODEC.replies(3);

        replies.add(CODEC.messages(datagram, datagram.length));

        assertEquals("the kernel's table changed while it was read (NLM_F_DUMP_INTR)", replies.incomplete());
    }

    @Test
    void dumpInterruptedOnlyOnTheDoneIsDetected() throws OsException {
        byte[] datagram = concat(newAddress(3, 0x2, "198.51.100.11", 24, 0x80, "eth0"), done(3, 0x2 | 0x10));
        RtnetlinkCodec.Replies replies = CODEC.replies(3);

        replies.add(CODEC.messages(datagram, datagram.length));

        assertEquals("the kernel's table changed while it was read (NLM_F_DUMP_INTR)", replies.incomplete());
    }

    /**
     * A dump of sequence 3 in one host byte order, byte for byte: one RTM_NEWADDR (198.51.100.11/24 on index 2, ifa_flags
     * PERMANENT, IFA_LOCAL only), a 16-byte NLMSG_NOOP, a 16-byte NLMSG_OVERRUN, and NLMSG_DONE.
     */
    enum ControlMessages {
        LITTLE_ENDIAN(ByteOrder.LITTLE_ENDIAN,
                "20 00 00 00 14 00 02 00 03 00 00 00 64 1a 00 00 02 18 80 00 02 00 00 00 08 00 02 00 c6 33 64 0b",
                "10 00 00 00 01 00 00 00 03 00 00 00 64 1a 00 00",
                "10 00 00 00 04 00 00 00 03 00 00 00 64 1a 00 00",
                "14 00 00 00 03 00 02 00 03 00 00 00 64 1a 00 00 00 00 00 00"),
        BIG_ENDIAN(ByteOrder.BIG_ENDIAN,
                "00 00 00 20 00 14 00 02 00 00 00 03 00 00 1a 64 02 18 80 00 00 00 00 02 00 08 00 02 c6 33 64 0b",
                "00 00 00 10 00 01 00 00 00 00 00 03 00 00 1a 64",
                "00 00 00 10 00 04 00 00 00 00 00 03 00 00 1a 64",
                "00 00 00 14 00 03 00 02 00 00 00 03 00 00 1a 64 00 00 00 00");

        final RtnetlinkCodec codec;
        final byte[] address;
        final byte[] noop;
        final byte[] overrun;
        final byte[] done;

        ControlMessages(ByteOrder order, String address, String noop, String overrun, String done) {
            this.codec = new RtnetlinkCodec(order);
            this.address = Hex.bytes(address);
            this.noop = Hex.bytes(noop);
            this.overrun = Hex.bytes(overrun);
            this.done = Hex.bytes(done);
        }

        RtnetlinkCodec.Replies replay(byte[]... datagrams) throws OsException {
            RtnetlinkCodec.Replies replies = codec.replies(3);
            for (byte[] datagram : datagrams) {
                replies.add(codec.messages(datagram, datagram.length));
            }
            return replies;
        }
    }

    @ParameterizedTest
    @EnumSource(ControlMessages.class)
    void noopIsSkippedNotReadAsAnEntry(ControlMessages dump) throws OsException {
        RtnetlinkCodec.Replies replies = dump.codec.replies(3);

        assertFalse(replies.add(dump.codec.messages(dump.noop, dump.noop.length)), "a NOOP ends nothing");
        assertTrue(replies.add(dump.codec.messages(concat(dump.address, dump.noop, dump.done), 68)));

        assertEquals(1, replies.messages().size());
        assertEquals(new InterfaceAddress(IpAddress.parseIpv4("198.51.100.11"), 24, "", EnumSet.of(AddressFlag.PERMANENT)),
                dump.codec.address(replies.messages().get(0)).address());
        assertNull(replies.incomplete());
    }

    @ParameterizedTest
    @EnumSource(ControlMessages.class)
    void overrunMakesTheDumpIncompleteAndIsNotAnEntry(ControlMessages dump) throws OsException {
        RtnetlinkCodec.Replies replies = dump.replay(concat(dump.address, dump.overrun), dump.done);

        assertEquals(1, replies.messages().size(), "only the address");
        assertEquals(0, replies.end().errno());
        assertEquals("the kernel lost part of its answer (NLMSG_OVERRUN)", replies.incomplete());
    }

    @ParameterizedTest
    @EnumSource(ControlMessages.class)
    void overrunOfAnotherSequenceStillMakesTheDumpIncomplete(ControlMessages dump) throws OsException {
        byte[] overrunOfSequence2 = dump.overrun.clone();
        overrunOfSequence2[dump == ControlMessages.LITTLE_ENDIAN ? 8 : 11] = 2;

        RtnetlinkCodec.Replies replies = dump.replay(overrunOfSequence2, concat(dump.address, dump.done));

        assertEquals("the kernel lost part of its answer (NLMSG_OVERRUN)", replies.incomplete());
    }

    @Test
    void repliesToAnotherSequenceAreSkipped() throws OsException {
        byte[] lateAck = concat(Hex.bytes("24 00 00 00 02 00 00 01 02 00 00 00 64 1a 00 00 00 00 00 00"), new byte[16]);
        byte[] datagram = concat(lateAck, newAddress(2, 0x2, "198.51.100.99", 24, 0x80, "eth0"),
                newAddress(3, 0x2, "198.51.100.11", 24, 0x80, "eth0"));
        RtnetlinkCodec.Replies replies = CODEC.replies(3);

        assertFalse(replies.add(CODEC.messages(datagram, datagram.length)), "the ACK of sequence 2 does not end sequence 3");
        assertEquals(1, replies.messages().size());
        assertEquals(IpAddress.parseIpv4("198.51.100.11"), CODEC.address(replies.messages().get(0)).address().address());
    }

    @Test
    void failedDumpEndsWithDoneCarryingTheErrorAndItsText() throws OsException {
        // NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS, error -22, then the extended-ACK attributes right after the error.
        byte[] datagram = fixLength(concat(header(RtnetlinkCodec.NLMSG_DONE, 0x202, 3), Hex.bytes("ea ff ff ff"),
                extackMessage("Invalid values in header")));
        RtnetlinkCodec.Replies replies = CODEC.replies(3);

        assertTrue(replies.add(CODEC.messages(datagram, datagram.length)));

        assertEquals(22, replies.end().errno());
        assertEquals("Invalid values in header", replies.end().extackMessage());
    }

    @Test
    void attributeTypesAreMaskedWith3fff() throws OsException {
        // IFA_LOCAL with NLA_F_NET_BYTEORDER (0x4000), IFA_LABEL with NLA_F_NESTED (0x8000).
        byte[] message = fixLength(concat(header(RtnetlinkCodec.RTM_NEWADDR, 0x2, 3), Hex.bytes("02 18 80 00 02 00 00 00"),
                Hex.bytes("08 00 02 40 c6 33 64 0b"), Hex.bytes("09 00 03 80 65 74 68 30 00 00 00 00")));

        InterfaceAddress address = CODEC.address(CODEC.messages(message, message.length).get(0)).address();

        assertEquals(IpAddress.parseIpv4("198.51.100.11"), address.address());
        assertEquals("eth0", address.label());
    }

    @Test
    void u32FlagsAttributeOverridesTheEightBitField() throws OsException {
        // ifa_flags says PERMANENT only; IFA_FLAGS says SECONDARY | TENTATIVE | DADFAILED | DEPRECATED.
        byte[] message = fixLength(concat(header(RtnetlinkCodec.RTM_NEWADDR, 0x2, 3), Hex.bytes("02 18 80 00 02 00 00 00"),
                Hex.bytes("08 00 02 00 c6 33 64 0b"), Hex.bytes("08 00 08 00 69 00 00 00")));

        Set<AddressFlag> flags = CODEC.address(CODEC.messages(message, message.length).get(0)).address().flags();

        assertEquals(EnumSet.of(AddressFlag.SECONDARY, AddressFlag.TENTATIVE, AddressFlag.DAD_FAILED, AddressFlag.DEPRECATED), flags);
    }

    @Test
    void ipv4AddressComesFromIfaLocalNotThePeerInIfaAddress() throws OsException {
        byte[] message = fixLength(concat(header(RtnetlinkCodec.RTM_NEWADDR, 0x2, 3), Hex.bytes("02 20 80 00 02 00 00 00"),
                Hex.bytes("08 00 01 00 c6 33 64 01"), Hex.bytes("08 00 02 00 c6 33 64 0b")));

        assertEquals(IpAddress.parseIpv4("198.51.100.11"), CODEC.address(CODEC.messages(message, message.length).get(0)).address().address());
    }

    @Test
    void ipv6AddressComesFromIfaAddress() throws OsException {
        byte[] message = fixLength(concat(header(RtnetlinkCodec.RTM_NEWADDR, 0x2, 3), Hex.bytes("0a 40 80 00 02 00 00 00"),
                Hex.bytes("14 00 01 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 10")));

        InterfaceAddress address = CODEC.address(CODEC.messages(message, message.length).get(0)).address();

        assertEquals(IpAddress.of(Hex.bytes("20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 10")), address.address());
        assertEquals(64, address.prefixLength());
        assertEquals("", address.label());
    }

    @Test
    void messageLongerThanTheDatagramIsMalformed() {
        byte[] datagram = newAddress(3, 0x2, "198.51.100.11", 24, 0x80, "eth0");

        OsException e = assertThrows(OsException.class, () -> CODEC.messages(datagram, datagram.length - 4));
        assertEquals(OsException.Reason.IO, e.reason());
    }

    @Test
    void attributeLongerThanItsMessageIsMalformed() throws OsException {
        byte[] message = fixLength(concat(header(RtnetlinkCodec.RTM_NEWADDR, 0x2, 3), Hex.bytes("02 18 80 00 02 00 00 00"),
                Hex.bytes("0c 00 02 00 c6 33 64 0b")));
        RtnetlinkCodec.Message parsed = CODEC.messages(message, message.length).get(0);

        OsException e = assertThrows(OsException.class, () -> CODEC.address(parsed));
        assertEquals(OsException.Reason.IO, e.reason());
    }

    @Test
    void echoedRequestOverrunningTheErrorIsMalformed() throws OsException {
        byte[] error = Hex.bytes("24 00 00 00 02 00 00 02 01 00 00 00 64 1a 00 00 ef ff ff ff 40 00 00 00 14 00 05 06 01 00 00 00 00 00 00 00");
        RtnetlinkCodec.Message parsed = CODEC.messages(error, error.length).get(0);

        OsException e = assertThrows(OsException.class, () -> CODEC.acknowledgement(parsed));
        assertEquals(OsException.Reason.IO, e.reason());
    }

    /** An RTM_NEWADDR as the kernel dumps it on index 2: IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_FLAGS. */
    private static byte[] newAddress(int sequence, int messageFlags, String ip, int prefix, int addressFlags, String label) {
        byte[] address = IpAddress.parseIpv4(ip).bytes();
        byte[] labelBytes = Arrays.copyOf((label + "\0").getBytes(StandardCharsets.US_ASCII), (label.length() + 4) & ~3);
        ByteBuffer body = ByteBuffer.allocate(8 + 8 + 8 + 4 + labelBytes.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        body.put((byte) 2).put((byte) prefix).put((byte) addressFlags).put((byte) 0).putInt(2);
        body.putShort((short) 8).putShort((short) 1).put(address);
        body.putShort((short) 8).putShort((short) 2).put(address);
        body.putShort((short) (4 + label.length() + 1)).putShort((short) 3).put(labelBytes);
        body.putShort((short) 8).putShort((short) 8).putInt(addressFlags);
        return fixLength(concat(header(RtnetlinkCodec.RTM_NEWADDR, messageFlags, sequence), body.array()));
    }

    /** An NLMSGERR_ATTR_MSG attribute, NUL-terminated and padded. */
    private static byte[] extackMessage(String text) {
        byte[] data = (text + "\0").getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate((4 + data.length + 3) & ~3).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) (4 + data.length)).putShort((short) RtnetlinkCodec.NLMSGERR_ATTR_MSG).put(data).array();
    }

    private static byte[] done(int sequence, int flags) {
        return fixLength(concat(header(RtnetlinkCodec.NLMSG_DONE, flags, sequence), new byte[4]));
    }

    private static byte[] header(int type, int flags, int sequence) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0).putShort((short) type).putShort((short) flags).putInt(sequence).putInt(PORT).array();
    }

    /** Sets nlmsg_len of a single message to its length. */
    private static byte[] fixLength(byte[] message) {
        ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN).putInt(0, message.length);
        return message;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
