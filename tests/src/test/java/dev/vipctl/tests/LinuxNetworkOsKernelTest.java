package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.linux.LinuxNetworkOs;
import dev.vipctl.linux.NetworkNamespace;
import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.OsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LinuxNetworkOs} against the real kernel, in process, on host A of a {@link NamespaceLab}: its eth0 holds the
 * host's own 198.51.100.11/24, which no test may disturb.
 */
class LinuxNetworkOsKernelTest {
    private static final IpAddress VIP = IpAddress.parseIpv4(NamespaceLab.VIP);

    private NamespaceLab lab;

    /** What a test does with host A's network configuration; runs on a thread inside host A's namespace. */
    private interface OnHostA<T> {
        T run(LinuxNetworkOs os, NetInterface eth0) throws Exception;
    }

    @AfterEach
    void deleteLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void resolvesEth0() throws Exception {
        Root.assumeRoot();
        lab = NamespaceLab.create();

        NetInterface eth0 = onHostA((os, nic) -> nic);

        assertEquals(NamespaceLab.INTERFACE, eth0.name());
        assertTrue(eth0.index() > 0, "index " + eth0.index());
        assertEquals(lab.hostA().mac(), eth0.mac());
        assertTrue(eth0.isUp());
    }

    @Test
    void unknownInterfaceIsNoSuchInterface() throws Exception {
        Root.assumeRoot();
        lab = NamespaceLab.create();

        OsException e = onHostA((os, eth0) -> assertThrows(OsException.class, () -> os.resolve("nosuch0")));

        assertEquals(OsException.Reason.NO_SUCH_INTERFACE, e.reason());
        assertEquals(19, e.errorCode());
        assertEquals("there is no interface named nosuch0 in this network namespace: ENODEV (19)", e.getMessage());
    }

    @Test
    void addedVipIsListedWithLabelAsSecondaryAndPermanent() throws Exception {
        Root.assumeRoot();
        lab = NamespaceLab.create();

        List<InterfaceAddress> addresses = onHostA((os, eth0) -> {
            os.add(eth0, new InterfaceAddress(VIP, 24, "eth0:1"));
            return os.addresses(eth0);
        });

        assertEquals(List.of(ownAddress(),
                new InterfaceAddress(VIP, 24, "eth0:1", EnumSet.of(AddressFlag.SECONDARY, AddressFlag.PERMANENT))), addresses);
        // iproute2 as an independent reader; "brd" shows the broadcast address the codec computed.
        assertTrue(lab.hostA().run("ip", "-4", "-o", "addr", "show", "dev", "eth0")
                        .contains("inet 198.51.100.100/24 brd 198.51.100.255 scope global secondary eth0:1"),
                "ip addr shows the VIP as added");
    }

    @Test
    void addingTwiceIsAlreadyExistsInTheKernelsWords() throws Exception {
        Root.assumeRoot();
        lab = NamespaceLab.create();

        OsException e = onHostA((os, eth0) -> {
            InterfaceAddress vip = new InterfaceAddress(VIP, 24, "eth0:1");
            os.add(eth0, vip);
            OsException second = assertThrows(OsException.class, () -> os.add(eth0, vip));
            assertOwnAddressUntouched(os, eth0);
            return second;
        });

        assertEquals(OsException.Reason.ALREADY_EXISTS, e.reason());
        assertEquals(17, e.errorCode());
        assertEquals("kernel refused to add 198.51.100.100/24 (label eth0:1) to eth0: EEXIST (17) \"ipv4: Address already assigned\"",
                e.getMessage());
    }

    @Test
    void removeTakesExactlyTheNamedPrefix() throws Exception {
        Root.assumeRoot();
        lab = NamespaceLab.create();

        List<InterfaceAddress> left = onHostA((os, eth0) -> {
            os.add(eth0, new InterfaceAddress(VIP, 24, "eth0:1"));
            os.add(eth0, new InterfaceAddress(VIP, 32, "eth0:2"));
            assertEquals(3, os.addresses(eth0).size(), "own address, VIP/24, VIP/32");
            os.remove(eth0, new InterfaceAddress(VIP, 32, ""));
            return os.addresses(eth0);
        });

        assertEquals(List.of(ownAddress(),
                new InterfaceAddress(VIP, 24, "eth0:1", EnumSet.of(AddressFlag.SECONDARY, AddressFlag.PERMANENT))), left);
    }

    @Test
    void removeWithTheListedLabelTakesThatAddress() throws Exception {
        Root.assumeRoot();
        lab = NamespaceLab.create();

        List<InterfaceAddress> left = onHostA((os, eth0) -> {
            os.add(eth0, new InterfaceAddress(VIP, 32, "eth0:2"));
            InterfaceAddress listed = os.addresses(eth0).get(1);
            assertEquals("eth0:2", listed.label());
            os.remove(eth0, listed);
            return os.addresses(eth0);
        });

        assertEquals(List.of(ownAddress()), left);
    }

