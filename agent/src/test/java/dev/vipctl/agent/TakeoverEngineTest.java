package dev.vipctl.agent;

import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.ArpChecks;
import dev.vipctl.agent.arp.ArpFrames;
import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.agent.arp.ArpPacket;
import dev.vipctl.agent.arp.GarpMode;
import dev.vipctl.agent.arp.ReleaseCheck;
import dev.vipctl.agent.arp.ScriptedArpLink;
import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's call sequences against a recording fake of the OS layer. */
class TakeoverEngineTest {
    private static final InterfaceAddress HOST = new InterfaceAddress(IpAddress.parseIpv4("198.51.100.11"), 24, "eth0");
    private static final InterfaceAddress VIP = new InterfaceAddress(IpAddress.parseIpv4("198.51.100.100"), 24, "eth0:1");
    private static final AnnouncementProfile ONE_REQUEST = new AnnouncementProfile(1, 0, GarpMode.REQUEST);

    private static final WireChecks NO_PROBING = new WireChecks(WireChecks.OnConflict.TAKEOVER, 0, 0, null, 0);

    private final RecordingNetworkOs os = new RecordingNetworkOs(true);
    private final ScriptedArpLink link = new ScriptedArpLink();
    private final List<byte[]> frames = link.sent;

    /** Every test starts from the host's own address on eth0, as a real host has. */
    private void withHostAddress() throws Exception {
        os.add(os.nic, HOST);
        os.calls.clear();
    }

    private TakeoverEngine engineForUp(AnnouncementProfile profile) throws TakeoverException {
        return engineForUp(profile, NO_PROBING);
    }

