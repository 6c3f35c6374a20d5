package dev.vipctl.linux;

import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.OsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading an RTM_NEWLINK: whether ARP runs on the link, from ifi_type and ifi_flags, in both host byte orders. */
class RtnetlinkCodecLinkTest {
    private static final MacAddress ETH0_MAC = MacAddress.parse("02:00:00:00:00:0a");

    /**
     * RTM_NEWLINK replies of sequence 3 in one host byte order, byte for byte, each with IFLA_IFNAME and, where the link
     * has one, a 6-byte IFLA_ADDRESS: eth0 (index 2, ARPHRD_ETHER, UP|BROADCAST|RUNNING|MULTICAST|LOWER_UP); lo (index
     * 1, ARPHRD_LOOPBACK 772, UP|LOOPBACK|RUNNING|LOWER_UP, address all zero); eth0 after {@code ip link set dev eth0
     * arp off} (the same plus NOARP); tun0 (index 4, ARPHRD_NONE 0xfffe, UP|POINTOPOINT|RUNNING|NOARP|MULTICAST, no address).
     */
    enum Links {
        LITTLE_ENDIAN(ByteOrder.LITTLE_ENDIAN,
                "38 00 00 00 10 00 00 00 03 00 00 00 64 1a 00 00 00 00 01 00 02 00 00 00 43 10 01 00 00 00 00 00 09 00 03 00 65 74 68 30 00 00 00 00 0a 00 01 00 02 00 00 00 00 0a 00 00",
                "34 00 00 00 10 00 00 00 03 00 00 00 64 1a 00 00 00 00 04 03 01 00 00 00 49 00 01 00 00 00 00 00 07 00 03 00 6c 6f 00 00 0a 00 01 00 00 00 00 00 00 00 00 00",
                "38 00 00 00 10 00 00 00 03 00 00 00 64 1a 00 00 00 00 01 00 02 00 00 00 c3 10 01 00 00 00 00 00 09 00 03 00 65 74 68 30 00 00 00 00 0a 00 01 00 02 00 00 00 00 0a 00 00",
                "2c 00 00 00 10 00 00 00 03 00 00 00 64 1a 00 00 00 00 fe ff 04 00 00 00 d1 10 00 00 00 00 00 00 09 00 03 00 74 75 6e 30 00 00 00 00"),
        BIG_ENDIAN(ByteOrder.BIG_ENDIAN,
                "00 00 00 38 00 10 00 00 00 00 00 03 00 00 1a 64 00 00 00 01 00 00 00 02 00 01 10 43 00 00 00 00 00 09 00 03 65 74 68 30 00 00 00 00 00 0a 00 01 02 00 00 00 00 0a 00 00",
                "00 00 00 34 00 10 00 00 00 00 00 03 00 00 1a 64 00 00 03 04 00 00 00 01 00 01 00 49 00 00 00 00 00 07 00 03 6c 6f 00 00 00 0a 00 01 00 00 00 00 00 00 00 00",
                "00 00 00 38 00 10 00 00 00 00 00 03 00 00 1a 64 00 00 00 01 00 00 00 02 00 01 10 c3 00 00 00 00 00 09 00 03 65 74 68 30 00 00 00 00 00 0a 00 01 02 00 00 00 00 0a 00 00",
                "00 00 00 2c 00 10 00 00 00 00 00 03 00 00 1a 64 00 00 ff fe 00 00 00 04 00 00 10 d1 00 00 00 00 00 09 00 03 74 75 6e 30 00 00 00 00");

        final RtnetlinkCodec codec;
        final byte[] ethernet;
        final byte[] loopback;
        final byte[] arpOff;
        final byte[] tun;

        Links(ByteOrder order, String ethernet, String loopback, String arpOff, String tun) {
            this.codec = new RtnetlinkCodec(order);
            this.ethernet = Hex.bytes(ethernet);
            this.loopback = Hex.bytes(loopback);
            this.arpOff = Hex.bytes(arpOff);
            this.tun = Hex.bytes(tun);
        }

        NetInterface link(byte[] reply) throws OsException {
            return codec.link(codec.messages(reply, reply.length).get(0));
        }
    }

    @ParameterizedTest
    @EnumSource(Links.class)
    void ethernetWithArpOn(Links links) throws OsException {
        NetInterface eth0 = links.link(links.ethernet);

        assertEquals("eth0", eth0.name());
        assertEquals(2, eth0.index());
        assertEquals(ETH0_MAC, eth0.mac());
        assertTrue(eth0.isUp());
        assertTrue(eth0.isRunning());
        assertEquals(NetInterface.Arp.ON, eth0.arp());
    }

    @ParameterizedTest
    @EnumSource(Links.class)
    void loopbackHasNoArp(Links links) throws OsException {
        NetInterface lo = links.link(links.loopback);

        assertEquals("lo", lo.name());
        assertEquals(1, lo.index());
        assertTrue(lo.isUp());
        assertTrue(lo.isRunning());
        assertEquals(NetInterface.Arp.LOOPBACK, lo.arp());
    }

    @ParameterizedTest
    @EnumSource(Links.class)
    void ethernetWithNoarpHasArpOff(Links links) throws OsException {
        NetInterface eth0 = links.link(links.arpOff);

        assertEquals(ETH0_MAC, eth0.mac());
        assertTrue(eth0.isUp());
        assertEquals(NetInterface.Arp.OFF, eth0.arp());
    }

    @ParameterizedTest
    @EnumSource(Links.class)
    void aLinkWithoutHardwareAddressIsDescribedAsNotEthernet(Links links) throws OsException {
        NetInterface tun0 = links.link(links.tun);

        assertEquals("tun0", tun0.name());
        assertEquals(4, tun0.index());
        assertNull(tun0.mac());
        assertTrue(tun0.isUp());
        assertTrue(tun0.isRunning());
        assertEquals(NetInterface.Arp.NOT_ETHERNET, tun0.arp());
    }

    @Test
    void anEthernetLinkWithoutItsHardwareAddressIsMalformed() {
        byte[] withoutAddress = Links.LITTLE_ENDIAN.ethernet.clone();
        withoutAddress[0] = 0x2c; // nlmsg_len cut before IFLA_ADDRESS

        OsException e = assertThrows(OsException.class, () -> Links.LITTLE_ENDIAN.link(Arrays.copyOf(withoutAddress, 0x2c)));

        assertEquals(OsException.Reason.IO, e.reason());
        assertEquals("malformed rtnetlink reply from the kernel: the Ethernet link eth0 has no 6-byte hardware address (none)", e.getMessage());
    }
}