    @Test
    void removingAnAbsentAddressIsNoSuchAddress() throws Exception {
        Root.assumeRoot();
        lab = NamespaceLab.create();

        OsException e = onHostA((os, eth0) -> {
            // Same IP as the host's own, other prefix: without IFA_ADDRESS + prefix the kernel would delete the host's.
            OsException samePrefixMissing = assertThrows(OsException.class,
                    () -> os.remove(eth0, new InterfaceAddress(lab.hostA().address(), 32, "")));
            assertEquals(OsException.Reason.NO_SUCH_ADDRESS, samePrefixMissing.reason());
            OsException absent = assertThrows(OsException.class, () -> os.remove(eth0, new InterfaceAddress(VIP, 24, "eth0:1")));
            assertOwnAddressUntouched(os, eth0);
            return absent;
        });

        assertEquals(OsException.Reason.NO_SUCH_ADDRESS, e.reason());
        assertEquals(99, e.errorCode());
        assertEquals("kernel refused to remove 198.51.100.100/24 (label eth0:1) from eth0: EADDRNOTAVAIL (99) \"ipv4: Address not found\"",
                e.getMessage());
    }

    @Test
    void labelOf16CharactersIsRefusedWithErange() throws Exception {
        Root.assumeRoot();
        lab = NamespaceLab.create();

        OsException e = onHostA((os, eth0) -> {
            OsException refused = assertThrows(OsException.class, () -> os.add(eth0, new InterfaceAddress(VIP, 24, "eth0:123456789ab")));
            assertFalse(os.addresses(eth0).stream().anyMatch(a -> a.address().equals(VIP)), "nothing added");
            assertOwnAddressUntouched(os, eth0);
            return refused;
        });

        assertEquals(OsException.Reason.REFUSED, e.reason());
        assertEquals(34, e.errorCode());
        assertTrue(e.getMessage().contains("ERANGE (34)"), e.getMessage());
    }

    /**
     * NETLINK_GET_STRICT_CHK lets the kernel filter an address dump by interface: listing eth0 costs the same bytes
     * with 0 and with 1,000 addresses on another interface. (Without it the kernel sends every interface's addresses
     * and vipctl filters them itself: the list is the same, the bytes are not.)
     */
    @Test
    void dumpOfOneInterfaceCarriesNoneOfAnotherInterfacesAddresses() throws Exception {
        Root.assumeRoot();
        lab = NamespaceLab.create();
        lab.hostA().run("ip", "link", "add", "eth1", "type", "veth", "peer", "name", "eth1-peer");
        int others = 1000;

        onHostA((os, eth0) -> {
            NetInterface eth1 = os.resolve("eth1");
            long alone = bytesOfListing(os, eth0);
            int first = IpAddress.parseIpv4("198.18.0.1").ipv4Bits();
            for (int i = 0; i < others; i++) {
                os.add(eth1, new InterfaceAddress(IpAddress.ofIpv4Bits(first + i), 32, ""));
            }
            assertEquals(others, os.addresses(eth1).size());

            assertEquals(alone, bytesOfListing(os, eth0), "the kernel sent eth0's addresses only, none of eth1's " + others);
            assertTrue(bytesOfListing(os, eth1) > others * 50L, "eth1's own listing carries its " + others + " addresses");
            return null;
        });
    }

    /** Lists the interface's addresses, checks eth0's is the host's own alone, and returns what the kernel sent for it. */
    private long bytesOfListing(LinuxNetworkOs os, NetInterface nic) throws OsException {
        long before = os.bytesReceived();
        List<InterfaceAddress> addresses = os.addresses(nic);
        if (nic.name().equals(NamespaceLab.INTERFACE)) {
            assertEquals(List.of(ownAddress()), addresses);
        }
        return os.bytesReceived() - before;
    }

    /** Opens the OS in host A's namespace, resolves eth0, runs the test body, and closes the OS. */
    private <T> T onHostA(OnHostA<T> body) throws Exception {
        return NetworkNamespace.call(lab.hostA().namespace(), () -> {
            try (LinuxNetworkOs os = LinuxNetworkOs.open()) {
                NetInterface eth0 = os.resolve(NamespaceLab.INTERFACE);
                T result = body.run(os, eth0);
                assertOwnAddressUntouched(os, eth0);
                return result;
            }
        });
    }

    /** The host's own address leads the list, primary, exactly as the lab configured it. */
    private void assertOwnAddressUntouched(LinuxNetworkOs os, NetInterface eth0) throws OsException {
        assertEquals(ownAddress(), os.addresses(eth0).get(0));
    }

    private InterfaceAddress ownAddress() {
        return new InterfaceAddress(lab.hostA().address(), NamespaceLab.PREFIX, "eth0", EnumSet.of(AddressFlag.PERMANENT));
    }
}