    private TakeoverEngine engineForUp(AnnouncementProfile profile, WireChecks checks) throws TakeoverException {
        return TakeoverEngine.start(os, "eth0", new TakeoverEngine.WirePlan(VIP.address(), profile, checks, name -> link));
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
    void upFailsVerificationWhenReadBackStaysWrongUndoesTheAddAndSendsNothing() throws Exception {
        withHostAddress();
        os.reportAs = address -> address.sameAddressAndPrefix(VIP)
                ? new InterfaceAddress(address.address(), 24, address.label(), EnumSet.of(AddressFlag.DAD_FAILED)) : address;
        Outcome outcome = new Outcome();
        TakeoverException failure = assertThrows(TakeoverException.class, () -> engineForUp(ONE_REQUEST).up(VIP, outcome, timings()));

        assertEquals(ExitCode.VERIFICATION_FAILED, failure.exitCode());
        assertEquals(List.of("resolve eth0", "list", "add " + VIP, "list", "remove 198.51.100.100/24", "add " + VIP, "list",
                "list", "remove 198.51.100.100/24", "list"), os.calls);
        assertTrue(failure.getMessage().endsWith("undone: 198.51.100.100/24 is not configured, as before"), failure.getMessage());
        assertEquals(List.of(HOST.address()), addressesLeft());
        assertNull(outcome.address());
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
                new TakeoverEngine.WirePlan(VIP.address(), ONE_REQUEST, NO_PROBING, name -> link)));

        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, failure.exitCode());
        assertTrue(downOs.closed);
    }

    @Test
    void startMapsAMissingInterface() {
        TakeoverException failure = assertThrows(TakeoverException.class, () -> TakeoverEngine.start(os, "eth9"));
        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, failure.exitCode());
    }

    @Test
    void aSenderThatCannotOpenStopsStartUpBeforeAnyChange() {
        TakeoverException failure = assertThrows(TakeoverException.class, () -> TakeoverEngine.start(os, "eth0",
                new TakeoverEngine.WirePlan(VIP.address(), ONE_REQUEST, NO_PROBING, name -> {
                    throw new IOException("libpcap missing");
                })));

        assertEquals(ExitCode.ANNOUNCE_FAILED, failure.exitCode());
        assertEquals(List.of("resolve eth0"), os.calls);
    }

    @Test
    void countZeroWithoutProbingOpensNoLinkAndSendsNothing() throws Exception {
        withHostAddress();
        TakeoverEngine engine = TakeoverEngine.start(os, "eth0", new TakeoverEngine.WirePlan(VIP.address(),
                AnnouncementProfile.SILENT, NO_PROBING, name -> {
                    throw new AssertionError("no link may be opened without announcing or probing");
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
        TakeoverEngine.start(os, "eth0").down(Vip.parse("198.51.100.100/32", false), false, outcome, timings());

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
                () -> TakeoverEngine.start(os, "eth0").down(Vip.parse("198.51.100.100", false), false, new Outcome(), timings()));

        assertEquals(ExitCode.BAD_INPUT, failure.exitCode());
        assertEquals(List.of("resolve eth0", "list"), os.calls);
    }

    @Test
    void downWhenAlreadyDownChangesNothing() throws Exception {
        withHostAddress();
        Outcome outcome = new Outcome();
        TakeoverEngine.start(os, "eth0").down(Vip.parse("198.51.100.100/24", false), false, outcome, timings());

        assertFalse(outcome.changed());
        assertEquals(List.of("resolve eth0", "list"), os.calls);
    }

    @Test
    void downRefusesTheHostsOwnAddress() throws Exception {
        withHostAddress();
        TakeoverException failure = assertThrows(TakeoverException.class,
                () -> TakeoverEngine.start(os, "eth0").down(Vip.parse("198.51.100.11/24", false), false, new Outcome(), timings()));

        assertEquals(ExitCode.BAD_INPUT, failure.exitCode());
        assertEquals(List.of("resolve eth0", "list"), os.calls);
    }

    @Test
    void downWithAnotherPrefixThanConfiguredChangesNothing() throws Exception {
        withHostAddress();
        os.add(os.nic, VIP);
        os.calls.clear();
        TakeoverException failure = assertThrows(TakeoverException.class,
                () -> TakeoverEngine.start(os, "eth0").down(Vip.parse("198.51.100.100/32", false), false, new Outcome(), timings()));

        assertEquals(ExitCode.BAD_INPUT, failure.exitCode());
        assertEquals(2, os.configured.size());
    }

    @Test
    void statusReportsTheConfiguredAddressOrNotConfigured() throws Exception {
        withHostAddress();
        Outcome absent = new Outcome();
        TakeoverEngine.start(os, "eth0").status(Vip.parse("198.51.100.100", false), absent);
        assertEquals(ExitCode.NOT_CONFIGURED, absent.exitCode());

        os.add(os.nic, VIP);
        Outcome present = new Outcome();
        TakeoverEngine.start(os, "eth0").status(Vip.parse("198.51.100.100", false), present);
        assertEquals(ExitCode.OK, present.exitCode());
        assertEquals("eth0:1", present.address().label());
    }

    private static final MacAddress OLD_PRIMARY = MacAddress.parse("02:00:00:00:00:0c");
    private static final MacAddress GATEWAY = MacAddress.parse("02:00:00:00:00:01");
    private static final IpAddress GATEWAY_IP = IpAddress.parseIpv4("198.51.100.1");

    private static WireChecks probing(WireChecks.OnConflict onConflict, IpAddress peer) {
        return new WireChecks(onConflict, 2, 10, peer, 0);
    }

    @Test
    void upOnAFreeSegmentProbesAddsAnnouncesAndProbesAgain() throws Exception {
        withHostAddress();
        Outcome outcome = new Outcome();
        engineForUp(ONE_REQUEST, probing(WireChecks.OnConflict.FAIL, null)).up(VIP, outcome, timings());

        assertEquals(ExitCode.OK, outcome.exitCode());
        assertEquals(ReleaseCheck.State.FREE, outcome.releaseCheck().state());
        List<ArpPacket> sent = link.sentPackets();
        int checked = ArpChecks.PROBE_NUM;
        assertEquals(checked + 1 + ArpChecks.PROBE_NUM, sent.size());
        for (int i = 0; i < checked; i++) {
            assertTrue(sent.get(i).isProbe(), "release check first");
        }
        assertEquals(VIP.address(), sent.get(checked).senderIp(), "then the announcement");
        for (int i = checked + 1; i < sent.size(); i++) {
            assertTrue(sent.get(i).isProbe(), "then the verification on the wire, a round of probes as the release check's");
        }
        assertTrue(outcome.claimants().isEmpty());
    }

    @Test
    void upWithPolicyFailChangesNothingWhileAnotherMacHoldsTheVip() throws Exception {
        withHostAddress();
        link.with(ScriptedArpLink.holder(OLD_PRIMARY, VIP.address()));
        TakeoverException failure = assertThrows(TakeoverException.class,
                () -> engineForUp(ONE_REQUEST, probing(WireChecks.OnConflict.FAIL, null)).up(VIP, new Outcome(), timings()));

        assertEquals(ExitCode.CONFLICT, failure.exitCode());
        assertTrue(failure.getMessage().contains(OLD_PRIMARY.toString()), failure.getMessage());
        assertEquals(List.of("resolve eth0", "list"), os.calls, "no change");
        for (ArpPacket packet : link.sentPackets()) {
            assertTrue(packet.isProbe(), "nothing but probes went out: " + packet);
        }
    }

    @Test
    void upWithPolicyTakeoverTakesItAndReportsTheSplitBrainWhenTheOtherKeepsAnswering() throws Exception {
        withHostAddress();
        link.with(ScriptedArpLink.holder(OLD_PRIMARY, VIP.address()));
        Outcome outcome = new Outcome();
        engineForUp(ONE_REQUEST, probing(WireChecks.OnConflict.TAKEOVER, null)).up(VIP, outcome, timings());

        assertEquals(ReleaseCheck.State.HELD, outcome.releaseCheck().state());
        assertTrue(outcome.warnings().get(0).startsWith("conflict: "), outcome.warnings().toString());
        assertEquals(List.of("added"), outcome.actions());
        assertEquals(ExitCode.SPLIT_BRAIN, outcome.exitCode());
        assertEquals(OLD_PRIMARY, outcome.claimants().get(0).mac());
        assertTrue(outcome.message().contains(OLD_PRIMARY.toString()), outcome.message());
    }

    @Test
    void upWithPolicyTakeoverSucceedsWhenTheOtherStopsAnsweringAfterTheAnnouncement() throws Exception {
        withHostAddress();
        ScriptedArpLink.Host holder = ScriptedArpLink.holder(OLD_PRIMARY, VIP.address());
        // The old primary answers probes until our announcement, as if it dropped the VIP on hearing it.
        boolean[] announced = {false};
        link.with(sent -> {
            announced[0] |= sent.senderIp().equals(VIP.address());
            return announced[0] ? List.of() : holder.react(sent);
        });
        Outcome outcome = new Outcome();
        engineForUp(ONE_REQUEST, probing(WireChecks.OnConflict.TAKEOVER, null)).up(VIP, outcome, timings());

        assertEquals(ExitCode.OK, outcome.exitCode());
        assertEquals(ReleaseCheck.State.HELD, outcome.releaseCheck().state());
        assertEquals(1, outcome.warnings().size());
    }

    @Test
    void upAsksThePeerAndReportsAnAnswer() throws Exception {
        withHostAddress();
        link.with(ScriptedArpLink.holder(GATEWAY, GATEWAY_IP));
        Outcome outcome = new Outcome();
        engineForUp(ONE_REQUEST, probing(WireChecks.OnConflict.FAIL, GATEWAY_IP)).up(VIP, outcome, timings());

        assertEquals(ExitCode.OK, outcome.exitCode());
        assertEquals(GATEWAY, outcome.peerAnswer().mac());
    }

    @Test
    void upWithASilentPeerLeavesTheVipUpAndSaysSo() throws Exception {
        withHostAddress();
        Outcome outcome = new Outcome();
        engineForUp(ONE_REQUEST, probing(WireChecks.OnConflict.FAIL, GATEWAY_IP)).up(VIP, outcome, timings());

        assertEquals(ExitCode.PEER_SILENT, outcome.exitCode());
        assertEquals(2, os.configured.size(), "the VIP stays");
        assertEquals(ArpChecks.PROBE_NUM + 1 + ArpChecks.PROBE_NUM + WireChecks.PEER_ATTEMPTS, link.sent.size(),
                "release check, announcement, verification, requests");
    }

    /** A holder that answers only the verification's last probe (its first answers lost) is still found. */
    @Test
    void theVerificationFindsAHolderThatAnswersOnlyItsLastProbe() throws Exception {
        withHostAddress();
        int[] probes = {0};
        link.with(sent -> sent.isProbe() && ++probes[0] == 2 * ArpChecks.PROBE_NUM
                ? List.of(ScriptedArpLink.reply(OLD_PRIMARY, VIP.address(), sent.senderMac(), sent.senderIp())) : List.of());
        Outcome outcome = new Outcome();
        engineForUp(ONE_REQUEST, probing(WireChecks.OnConflict.FAIL, null)).up(VIP, outcome, timings());

        assertEquals(ExitCode.SPLIT_BRAIN, outcome.exitCode(), outcome.message());
        assertEquals(OLD_PRIMARY, outcome.claimants().get(0).mac());
    }

    @Test
    void upDefendsAgainstAClaimDuringTheDefendWindow() throws Exception {
        withHostAddress();
        // Another host announces the VIP as soon as it sees our verification probe.
        int[] probes = {0};
        link.with(sent -> sent.isProbe() && ++probes[0] == ArpChecks.PROBE_NUM + 1
                ? List.of(ArpFrames.announcementRequest(OLD_PRIMARY, VIP.address())) : List.of());
        Outcome outcome = new Outcome();
        engineForUp(ONE_REQUEST, new WireChecks(WireChecks.OnConflict.FAIL, 2, 0, null, 20)).up(VIP, outcome, timings());

        assertEquals(ExitCode.SPLIT_BRAIN, outcome.exitCode());
        assertEquals(OLD_PRIMARY, outcome.claimants().get(0).mac());
        assertEquals(0, outcome.defences(), "the claim came in the verification window, before the defend window");
    }

    @Test
    void startRefusesAnInterfaceWithoutCarrier() {
        RecordingNetworkOs noCarrier = new RecordingNetworkOs(true, false);
        TakeoverException failure = assertThrows(TakeoverException.class, () -> TakeoverEngine.start(noCarrier, "eth0",
                new TakeoverEngine.WirePlan(VIP.address(), ONE_REQUEST, NO_PROBING, name -> link)));

        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, failure.exitCode());
        assertTrue(failure.getMessage().contains("carrier"), failure.getMessage());
        assertTrue(noCarrier.closed);
    }

    @Test
    void downWithoutPrefixIsRefusedUnlessForced() throws Exception {
        withHostAddress();
        os.add(os.nic, VIP);
        os.calls.clear();
        TakeoverException failure = assertThrows(TakeoverException.class,
                () -> TakeoverEngine.start(os, "eth0").down(Vip.parse("198.51.100.100", false), false, new Outcome(), timings()));
        assertEquals(ExitCode.BAD_INPUT, failure.exitCode());
        assertTrue(failure.getMessage().contains("198.51.100.100/24"), failure.getMessage());
        assertEquals(2, os.configured.size());

        TakeoverEngine.start(os, "eth0").down(Vip.parse("198.51.100.100", false), true, new Outcome(), timings());
        assertEquals(1, os.configured.size());
    }

    @Test
    void downForcedRemovesTheOwnAddressAndWarnsAboutTheSecondariesItTakes() throws Exception {
        withHostAddress();
        os.add(os.nic, VIP);
        Outcome outcome = new Outcome();
        TakeoverEngine.start(os, "eth0").down(Vip.parse("198.51.100.11/24", false), true, outcome, timings());

        assertTrue(os.configured.isEmpty(), "the kernel took the secondary VIP with the primary");
        assertEquals(2, outcome.warnings().size(), outcome.warnings().toString());
        assertTrue(outcome.warnings().get(0).contains("promote_secondaries=0"), outcome.warnings().get(0));
        assertTrue(outcome.warnings().get(1).contains("also removed [198.51.100.100/24"), outcome.warnings().get(1));
    }

    @Test
    void downOfAPrimaryWarnsNothingWhereSecondariesArePromoted() throws Exception {
        withHostAddress();
        os.add(os.nic, VIP);
        os.promotesSecondaries = true;
        Outcome outcome = new Outcome();
        TakeoverEngine.start(os, "eth0").down(Vip.parse("198.51.100.11/24", false), true, outcome, timings());

        assertEquals(List.of(), outcome.warnings());
        assertEquals(1, os.configured.size());
    }

    @Test
    void probeReportsTheOneHolderWithItsReplyTime() throws Exception {
        withHostAddress();
        link.with(ScriptedArpLink.holder(OLD_PRIMARY, VIP.address()));
        Outcome outcome = new Outcome();
        engineForUp(AnnouncementProfile.SILENT, probing(WireChecks.OnConflict.TAKEOVER, null)).probe(VIP.address(), outcome, timings());

        assertEquals(ExitCode.OK, outcome.exitCode());
        assertEquals(List.of(OLD_PRIMARY), List.copyOf(outcome.probeAnswers().keySet()));
        assertEquals(ArpChecks.PROBE_NUM, link.sent.size());
        assertTrue(outcome.message().contains("02:00:00:00:00:0c (answered in"), outcome.message());
        assertFalse(os.calls.contains("add " + VIP));
    }

    @Test
    void probeWithNobodyAnsweringIsNotConfigured() throws Exception {
        withHostAddress();
        Outcome outcome = new Outcome();
        engineForUp(AnnouncementProfile.SILENT, probing(WireChecks.OnConflict.TAKEOVER, null)).probe(VIP.address(), outcome, timings());
        assertEquals(ExitCode.NOT_CONFIGURED, outcome.exitCode());
    }

    @Test
    void probeCountsThisHostWhenTheVipIsConfiguredHere() throws Exception {
        withHostAddress();
        os.add(os.nic, VIP);
        link.with(ScriptedArpLink.holder(OLD_PRIMARY, VIP.address()));
        Outcome outcome = new Outcome();
        engineForUp(AnnouncementProfile.SILENT, probing(WireChecks.OnConflict.TAKEOVER, null)).probe(VIP.address(), outcome, timings());

        assertEquals(ExitCode.SPLIT_BRAIN, outcome.exitCode());
        assertTrue(outcome.message().contains("this host"), outcome.message());
    }

    @Test
    void ownAddressIsPrimaryAndUnlabelled() {
        assertTrue(TakeoverEngine.isOwnAddress(HOST, "eth0"));
        assertFalse(TakeoverEngine.isOwnAddress(new InterfaceAddress(VIP.address(), 32, "eth0:1", EnumSet.of(AddressFlag.PERMANENT)), "eth0"));
        assertFalse(TakeoverEngine.isOwnAddress(new InterfaceAddress(VIP.address(), 24, "eth0", EnumSet.of(AddressFlag.SECONDARY)), "eth0"));
        // Windows: no labels; a VIP is an address that is never a source (SkipAsSource).
        assertFalse(TakeoverEngine.isOwnAddress(new InterfaceAddress(VIP.address(), 24, "", EnumSet.of(AddressFlag.NOT_A_SOURCE)), "Ethernet"));
        assertTrue(TakeoverEngine.isOwnAddress(new InterfaceAddress(HOST.address(), 24, "", EnumSet.of(AddressFlag.PERMANENT)), "Ethernet"));
    }
    // --- one meaning per exit code: a failure after this run's change undoes it, or has a code of its own ---

    private static final InterfaceAddress OLD_LABEL = new InterfaceAddress(VIP.address(), 24, "eth0:7");

    private List<IpAddress> addressesLeft() {
        List<IpAddress> left = new ArrayList<>();
        for (InterfaceAddress address : os.configured) {
            left.add(address.address());
        }
        return left;
    }

    @Test
    void aRelabelWhoseAddIsRefusedPutsTheOldLabelBack() throws Exception {
        withHostAddress();
        os.add(os.nic, OLD_LABEL);
        os.calls.clear();
        os.fault("add " + VIP, RecordingNetworkOs.Fault.REFUSE);
        Outcome outcome = new Outcome();
        TakeoverException failure = assertThrows(TakeoverException.class, () -> engineForUp(ONE_REQUEST).up(VIP, outcome, timings()));

        assertEquals(ExitCode.OS_REFUSED, failure.exitCode(), failure.getMessage());
        assertEquals(List.of("resolve eth0", "list", "remove 198.51.100.100/24", "add " + VIP, "list", "add " + OLD_LABEL, "list"), os.calls);
        assertTrue(failure.getMessage().endsWith("undone: 198.51.100.100/24 is configured as " + find(OLD_LABEL) + ", as before"),
                failure.getMessage());
        assertEquals("eth0:7", find(VIP).label());
        assertEquals("eth0:7", outcome.address().label(), "the JSON's configured says what is there");
        assertTrue(frames.isEmpty());
    }

    private InterfaceAddress find(InterfaceAddress wanted) {
        for (InterfaceAddress address : os.configured) {
            if (address.sameAddressAndPrefix(wanted)) {
                return address;
            }
        }
        throw new AssertionError(wanted + " is not configured");
    }

    @Test
    void aRelabelWhoseUndoLosesItsAnswerReadsBackThatTheOldLabelIsThere() throws Exception {
        withHostAddress();
        os.add(os.nic, OLD_LABEL);
        os.calls.clear();
        os.fault("add " + VIP, RecordingNetworkOs.Fault.REFUSE);
        os.fault("add " + OLD_LABEL, RecordingNetworkOs.Fault.LOSE_ANSWER);
        Outcome outcome = new Outcome();
        TakeoverException failure = assertThrows(TakeoverException.class, () -> engineForUp(ONE_REQUEST).up(VIP, outcome, timings()));

        assertEquals(ExitCode.OS_REFUSED, failure.exitCode(), "the undo was carried out: " + failure.getMessage());
        assertTrue(failure.getMessage().endsWith("undone: 198.51.100.100/24 is configured as " + find(OLD_LABEL) + ", as before"),
                failure.getMessage());
        assertEquals("eth0:7", find(VIP).label());
        assertTrue(outcome.warnings().stream().anyMatch(warning -> warning.startsWith("putting 198.51.100.100/24 label eth0:7 back: ")),
                outcome.warnings().toString());
    }

    @Test
    void aRelabelThatCannotPutTheOldLabelBackSaysTheVipIsInNeitherState() throws Exception {
        withHostAddress();
        os.add(os.nic, OLD_LABEL);
        os.calls.clear();
        os.fault("add " + VIP, RecordingNetworkOs.Fault.REFUSE);
        os.fault("add " + OLD_LABEL, RecordingNetworkOs.Fault.REFUSE);
        Outcome outcome = new Outcome();
        TakeoverException failure = assertThrows(TakeoverException.class, () -> engineForUp(ONE_REQUEST).up(VIP, outcome, timings()));

        assertEquals(ExitCode.UNDO_FAILED, failure.exitCode(), failure.getMessage());
        assertTrue(failure.getMessage().endsWith("the kernel last reported 198.51.100.100/24 absent"), failure.getMessage());
        assertEquals(List.of(HOST.address()), addressesLeft());
        assertNull(outcome.address());
    }

    @Test
    void anAnnouncementThatFailsAfterTheAddLeavesTheVipConfiguredWithACodeOfItsOwn() throws Exception {
        withHostAddress();
        ArpLink broken = new ArpLink() {
            @Override
            public void send(byte[] frame) throws IOException {
                throw new IOException("cannot send on eth0: ENETDOWN");
            }

            @Override
            public byte[] receive(long deadlineNanos) {
                return null;
            }
        };
        Outcome outcome = new Outcome();
        TakeoverException failure = assertThrows(TakeoverException.class, () -> TakeoverEngine.start(os, "eth0",
                new TakeoverEngine.WirePlan(VIP.address(), ONE_REQUEST, NO_PROBING, name -> broken)).up(VIP, outcome, timings()));

        assertEquals(ExitCode.NOT_ANNOUNCED, failure.exitCode(), failure.getMessage());
        assertTrue(failure.getMessage().contains("is configured, but gratuitous ARP stopped after 0 of 1 frames"), failure.getMessage());
        assertEquals(List.of("added"), outcome.actions());
        assertEquals("eth0:1", find(VIP).label());
        assertEquals("eth0:1", outcome.address().label());
    }

    /** A VIP that is its subnet's primary, with a second VIP of that subnet as its secondary. */
    private static final InterfaceAddress SUBNET_PRIMARY = new InterfaceAddress(IpAddress.parseIpv4("203.0.113.10"), 24, "eth0:7");
    private static final InterfaceAddress ITS_SECONDARY = new InterfaceAddress(IpAddress.parseIpv4("203.0.113.11"), 24, "eth0:8");
    private static final InterfaceAddress PRIMARY_RELABELLED = new InterfaceAddress(SUBNET_PRIMARY.address(), 24, "eth0:1");

    private TakeoverEngine engineForRelabel() throws TakeoverException {
        return TakeoverEngine.start(os, "eth0", new TakeoverEngine.WirePlan(PRIMARY_RELABELLED.address(), ONE_REQUEST, NO_PROBING, name -> link));
    }

    @Test
    void aRelabelThatWouldTakeItsSubnetsSecondariesWithItIsRefused() throws Exception {
        withHostAddress();
        os.add(os.nic, SUBNET_PRIMARY);
        os.add(os.nic, ITS_SECONDARY);
        os.calls.clear();
        TakeoverException failure = assertThrows(TakeoverException.class,
                () -> engineForRelabel().up(PRIMARY_RELABELLED, new Outcome(), timings()));

        assertEquals(ExitCode.BAD_INPUT, failure.exitCode());
        assertTrue(failure.getMessage().contains(ITS_SECONDARY.address() + "/24"), failure.getMessage());
        assertTrue(failure.getMessage().contains("promote_secondaries=0"), failure.getMessage());
        assertEquals(List.of("resolve eth0", "list", "promote_secondaries"), os.calls, "nothing changed");
        assertEquals(List.of("eth0", "eth0:7", "eth0:8"), labelsLeft());
        assertTrue(frames.isEmpty());
    }

    @Test
    void aRelabelOfASubnetsPrimaryGoesAheadWhereSecondariesArePromoted() throws Exception {
        withHostAddress();
        os.add(os.nic, SUBNET_PRIMARY);
        os.add(os.nic, ITS_SECONDARY);
        os.promotesSecondaries = true;
        Outcome outcome = new Outcome();
        engineForRelabel().up(PRIMARY_RELABELLED, outcome, timings());

        assertEquals(ExitCode.OK, outcome.exitCode());
        assertEquals(List.of("eth0", "eth0:8", "eth0:1"), labelsLeft());
    }

    private List<String> labelsLeft() {
        List<String> labels = new ArrayList<>();
        for (InterfaceAddress address : os.configured) {
            labels.add(address.label());
        }
        return labels;
    }

    @Test
    void anAddWhoseAnswerWasLostIsReadBackAndCountsWhenItWasCarriedOut() throws Exception {
        withHostAddress();
        os.fault("add " + VIP, RecordingNetworkOs.Fault.LOSE_ANSWER);
        Outcome outcome = new Outcome();
        engineForUp(ONE_REQUEST).up(VIP, outcome, timings());

        assertEquals(ExitCode.OK, outcome.exitCode());
        assertEquals(List.of("resolve eth0", "list", "add " + VIP, "list", "list"), os.calls);
        assertEquals(List.of("added"), outcome.actions());
        assertTrue(outcome.warnings().get(0).endsWith("read back: it was added"), outcome.warnings().toString());
        assertEquals(1, frames.size());
    }

    @Test
    void anAddThatGotNoAnswerAndWasNotCarriedOutChangesNothing() throws Exception {
        withHostAddress();
        os.fault("add " + VIP, RecordingNetworkOs.Fault.NO_ANSWER_UNDONE);
        TakeoverException failure = assertThrows(TakeoverException.class, () -> engineForUp(ONE_REQUEST).up(VIP, new Outcome(), timings()));

        assertEquals(ExitCode.OS_REFUSED, failure.exitCode());
        assertTrue(failure.getMessage().contains("did not answer"), failure.getMessage());
        assertTrue(failure.getMessage().endsWith("nothing was changed: 198.51.100.100/24 is not configured, as before"), failure.getMessage());
        assertEquals(List.of(HOST.address()), addressesLeft());
        assertTrue(frames.isEmpty());
    }

    @Test
    void downOfAVipThatVanishedMeanwhileReportsNoRemoval() throws Exception {
        withHostAddress();
        os.add(os.nic, VIP);
        os.fault("remove 198.51.100.100/24", RecordingNetworkOs.Fault.VANISH);
        Outcome outcome = new Outcome();
        TakeoverEngine.start(os, "eth0").down(Vip.parse("198.51.100.100/24", false), false, outcome, timings());

        assertEquals(ExitCode.OK, outcome.exitCode());
        assertFalse(outcome.changed(), outcome.actions().toString());
        assertNotNull(outcome.found());
        assertTrue(outcome.warnings().get(0).contains("something else removed it meanwhile"), outcome.warnings().toString());
    }

    @Test
    void aDownWhoseAnswerWasLostIsReadBack() throws Exception {
        withHostAddress();
        os.add(os.nic, VIP);
        os.calls.clear();
        os.fault("remove 198.51.100.100/24", RecordingNetworkOs.Fault.LOSE_ANSWER);
        Outcome outcome = new Outcome();
        TakeoverEngine.start(os, "eth0").down(Vip.parse("198.51.100.100/24", false), false, outcome, timings());

        assertEquals(List.of("resolve eth0", "list", "remove 198.51.100.100/24", "list", "list"), os.calls);
        assertEquals(List.of("removed"), outcome.actions());
        assertEquals(List.of(HOST.address()), addressesLeft());
    }

    @Test
    void aDownThatGotNoAnswerAndWasNotCarriedOutLeavesTheVip() throws Exception {
        withHostAddress();
        os.add(os.nic, VIP);
        os.fault("remove 198.51.100.100/24", RecordingNetworkOs.Fault.NO_ANSWER_UNDONE);
        Outcome outcome = new Outcome();
        TakeoverException failure = assertThrows(TakeoverException.class,
                () -> TakeoverEngine.start(os, "eth0").down(Vip.parse("198.51.100.100/24", false), false, outcome, timings()));

        assertEquals(ExitCode.OS_REFUSED, failure.exitCode());
        assertFalse(outcome.changed());
        assertEquals(List.of(HOST.address(), VIP.address()), addressesLeft());
    }
}
