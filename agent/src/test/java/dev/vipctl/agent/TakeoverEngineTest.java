package dev.vipctl.agent;

import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.GarpMode;
import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's call sequences against a recording fake of the OS layer. */
class TakeoverEngineTest {
    private static final InterfaceAddress HOST = new InterfaceAddress(IpAddress.parseIpv4("198.51.100.11"), 24, "eth0");
    private static final InterfaceAddress VIP = new InterfaceAddress(IpAddress.parseIpv4("198.51.100.100"), 24, "eth0:1");
    private static final AnnouncementProfile ONE_REQUEST = new AnnouncementProfile(1, 0, GarpMode.REQUEST);

    private final RecordingNetworkOs os = new RecordingNetworkOs(true);
    private final List<byte[]> frames = new ArrayList<>();

    /** Every test starts from the host's own address on eth0, as a real host has. */
    private void withHostAddress() throws Exception {
        os.add(os.nic, HOST);
        os.calls.clear();
    }

    private TakeoverEngine engineForUp(AnnouncementProfile profile) throws TakeoverException {
        return TakeoverEngine.start(os, "eth0", new TakeoverEngine.AnnouncePlan(Vip.parse("198.51.100.100/24", true), profile,
                name -> frames::add));
    }

    private static Timings timings() {
        return new Timings(System.nanoTime(), -1);
    }

    @Test
    void upAddsVerifiesThenAnnounces() throws Exception {
        withHostAddress();
        Outcome outcome = new Outcome();
        engineForUp(ONE_REQUEST).up(VIP, outcome, timings());

        assertEquals(List.of("resolve eth0", "list", "add " + VIP, "list"), os.calls);
        assertEquals(List.of("added"), outcome.actions());
        assertEquals(EnumSet.of(AddressFlag.SECONDARY, AddressFlag.PERMANENT), outcome.address().flags());
        assertEquals(1, frames.size());
        assertEquals(1, outcome.framesSent());
        // The frame announces the VIP from the interface's MAC (sender MAC at 22, sender IP at 28).
        assertArrayEquals(os.nic.mac().bytes(), Arrays.copyOfRange(frames.get(0), 22, 28));
        assertArrayEquals(VIP.address().bytes(), Arrays.copyOfRange(frames.get(0), 28, 32));
    }

    @Test
    void upWhenAlreadyUpChangesNothingButAnnounces() throws Exception {
        withHostAddress();
        os.add(os.nic, VIP);
        os.calls.clear();
        Outcome outcome = new Outcome();
        engineForUp(ONE_REQUEST).up(VIP, outcome, timings());

        assertEquals(List.of("resolve eth0", "list", "list"), os.calls);
        assertFalse(outcome.changed());
        assertEquals(1, frames.size());
    }

    @Test
    void upRelabelsAVipWithAnotherLabel() throws Exception {
        withHostAddress();
        os.add(os.nic, new InterfaceAddress(VIP.address(), 24, "eth0:7"));
        os.calls.clear();
        Outcome outcome = new Outcome();
        engineForUp(ONE_REQUEST).up(VIP, outcome, timings());

        assertEquals(List.of("resolve eth0", "list", "remove 198.51.100.100/24", "add " + VIP, "list"), os.calls);
        assertEquals("eth0:1", outcome.address().label());
    }

    @Test
    void upRetriesOnceWhenReadBackDiffersThenSucceeds() throws Exception {
        withHostAddress();
        int[] listings = {0};
        // The second listing (the first read-back) shows a wrong label; later ones are true.
        os.reportAs = address -> ++listings[0] == 3 && address.sameAddressAndPrefix(VIP)
                ? new InterfaceAddress(address.address(), 24, "eth0:x", address.flags()) : address;
        Outcome outcome = new Outcome();
        engineForUp(ONE_REQUEST).up(VIP, outcome, timings());

        assertEquals(List.of("resolve eth0", "list", "add " + VIP, "list", "remove 198.51.100.100/24", "add " + VIP, "list"), os.calls);
        assertEquals(2, outcome.actions().size());
        assertEquals(1, frames.size());
    }

