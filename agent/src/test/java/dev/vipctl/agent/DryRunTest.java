package dev.vipctl.agent;

import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.ArpFrames;
import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.agent.arp.GarpMode;
import dev.vipctl.agent.arp.ReleaseCheck;
import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The resident agent's warm-up host: reads the wrapped OS, keeps every change to itself, and sends no frame. */
class DryRunTest {
    private static final InterfaceAddress HOST = new InterfaceAddress(IpAddress.parseIpv4("198.51.100.11"), 24, "eth0");
    private static final InterfaceAddress VIP = new InterfaceAddress(IpAddress.parseIpv4("198.51.100.100"), 24, "eth0:1");
    private static final InterfaceAddress OTHER_VIP = new InterfaceAddress(IpAddress.parseIpv4("203.0.113.10"), 32, "eth0:2");

    private final RecordingNetworkOs os = new RecordingNetworkOs(true);
    private final DryRun dry = new DryRun(hostOf(os));

    /** A host whose configuration is the fake; its own ARP links must never be asked for. */
    private static Host hostOf(RecordingNetworkOs os) {
        return new Host() {
            @Override
            public NetworkOs open() {
                return os;
            }

            @Override
            public TakeoverEngine.ArpLinkOpener arpLinks() {
                throw new AssertionError("a dry run opens no link of the real host");
            }
        };
    }

    /** The wrapped OS's addresses after {@link #withHostAddress}, which no test may change. */
    private List<InterfaceAddress> hostAsConfigured;

    /** The host's own address is configured for real, as on a real host; the calls start empty. */
    private void withHostAddress() throws OsException {
        os.add(os.nic, HOST);
        os.calls.clear();
        hostAsConfigured = List.copyOf(os.configured);
    }

    @Test
    void addsAndRemovesNeverReachTheWrappedOs() throws Exception {
        withHostAddress();
        try (NetworkOs view = dry.open()) {
            NetInterface nic = view.resolve("eth0");
            view.add(nic, VIP);
            view.add(nic, OTHER_VIP);
            view.remove(nic, OTHER_VIP);
            view.remove(nic, HOST);
            assertEquals(List.of(VIP.address()), addressesOf(view.addresses(nic)));
        }

        assertEquals(hostAsConfigured, os.configured);
        assertTrue(os.calls.contains("resolve eth0") && os.calls.contains("list"), "read for real: " + os.calls);
        for (String call : os.calls) {
            assertFalse(call.startsWith("add ") || call.startsWith("remove "), "reached the OS: " + call);
        }
    }

    @Test
    void changesLastFromOneOpenToTheNext() throws Exception {
        withHostAddress();
        try (NetworkOs first = dry.open()) {
            first.add(first.resolve("eth0"), VIP);
        }
        try (NetworkOs second = dry.open()) {
            NetInterface nic = second.resolve("eth0");
            assertEquals(List.of(HOST.address(), VIP.address()), addressesOf(second.addresses(nic)));
            second.remove(nic, VIP);
        }
        try (NetworkOs third = dry.open()) {
            assertEquals(List.of(HOST.address()), addressesOf(third.addresses(third.resolve("eth0"))));
        }
        assertEquals(hostAsConfigured, os.configured);
    }

    @Test
    void theStateBelongsToOneDryRun() throws Exception {
        withHostAddress();
        try (NetworkOs view = dry.open()) {
            view.add(view.resolve("eth0"), VIP);
        }
        DryRun another = new DryRun(hostOf(os));
        try (NetworkOs view = another.open()) {
            assertEquals(List.of(HOST.address()), addressesOf(view.addresses(view.resolve("eth0"))), "another dry run sees the host as it is");
        }
    }

    @Test
    void untilItsFirstChangeTheInterfaceIsReadAfresh() throws Exception {
        try (NetworkOs view = dry.open()) {
            NetInterface nic = view.resolve("eth0");
            assertEquals(List.of(), view.addresses(nic));
            os.add(os.nic, HOST);
            assertEquals(List.of(HOST.address()), addressesOf(view.addresses(nic)), "a change on the host shows");
        }
    }

    @Test
    void addingAnAddressAndPrefixThatExistsFails() throws Exception {
        withHostAddress();
        try (NetworkOs view = dry.open()) {
            NetInterface nic = view.resolve("eth0");
            assertEquals(OsException.Reason.ALREADY_EXISTS, assertThrows(OsException.class, () -> view.add(nic, HOST)).reason(),
                    "an address of the host itself");

            view.add(nic, VIP);
            InterfaceAddress relabelled = new InterfaceAddress(VIP.address(), VIP.prefixLength(), "eth0:9");
            assertEquals(OsException.Reason.ALREADY_EXISTS, assertThrows(OsException.class, () -> view.add(nic, relabelled)).reason(),
                    "the key is the address and the prefix, not the label");

            // As in Linux, the same address with another prefix is another entry.
            view.add(nic, new InterfaceAddress(VIP.address(), 32, "eth0:3"));
            assertEquals(3, view.addresses(nic).size());
        }
    }

