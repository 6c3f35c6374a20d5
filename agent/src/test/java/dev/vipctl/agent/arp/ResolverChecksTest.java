package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The release check, the probe and the peer question through SendARP, against a resolver that answers as it does. */
class ResolverChecksTest {
    private static final MacAddress OURS = MacAddress.parse("02:00:00:00:00:0a");
    private static final MacAddress HOLDER = MacAddress.parse("02:00:00:00:00:0b");
    private static final MacAddress PEER_MAC = MacAddress.parse("02:00:00:00:00:14");
    private static final IpAddress VIP = IpAddress.parseIpv4("198.51.100.10");
    private static final IpAddress PEER = IpAddress.parseIpv4("198.51.100.20");
    private static final IpAddress OWN = IpAddress.parseIpv4("198.51.100.2");
    private static final long WAIT = TimeUnit.MILLISECONDS.toNanos(30);
    private static final long RELEASE_WAIT = TimeUnit.MILLISECONDS.toNanos(500);

    private final TableArpResolver resolver = new TableArpResolver(Set.of(OWN));
    private final FakeClock clock = new FakeClock();
    private final ResolverChecks checks = new ResolverChecks(resolver, OURS, VIP, clock);

    @Test
    void nobodyAnsweringIsFreeAfterOneQuestion() throws IOException {
        ReleaseCheck check = checks.releaseCheck(WAIT, RELEASE_WAIT);

        assertEquals(ReleaseCheck.State.FREE, check.state());
        assertEquals(1, check.probes());
        assertEquals(List.of("198.51.100.10 from -"), resolver.questions);
        assertEquals("free (nobody answered Windows' ARP requests for it: SendARP ERROR_BAD_NET_NAME)", check.describe());
    }

    @Test
    void aHolderThatKeepsAnsweringIsHeldWhenTheReleaseWaitEnds() throws IOException {
        resolver.answers(VIP, HOLDER);

        ReleaseCheck check = checks.releaseCheck(WAIT, RELEASE_WAIT);

        assertEquals(ReleaseCheck.State.HELD, check.state());
        assertEquals(List.of(HOLDER), List.of(check.holders().get(0).mac()));
        // One question at once, then one every 100 ms until 500 ms have passed: 0, 100, ..., 500.
        assertEquals(6, check.probes());
        assertEquals("still held by 02:00:00:00:00:0b after 6 SendARP questions", check.describe());
    }

    @Test
    void aHolderThatStopsAnsweringHasReleasedIt() throws IOException {
        resolver.answers(VIP, HOLDER, HOLDER, null);

        ReleaseCheck check = checks.releaseCheck(WAIT, RELEASE_WAIT);

        assertEquals(ReleaseCheck.State.RELEASED, check.state());
        assertEquals(3, check.probes());
        assertEquals(HOLDER, check.holders().get(0).mac());
        assertTrue(check.describe().contains("the last of 3 SendARP questions went unanswered"), check.describe());
    }

    @Test
    void aReleaseWaitOfZeroAsksOnce() throws IOException {
        resolver.answers(VIP, HOLDER);

        ReleaseCheck check = checks.releaseCheck(WAIT, 0);

        assertEquals(ReleaseCheck.State.HELD, check.state());
        assertEquals(1, check.probes());
    }

    @Test
    void thisHostsOwnMacIsNoHolder() throws IOException {
        resolver.answers(VIP, OURS);

        assertEquals(ReleaseCheck.State.FREE, checks.releaseCheck(WAIT, RELEASE_WAIT).state());
        assertTrue(checks.probe(WAIT).answers().isEmpty());
    }

    @Test
    void theProbeNamesWhoAnswers() throws IOException {
        resolver.answers(VIP, HOLDER);

        ArpChecks.ProbeRound round = checks.probe(WAIT);

        assertEquals(HOLDER, round.answers().get(0).mac());
        assertEquals("SendARP: 198.51.100.10 is at 02:00:00:00:00:0b", round.answers().get(0).firstFrame());
    }

    @Test
    void thePeerIsAskedFromTheVipOnceTheVipIsThisHosts() throws IOException {
        TableArpResolver afterTakeover = new TableArpResolver(Set.of(OWN, VIP)).answers(PEER, null, PEER_MAC);
        ResolverChecks after = new ResolverChecks(afterTakeover, OURS, VIP, clock);

        ArpChecks.PeerAnswer answer = after.askPeer(PEER, WAIT, 3, new LinkedHashMap<>());

        assertEquals(PEER_MAC, answer.mac());
        assertEquals(List.of("198.51.100.20 from 198.51.100.10", "198.51.100.20 from 198.51.100.10"), afterTakeover.questions);
    }

    @Test
    void aSilentPeerIsNullAfterEveryAttempt() throws IOException {
        ResolverChecks after = new ResolverChecks(new TableArpResolver(Set.of(OWN, VIP)), OURS, VIP, clock);

        assertNull(after.askPeer(PEER, WAIT, 3, new LinkedHashMap<>()));
    }

    @Test
    void askingFromAnAddressThatIsNotThisHostsFails() {
        // Before the takeover the VIP is not this host's: SendARP refuses it as a source (ERROR_NOT_FOUND).
        IOException e = assertThrows(IOException.class, () -> checks.askPeer(PEER, WAIT, 3, new LinkedHashMap<>()));

        assertTrue(e.getMessage().contains("ERROR_NOT_FOUND (1168)"), e.getMessage());
    }
}
