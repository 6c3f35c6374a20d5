package dev.vipctl.windows;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.OsException;
import dev.vipctl.os.OsException.Reason;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** WindowsNetworkOs.flushNeighbour over DeleteIpNetEntry2 as documented (docs/windows.md#flushing-the-neighbour-entry). */
class WindowsNeighbourFlushTest {
    private static final IpAddress VIP = IpAddress.parseIpv4("203.0.113.7");
    private static final IpAddress GATEWAY = IpAddress.parseIpv4("198.51.100.1");

    private final DocumentedIpHelper ipHelper = new DocumentedIpHelper(true);
    private final WindowsNetworkOs os = new WindowsNetworkOs(ipHelper, IpHelperLayout.X64, millis -> { });

    @Test
    void deletesExactlyThatEntryOnThatInterface() throws Exception {
        ipHelper.learnNeighbour(DocumentedIpHelper.ETHERNET_LUID, VIP.bytes());
        ipHelper.learnNeighbour(DocumentedIpHelper.ETHERNET_LUID, GATEWAY.bytes());
        long otherLuid = 0x0006000002000000L;
        ipHelper.learnNeighbour(otherLuid, VIP.bytes());
        NetInterface ethernet = os.resolve("Ethernet");
        ipHelper.calls.clear();

        os.flushNeighbour(ethernet, VIP);

        assertEquals(List.of("ConvertInterfaceAliasToLuid", "DeleteIpNetEntry2"), ipHelper.calls);
        assertFalse(ipHelper.hasNeighbour(DocumentedIpHelper.ETHERNET_LUID, VIP.bytes()), "the VIP's entry is gone");
        assertTrue(ipHelper.hasNeighbour(DocumentedIpHelper.ETHERNET_LUID, GATEWAY.bytes()), "the gateway's stays");
        assertTrue(ipHelper.hasNeighbour(otherLuid, VIP.bytes()), "the other interface's stays");
    }

    /** ERROR_NOT_FOUND: the host had no entry for the VIP, the usual case, and nothing to report. */
    @Test
    void noEntryIsNotAnError() throws Exception {
        NetInterface ethernet = os.resolve("Ethernet");

        os.flushNeighbour(ethernet, VIP);
        os.flushNeighbour(ethernet, VIP);

        assertEquals(2, ipHelper.calls.stream().filter("DeleteIpNetEntry2"::equals).count());
    }

    @Test
    void accessDeniedIsNotPermitted() throws Exception {
        ipHelper.learnNeighbour(DocumentedIpHelper.ETHERNET_LUID, VIP.bytes());
        NetInterface ethernet = os.resolve("Ethernet");
        ipHelper.changesFailWith = IpHelper.ERROR_ACCESS_DENIED;

        OsException e = assertThrows(OsException.class, () -> os.flushNeighbour(ethernet, VIP));

        assertEquals(Reason.NOT_PERMITTED, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("DeleteIpNetEntry2 203.0.113.7 on Ethernet: ERROR_ACCESS_DENIED (5)"), e.getMessage());
        assertTrue(ipHelper.hasNeighbour(DocumentedIpHelper.ETHERNET_LUID, VIP.bytes()));
    }

    @Test
    void otherCodesAreRefusedNamingTheCode() throws Exception {
        NetInterface ethernet = os.resolve("Ethernet");
        ipHelper.changesFailWith = IpHelper.ERROR_NOT_SUPPORTED;

        OsException e = assertThrows(OsException.class, () -> os.flushNeighbour(ethernet, VIP));

        assertEquals(Reason.REFUSED, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("ERROR_NOT_SUPPORTED (50)"), e.getMessage());
    }

    @Test
    void aVanishedAdapterIsNoSuchInterface() throws Exception {
        NetInterface ethernet = os.resolve("Ethernet");
        ipHelper.removeAdapter("Ethernet");

        OsException e = assertThrows(OsException.class, () -> os.flushNeighbour(ethernet, VIP));

        assertEquals(Reason.NO_SUCH_INTERFACE, e.reason(), e.getMessage());
    }

    /** The fake answers as the page says: a row naming no interface is ERROR_INVALID_PARAMETER, an unknown one ERROR_NOT_FOUND. */
    @Test
    void theFakeChecksTheKeyAsThePageSays() {
        NeighbourRowCodec codec = new NeighbourRowCodec(IpHelperLayout.X64);
        ipHelper.learnNeighbour(DocumentedIpHelper.ETHERNET_LUID, VIP.bytes());
        assertEquals(IpHelper.ERROR_INVALID_PARAMETER, ipHelper.deleteIpNetEntry2(codec.key(VIP, 0, 0)));
        assertEquals(IpHelper.ERROR_NOT_FOUND, ipHelper.deleteIpNetEntry2(codec.key(VIP, 0x0006000009000000L, 0)));
        assertEquals(IpHelper.NO_ERROR, ipHelper.deleteIpNetEntry2(codec.key(VIP, 0, DocumentedIpHelper.ETHERNET_INDEX)));
        assertEquals(IpHelper.ERROR_NOT_FOUND, ipHelper.deleteIpNetEntry2(codec.key(VIP, DocumentedIpHelper.ETHERNET_LUID, 0)));
    }
}