    @Test
    void upFailsVerificationWhenReadBackStaysWrongAndSendsNothing() throws Exception {
        withHostAddress();
        os.reportAs = address -> address.sameAddressAndPrefix(VIP)
                ? new InterfaceAddress(address.address(), 24, address.label(), EnumSet.of(AddressFlag.DAD_FAILED)) : address;
        TakeoverException failure = assertThrows(TakeoverException.class, () -> engineForUp(ONE_REQUEST).up(VIP, new Outcome(), timings()));

        assertEquals(ExitCode.VERIFICATION_FAILED, failure.exitCode());
        assertEquals(List.of("resolve eth0", "list", "add " + VIP, "list", "remove 198.51.100.100/24", "add " + VIP, "list"), os.calls);
        assertTrue(frames.isEmpty());
    }

    @Test
    void upRefusesASecondCopyWithAnotherPrefix() throws Exception {
        withHostAddress();
        os.add(os.nic, new InterfaceAddress(VIP.address(), 32, "eth0:1"));
        os.calls.clear();
        TakeoverException failure = assertThrows(TakeoverException.class, () -> engineForUp(ONE_REQUEST).up(VIP, new Outcome(), timings()));

        assertEquals(ExitCode.BAD_INPUT, failure.exitCode());
        assertEquals(List.of("resolve eth0", "list"), os.calls);
    }

    @Test
    void upRefusesToRelabelTheHostsOwnAddress() throws Exception {
        withHostAddress();
        InterfaceAddress hostAsVip = new InterfaceAddress(HOST.address(), 24, "eth0:1");
        TakeoverException failure = assertThrows(TakeoverException.class, () -> engineForUp(ONE_REQUEST).up(hostAsVip, new Outcome(), timings()));

        assertEquals(ExitCode.BAD_INPUT, failure.exitCode());
        assertEquals(List.of("resolve eth0", "list"), os.calls);
    }

