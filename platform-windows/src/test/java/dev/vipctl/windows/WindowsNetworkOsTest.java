package dev.vipctl.windows;

import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.OsException;
import dev.vipctl.os.OsException.Reason;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What Windows does beyond the contract: duplicate address detection, its codes, no labels, its kinds of adapter. */
class WindowsNetworkOsTest {
    private static final InterfaceAddress VIP = new InterfaceAddress(IpAddress.parseIpv4("203.0.113.7"), 24, "");
    private static final List<String> OWN = List.of("198.51.100.2/24");

    private final DocumentedIpHelper ipHelper = new DocumentedIpHelper(true);
    private final List<Long> slept = new ArrayList<>();
    private final WindowsNetworkOs os = new WindowsNetworkOs(ipHelper, IpHelperLayout.X64, slept::add);

    @Test
    void addWaitsForDuplicateAddressDetectionToEnd() throws Exception {
        ipHelper.tentativePolls = 5;

        os.add(os.resolve("Ethernet"), VIP);

        assertEquals(List.of(100L, 100L, 100L, 100L, 100L), slept, "a poll every 100 ms while Tentative, none after");
        InterfaceAddress listed = os.addresses(os.resolve("Ethernet")).get(1);
        assertEquals("203.0.113.7/24", listed.address() + "/" + listed.prefixLength());
        assertFalse(listed.has(AddressFlag.TENTATIVE), listed.toString());
    }

    @Test
    void aDuplicateIsRefusedAndRemovedAgain() throws Exception {
        ipHelper.dad = DocumentedIpHelper.Dad.DUPLICATE;

        OsException e = assertThrows(OsException.class, () -> os.add(os.resolve("Ethernet"), VIP));

        assertEquals(Reason.REFUSED, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("another host on the link uses 203.0.113.7"), e.getMessage());
        assertTrue(e.getMessage().endsWith("removed it again"), e.getMessage());
        assertEquals(OWN, ipHelper.addressesOf(DocumentedIpHelper.ETHERNET_LUID), "as it was");
    }

    @Test
    void detectionThatNeverEndsIsRefusedAfterTheBoundAndRemoved() throws Exception {
        ipHelper.dad = DocumentedIpHelper.Dad.NEVER_ENDS;

        OsException e = assertThrows(OsException.class, () -> os.add(os.resolve("Ethernet"), VIP));

        assertEquals(Reason.REFUSED, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("did not end within 10000 ms"), e.getMessage());
        assertEquals(WindowsNetworkOs.DAD_POLLS, slept.size(), "slept the whole bound, no more");
        assertEquals(OWN, ipHelper.addressesOf(DocumentedIpHelper.ETHERNET_LUID), "as it was");
    }

    @Test
    void aLabelIsRefusedBeforeAnyChange() throws Exception {
        NetInterface nic = os.resolve("Ethernet");

        OsException e = assertThrows(OsException.class,
                () -> os.add(nic, new InterfaceAddress(VIP.address(), 24, "Ethernet:1")));

        assertEquals(Reason.REFUSED, e.reason());
        assertTrue(e.getMessage().contains("Windows keeps no address labels"), e.getMessage());
        assertFalse(ipHelper.calls.contains("CreateUnicastIpAddressEntry"), ipHelper.calls.toString());
    }

    @Test
    void accessDeniedIsNotPermitted() throws Exception {
        NetInterface nic = os.resolve("Ethernet");
        os.add(nic, VIP);
        ipHelper.changesFailWith = IpHelper.ERROR_ACCESS_DENIED;

        OsException add = assertThrows(OsException.class, () -> os.add(nic, new InterfaceAddress(VIP.address(), 32, "")));
        OsException remove = assertThrows(OsException.class, () -> os.remove(nic, VIP));

        for (OsException e : List.of(add, remove)) {
            assertEquals(Reason.NOT_PERMITTED, e.reason(), e.getMessage());
            assertEquals(5, e.errorCode());
            assertTrue(e.getMessage().contains("ERROR_ACCESS_DENIED (5)"), e.getMessage());
        }
    }

    @Test
    void anotherPrefixOfAConfiguredAddressIsAlreadyExistsNamingWhy() throws Exception {
        NetInterface nic = os.resolve("Ethernet");
        os.add(nic, VIP);

        OsException e = assertThrows(OsException.class, () -> os.add(nic, new InterfaceAddress(VIP.address(), 32, "")));

        assertEquals(Reason.ALREADY_EXISTS, e.reason());
        assertEquals(5010, e.errorCode());
        assertTrue(e.getMessage().contains("one prefix per address"), e.getMessage());
    }

    @Test
    void anyOtherCodeIsRefusedWithItsName() throws Exception {
        NetInterface nic = os.resolve("Ethernet");
        ipHelper.changesFailWith = IpHelper.ERROR_NOT_SUPPORTED;

        OsException e = assertThrows(OsException.class, () -> os.add(nic, VIP));

        assertEquals(Reason.REFUSED, e.reason());
        assertEquals(50, e.errorCode());
        assertTrue(e.getMessage().contains("CreateUnicastIpAddressEntry 203.0.113.7/24 on Ethernet: ERROR_NOT_SUPPORTED (50)"), e.getMessage());
    }

    @Test
    void anAdapterThatWentAwayIsNoSuchInterface() throws Exception {
        NetInterface nic = os.resolve("Ethernet");
        ipHelper.removeAdapter("Ethernet");

        for (OsException e : List.of(
                assertThrows(OsException.class, () -> os.resolve("Ethernet")),
                assertThrows(OsException.class, () -> os.add(nic, VIP)),
                assertThrows(OsException.class, () -> os.addresses(nic)))) {
            assertEquals(Reason.NO_SUCH_INTERFACE, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("ERROR_INVALID_PARAMETER (87)"), e.getMessage());
        }
    }

    @Test
    void loopbackAndADisconnectedAdapter() throws Exception {
        NetInterface loopback = os.resolve("Loopback Pseudo-Interface 1");
        NetInterface disconnected = os.resolve("Ethernet 2");

        assertEquals(NetInterface.Arp.LOOPBACK, loopback.arp());
        assertNull(loopback.mac());
        assertEquals(1, loopback.index());
        assertEquals(NetInterface.Arp.ON, disconnected.arp());
        assertFalse(disconnected.isUp(), "OperStatus Down: not up");
        assertFalse(disconnected.isRunning(), "OperStatus Down: no carrier");
    }

    @Test
    void windowsHasNoSecondariesToLose() throws Exception {
        assertTrue(os.promotesSecondaries(os.resolve("Ethernet")));
    }
}
