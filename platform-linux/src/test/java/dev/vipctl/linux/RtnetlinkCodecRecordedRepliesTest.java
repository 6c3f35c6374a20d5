package dev.vipctl.linux;

import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.OsException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Decodes replies recorded from a real kernel (Linux 6.18, x86_64, so little-endian; how: record_replies.py next to
 * the recordings). In that namespace eth0 had index 3.
 */
class RtnetlinkCodecRecordedRepliesTest {
    private static final RtnetlinkCodec CODEC = new RtnetlinkCodec(ByteOrder.LITTLE_ENDIAN);
    private static final int ETH0 = 3;

    @Test
    void addressDump() throws Exception {
        RtnetlinkCodec.Replies replies = replay("getaddr-dump.hex", 8);

        assertEquals(0, replies.end().errno());
        assertNull(replies.incomplete());
        List<InterfaceAddress> addresses = new ArrayList<>();
        for (RtnetlinkCodec.Message message : replies.messages()) {
            RtnetlinkCodec.AddressEntry entry = CODEC.address(message);
            assertEquals(ETH0, entry.interfaceIndex());
            addresses.add(entry.address());
        }
        // The kernel's order: the primaries of each prefix, then the secondary; unlabelled addresses carry the device name.
        assertEquals(List.of(
                new InterfaceAddress(ip("198.51.100.11"), 24, "eth0", EnumSet.of(AddressFlag.PERMANENT)),
                new InterfaceAddress(ip("198.51.100.100"), 32, "eth0", EnumSet.of(AddressFlag.PERMANENT)),
                new InterfaceAddress(ip("198.51.100.100"), 24, "eth0:1", EnumSet.of(AddressFlag.SECONDARY, AddressFlag.PERMANENT))),
                addresses);
    }

    @Test
    void linkOfEth0() throws Exception {
        RtnetlinkCodec.Replies replies = replay("getlink-eth0.hex", 6);

        assertEquals(0, replies.end().errno());
        assertEquals(1, replies.messages().size());
        NetInterface eth0 = CODEC.link(replies.messages().get(0));
        assertEquals("eth0", eth0.name());
        assertEquals(ETH0, eth0.index());
        assertEquals(MacAddress.parse("02:00:00:00:00:0a"), eth0.mac());
        assertTrue(eth0.isUp());
        assertTrue(eth0.isRunning());
        assertEquals(NetInterface.Arp.ON, eth0.arp());
    }

    @Test
    void successfulAdd() throws Exception {
        RtnetlinkCodec.Replies replies = replay("newaddr-ack.hex", 1);

        assertEquals(0, replies.end().errno());
        assertTrue(replies.messages().isEmpty());
    }

    @Test
    void duplicateAdd() throws Exception {
        assertError("newaddr-eexist.hex", 3, 17, "ipv4: Address already assigned");
    }

    @Test
    void labelOf16Characters() throws Exception {
        // This reply also carries NLMSGERR_ATTR_OFFS and a nested NLMSGERR_ATTR_POLICY (type 0x8004).
        assertError("newaddr-label-erange.hex", 4, 34, "Attribute failed policy validation");
    }

    @Test
    void removeOfAnAbsentAddress() throws Exception {
        assertError("deladdr-eaddrnotavail.hex", 5, 99, "ipv4: Address not found");
    }

    @Test
    void unknownInterfaceHasNoText() throws Exception {
        assertError("getlink-enodev.hex", 7, 19, "");
    }

    private static void assertError(String recording, int sequence, int errno, String text) throws Exception {
        RtnetlinkCodec.Replies replies = replay(recording, sequence);

        assertEquals(errno, replies.end().errno());
        assertEquals(text, replies.end().extackMessage());
        assertTrue(replies.messages().isEmpty());
    }

    /** Feeds the recorded datagrams in order; the last one must end the request, and none before it. */
    private static RtnetlinkCodec.Replies replay(String recording, int sequence) throws IOException, OsException {
        List<byte[]> datagrams = Hex.recording(recording);
        RtnetlinkCodec.Replies replies = CODEC.replies(sequence);
        for (int i = 0; i < datagrams.size(); i++) {
            byte[] datagram = datagrams.get(i);
            assertEquals(i == datagrams.size() - 1, replies.add(CODEC.messages(datagram, datagram.length)), recording + " datagram " + (i + 1));
        }
        return replies;
    }

    private static IpAddress ip(String text) {
        return IpAddress.parseIpv4(text);
    }
}