    @Test
    void startForUpRefusesAnInterfaceThatIsDown() {
        RecordingNetworkOs downOs = new RecordingNetworkOs(false);
        TakeoverException failure = assertThrows(TakeoverException.class, () -> TakeoverEngine.start(downOs, "eth0",
                new TakeoverEngine.AnnouncePlan(Vip.parse("198.51.100.100/24", true), ONE_REQUEST, name -> frames::add)));

        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, failure.exitCode());
        assertTrue(downOs.closed);
    }

    @Test
    void startMapsAMissingInterface() {
        TakeoverException failure = assertThrows(TakeoverException.class, () -> TakeoverEngine.start(os, "eth9", null));
        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, failure.exitCode());
    }

    @Test
    void aSenderThatCannotOpenStopsStartUpBeforeAnyChange() {
        TakeoverException failure = assertThrows(TakeoverException.class, () -> TakeoverEngine.start(os, "eth0",
                new TakeoverEngine.AnnouncePlan(Vip.parse("198.51.100.100/24", true), ONE_REQUEST, name -> {
                    throw new IOException("libpcap missing");
                })));

        assertEquals(ExitCode.ANNOUNCE_FAILED, failure.exitCode());
        assertEquals(List.of("resolve eth0"), os.calls);
    }

    @Test
    void countZeroOpensNoSenderAndSendsNothing() throws Exception {
        withHostAddress();
        TakeoverEngine engine = TakeoverEngine.start(os, "eth0", new TakeoverEngine.AnnouncePlan(Vip.parse("198.51.100.100/24", true),
                new AnnouncementProfile(0, 0, GarpMode.BOTH), name -> {
                    throw new AssertionError("no sender may be opened for --garp-count 0");
                }));
        Outcome outcome = new Outcome();
        engine.up(VIP, outcome, timings());

        assertEquals(0, outcome.framesSent());
        assertEquals(List.of("added"), outcome.actions());
    }

    @Test
    void downRemovesExactlyTheVipAndVerifies() throws Exception {
        withHostAddress();
        os.add(os.nic, VIP);
        os.add(os.nic, new InterfaceAddress(VIP.address(), 32, "eth0:2"));
        os.calls.clear();
        Outcome outcome = new Outcome();
        TakeoverEngine.start(os, "eth0", null).down(Vip.parse("198.51.100.100/32", false), outcome, timings());

        assertEquals(List.of("resolve eth0", "list", "remove 198.51.100.100/32", "list"), os.calls);
        assertEquals(List.of(HOST.address(), VIP.address()), List.of(os.configured.get(0).address(), os.configured.get(1).address()));
        assertEquals(2, os.configured.size());
    }

    @Test
    void downWithoutPrefixNeedsOneCandidate() throws Exception {
        withHostAddress();
        os.add(os.nic, VIP);
        os.add(os.nic, new InterfaceAddress(VIP.address(), 32, "eth0:2"));
        os.calls.clear();
        TakeoverException failure = assertThrows(TakeoverException.class,
                () -> TakeoverEngine.start(os, "eth0", null).down(Vip.parse("198.51.100.100", false), new Outcome(), timings()));

        assertEquals(ExitCode.BAD_INPUT, failure.exitCode());
        assertEquals(List.of("resolve eth0", "list"), os.calls);
    }

    @Test
    void downWhenAlreadyDownChangesNothing() throws Exception {
        withHostAddress();
        Outcome outcome = new Outcome();
        TakeoverEngine.start(os, "eth0", null).down(Vip.parse("198.51.100.100/24", false), outcome, timings());

        assertFalse(outcome.changed());
        assertEquals(List.of("resolve eth0", "list"), os.calls);
    }

    @Test
    void downRefusesTheHostsOwnAddress() throws Exception {
        withHostAddress();
        TakeoverException failure = assertThrows(TakeoverException.class,
                () -> TakeoverEngine.start(os, "eth0", null).down(Vip.parse("198.51.100.11/24", false), new Outcome(), timings()));

        assertEquals(ExitCode.BAD_INPUT, failure.exitCode());
        assertEquals(List.of("resolve eth0", "list"), os.calls);
    }

    @Test
    void downWithAnotherPrefixThanConfiguredChangesNothing() throws Exception {
        withHostAddress();
        os.add(os.nic, VIP);
        os.calls.clear();
        TakeoverException failure = assertThrows(TakeoverException.class,
                () -> TakeoverEngine.start(os, "eth0", null).down(Vip.parse("198.51.100.100/32", false), new Outcome(), timings()));

        assertEquals(ExitCode.BAD_INPUT, failure.exitCode());
        assertEquals(2, os.configured.size());
    }

    @Test
    void statusReportsTheConfiguredAddressOrNotConfigured() throws Exception {
        withHostAddress();
        Outcome absent = new Outcome();
        TakeoverEngine.start(os, "eth0", null).status(Vip.parse("198.51.100.100", false), absent);
        assertEquals(ExitCode.NOT_CONFIGURED, absent.exitCode());

        os.add(os.nic, VIP);
        Outcome present = new Outcome();
        TakeoverEngine.start(os, "eth0", null).status(Vip.parse("198.51.100.100", false), present);
        assertEquals(ExitCode.OK, present.exitCode());
        assertEquals("eth0:1", present.address().label());
    }

    @Test
    void ownAddressIsPrimaryAndUnlabelled() {
        assertTrue(TakeoverEngine.isOwnAddress(HOST, "eth0"));
        assertFalse(TakeoverEngine.isOwnAddress(new InterfaceAddress(VIP.address(), 32, "eth0:1", EnumSet.of(AddressFlag.PERMANENT)), "eth0"));
        assertFalse(TakeoverEngine.isOwnAddress(new InterfaceAddress(VIP.address(), 24, "eth0", EnumSet.of(AddressFlag.SECONDARY)), "eth0"));
    }
}
