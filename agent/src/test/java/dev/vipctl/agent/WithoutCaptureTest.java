package dev.vipctl.agent;

import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.GarpMode;
import dev.vipctl.agent.arp.ReleaseCheck;
import dev.vipctl.agent.arp.TableArpResolver;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine where vipctl cannot capture (Windows without Npcap): it asks through the OS's resolver, and says so. */
class WithoutCaptureTest {
    private static final InterfaceAddress HOST = new InterfaceAddress(IpAddress.parseIpv4("198.51.100.11"), 24, "");
    private static final InterfaceAddress VIP = new InterfaceAddress(IpAddress.parseIpv4("198.51.100.100"), 24, "");
    private static final IpAddress PEER = IpAddress.parseIpv4("198.51.100.20");
    private static final MacAddress PEER_MAC = MacAddress.parse("02:00:00:00:00:14");
    private static final MacAddress HOLDER = MacAddress.parse("02:00:00:00:00:0c");
    private static final AnnouncementProfile THREE_ROUNDS = new AnnouncementProfile(3, 100, GarpMode.REQUEST);

    private final RecordingNetworkOs os = new RecordingNetworkOs(true);
    /** This host's addresses once the VIP is up: SendARP may ask from either. */
    private final TableArpResolver resolver = new TableArpResolver(Set.of(HOST.address(), VIP.address()));

    private TakeoverEngine engine(WireChecks checks) throws Exception {
        os.add(os.nic, HOST);
        os.calls.clear();
        return TakeoverEngine.start(os, "eth0",
                new TakeoverEngine.WirePlan(VIP.address(), THREE_ROUNDS, checks, HostWithoutCapture.resolverOnly(resolver)));
    }

    private static Timings timings() {
        return new Timings(System.nanoTime(), -1);
    }

    @Test
    void upAsksThroughTheResolverSendsNoFrameAndSaysWhy() throws Exception {
        resolver.answers(PEER, PEER_MAC);
        Outcome outcome = new Outcome();
        engine(new WireChecks(WireChecks.OnConflict.FAIL, 30, 0, PEER, 0)).up(VIP, outcome, timings());

        assertEquals(ExitCode.OK, outcome.exitCode());
        assertEquals(ReleaseCheck.State.FREE, outcome.releaseCheck().state());
        assertEquals(0, outcome.framesSent());
        assertEquals("Npcap is not installed: no C:\\Windows\\System32\\Npcap\\wpcap.dll", outcome.withoutCapture());
        assertEquals(PEER_MAC, outcome.peerAnswer().mac());
        assertEquals(List.of("198.51.100.100 from -", "198.51.100.20 from 198.51.100.100"), resolver.questions,
                "the release check, then the peer from the VIP; no probe after the takeover");
        assertTrue(os.calls.contains("add 198.51.100.100/24"), os.calls.toString());
    }

    @Test
    void aHolderWithPolicyFailChangesNothing() throws Exception {
        resolver.answers(VIP.address(), HOLDER);
        Outcome outcome = new Outcome();
        TakeoverEngine engine = engine(new WireChecks(WireChecks.OnConflict.FAIL, 30, 0, null, 0));

        TakeoverException e = assertThrows(TakeoverException.class, () -> engine.up(VIP, outcome, timings()));

        assertEquals(ExitCode.CONFLICT, e.exitCode());
        assertTrue(e.getMessage().contains("still held by 02:00:00:00:00:0c after 1 SendARP questions"), e.getMessage());
        assertEquals(List.of("resolve eth0", "list"), os.calls, "looked, changed nothing");
    }

    @Test
    void eachQuestionFirstDeletesThisHostsNeighbourEntrySoTheAnswerComesFromTheLink() throws Exception {
        resolver.answers(PEER, PEER_MAC);
        engine(new WireChecks(WireChecks.OnConflict.FAIL, 30, 0, PEER, 0)).up(VIP, new Outcome(), timings());

        assertEquals(List.of("198.51.100.100 absent", "198.51.100.100 configured", "198.51.100.20 absent"), os.flushed,
                "before the release check's question, after the add (the engine's own flush), before the peer question");
    }

    @Test
    void aSilentPeerIsPeerSilent() throws Exception {
        Outcome outcome = new Outcome();
        engine(new WireChecks(WireChecks.OnConflict.FAIL, 30, 0, PEER, 0)).up(VIP, outcome, timings());

        assertEquals(ExitCode.PEER_SILENT, outcome.exitCode());
        assertNull(outcome.peerAnswer());
        assertTrue(outcome.message().contains("did not answer 3 SendARP questions"), outcome.message());
    }

    @Test
    void defendingIsRefusedBeforeAnythingChanges() throws Exception {
        TakeoverException e = assertThrows(TakeoverException.class,
                () -> engine(new WireChecks(WireChecks.OnConflict.TAKEOVER, 30, 0, null, 1000)));

        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith("--defend-ms listens for claims"), e.getMessage());
        assertTrue(e.getMessage().contains("Npcap is not installed"), e.getMessage());
        assertTrue(os.closed);
    }

    @Test
    void statusAndDownNeverAskForTheResolver() throws Exception {
        os.add(os.nic, HOST);
        try (TakeoverEngine engine = TakeoverEngine.start(os, "eth0")) {
            Outcome outcome = new Outcome();
            engine.status(Vip.parse("198.51.100.100/24", true), outcome);
            assertEquals(ExitCode.NOT_CONFIGURED, outcome.exitCode());
            assertNull(outcome.withoutCapture());
        }
    }
}