    @Test
    void removingAnAddressThatIsNotThereFails() throws Exception {
        withHostAddress();
        try (NetworkOs view = dry.open()) {
            NetInterface nic = view.resolve("eth0");
            assertEquals(OsException.Reason.NO_SUCH_ADDRESS, assertThrows(OsException.class, () -> view.remove(nic, VIP)).reason());

            view.add(nic, VIP);
            InterfaceAddress otherPrefix = new InterfaceAddress(VIP.address(), 32, VIP.label());
            assertEquals(OsException.Reason.NO_SUCH_ADDRESS, assertThrows(OsException.class, () -> view.remove(nic, otherPrefix)).reason());

            view.remove(nic, VIP);
            assertEquals(OsException.Reason.NO_SUCH_ADDRESS, assertThrows(OsException.class, () -> view.remove(nic, VIP)).reason(),
                    "removed once, gone");
        }
    }

    @Test
    void anAddedAddressIsListedAsLinuxListsIt() throws Exception {
        try (NetworkOs view = dry.open()) {
            NetInterface nic = view.resolve("eth0");
            view.add(nic, new InterfaceAddress(IpAddress.parseIpv4("198.51.100.50"), 24, ""));
            view.add(nic, new InterfaceAddress(VIP.address(), 24, "eth0:1", EnumSet.of(AddressFlag.TENTATIVE)));

            List<InterfaceAddress> listed = view.addresses(nic);
            assertEquals(new InterfaceAddress(IpAddress.parseIpv4("198.51.100.50"), 24, "eth0", EnumSet.of(AddressFlag.PERMANENT)), listed.get(0),
                    "no label: the interface's name");
            assertEquals(new InterfaceAddress(VIP.address(), 24, "eth0:1", EnumSet.of(AddressFlag.SECONDARY, AddressFlag.PERMANENT)),
                    listed.get(1), "no lifetime, nothing pending, secondary to the subnet's first address");
        }
    }

    @Test
    void theListIsACopy() throws Exception {
        try (NetworkOs view = dry.open()) {
            NetInterface nic = view.resolve("eth0");
            view.add(nic, VIP);
            view.addresses(nic).clear();
            assertEquals(List.of(VIP.address()), addressesOf(view.addresses(nic)));
        }
    }

    @Test
    void resolvePromotesSecondariesAndCloseAreTheWrappedOses() throws Exception {
        NetworkOs view = dry.open();
        assertSame(os.nic, view.resolve("eth0"));
        assertEquals(List.of("resolve eth0"), os.calls);
        assertEquals(OsException.Reason.NO_SUCH_INTERFACE, assertThrows(OsException.class, () -> view.resolve("eth9")).reason());

        assertFalse(view.promotesSecondaries(os.nic));
        os.promotesSecondaries = true;
        assertTrue(view.promotesSecondaries(os.nic));

        assertFalse(os.closed);
        view.close();
        assertTrue(os.closed);
    }

    @Test
    void itsArpLinksSendNowhereAndHearNothing() throws Exception {
        ArpLink link = dry.arpLinks().open("eth0");
        link.send(ArpFrames.announcementRequest(MacAddress.parse("02:00:00:00:00:0a"), VIP.address()));
        // A deadline an hour away: a link that waited for it would hang here, so the guard only catches a hang.
        long inAnHour = System.nanoTime() + TimeUnit.HOURS.toNanos(1);
        assertTimeoutPreemptively(Duration.ofMinutes(5), () -> assertNull(link.receive(inAnHour)));
        link.close();
    }

    @Test
    void anEngineOverADryRunTakesTheVipUpAndDownWhileTheHostStaysAsItWas() throws Exception {
        withHostAddress();
        // Probing on: the release check and the verification hear nobody, as on a quiet segment.
        WireChecks probing = new WireChecks(WireChecks.OnConflict.FAIL, 2, 10, null, 0);
        AnnouncementProfile oneRequest = new AnnouncementProfile(1, 0, GarpMode.REQUEST);

        Outcome up = new Outcome();
        try (TakeoverEngine engine = TakeoverEngine.start(dry.open(), "eth0",
                new TakeoverEngine.WirePlan(VIP.address(), oneRequest, probing, dry.arpLinks()))) {
            engine.up(VIP, up, new Timings(System.nanoTime(), -1));
        }
        assertEquals(ExitCode.OK, up.exitCode(), up.message());
        assertEquals(List.of("added"), up.actions());
        assertEquals("eth0:1", up.address().label());
        assertEquals(ReleaseCheck.State.FREE, up.releaseCheck().state());
        assertEquals(1, up.framesSent());
        assertEquals(hostAsConfigured, os.configured, "the host did not change");

        Outcome down = new Outcome();
        try (TakeoverEngine engine = TakeoverEngine.start(dry.open(), "eth0")) {
            engine.down(Vip.parse("198.51.100.100/24", false), false, down, new Timings(System.nanoTime(), -1));
        }
        assertEquals(ExitCode.OK, down.exitCode(), down.message());
        assertEquals(List.of("removed"), down.actions(), "the dry run's VIP was there to remove");
        assertEquals(hostAsConfigured, os.configured);

        for (String call : os.calls) {
            assertFalse(call.startsWith("add ") || call.startsWith("remove "), "reached the OS: " + call);
        }
        try (NetworkOs view = dry.open()) {
            assertEquals(List.of(HOST.address()), addressesOf(view.addresses(view.resolve("eth0"))));
        }
    }

    private static List<IpAddress> addressesOf(List<InterfaceAddress> addresses) {
        return addresses.stream().map(InterfaceAddress::address).collect(java.util.stream.Collectors.toList());
    }
}
