package dev.vipctl.windows;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.OsException;
import dev.vipctl.os.OsException.Reason;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** SendARP as vipctl asks it, against DocumentedIpHelper's neighbour table (docs/windows.md#without-npcap-sendarp). */
class SendArpTest {
    private static final IpAddress VIP = IpAddress.parseIpv4("198.51.100.10");
    private static final IpAddress PEER = IpAddress.parseIpv4("198.51.100.20");
    private static final IpAddress OWN = IpAddress.parseIpv4("198.51.100.2");
    private static final byte[] HOLDER = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x0b};

    private final DocumentedIpHelper ipHelper = new DocumentedIpHelper(true);
    private final SendArp sendArp = new SendArp(ipHelper);

    @Test
    void anIpAddrIsTheAddressBytesInMemoryOrder() {
        assertEquals(0x0A0200C0, SendArp.ipAddr(IpAddress.parseIpv4("192.0.2.10")));
        assertEquals(0xFF6433C6, SendArp.ipAddr(IpAddress.parseIpv4("198.51.100.255")));
    }

    @Test
    void anAnsweringNeighbourGivesItsMac() throws Exception {
        ipHelper.answeringOnTheLink.put("198.51.100.10", HOLDER);

        assertEquals(MacAddress.of(HOLDER), sendArp.resolve(VIP, null));
        assertEquals(List.of("SendARP"), ipHelper.calls);
    }

    @Test
    void nobodyAnsweringIsNull() throws Exception {
        assertNull(sendArp.resolve(VIP, null));
        assertNull(sendArp.resolve(PEER, OWN));
    }

    @Test
    void aSourceThatIsNotThisHostsIsNoSuchAddress() {
        ipHelper.answeringOnTheLink.put("198.51.100.20", HOLDER);

        OsException e = assertThrows(OsException.class, () -> sendArp.resolve(PEER, VIP));
        assertEquals(Reason.NO_SUCH_ADDRESS, e.reason());
        assertEquals(1168, e.errorCode());
        assertEquals("SendARP(198.51.100.20, from 198.51.100.10): ERROR_NOT_FOUND (1168): 198.51.100.10 is not an address of this host",
                e.getMessage());
    }

    @Test
    void fromAnAddressOfThisHostThePeerAnswers() throws Exception {
        ipHelper.answeringOnTheLink.put("198.51.100.20", HOLDER);

        assertEquals(MacAddress.of(HOLDER), sendArp.resolve(PEER, OWN));
    }

    @Test
    void anotherCodeIsAnErrorNamingIt() {
        SendArp failing = new SendArp(new DocumentedIpHelper(true) {
            @Override
            public int sendArp(int destIp, int srcIp, byte[] mac, int[] length) {
                return ERROR_INVALID_PARAMETER;
            }
        });

        OsException e = assertThrows(OsException.class, () -> failing.resolve(VIP, null));
        assertEquals(Reason.IO, e.reason());
        assertEquals("SendARP(198.51.100.10): ERROR_INVALID_PARAMETER (87)", e.getMessage());
    }

    @Test
    void anAnswerThatIsNotAnEthernetAddressIsAnError() {
        ipHelper.answeringOnTheLink.put("198.51.100.10", new byte[] {1, 2, 3, 4});

        OsException e = assertThrows(OsException.class, () -> sendArp.resolve(VIP, null));
        assertEquals("SendARP(198.51.100.10) answered a 4-byte address, not an Ethernet MAC", e.getMessage());
    }
}
