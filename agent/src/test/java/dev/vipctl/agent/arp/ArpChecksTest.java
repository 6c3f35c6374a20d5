package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ARP exchanges, against scripted hosts on a fake clock. */
class ArpChecksTest {
    private static final MacAddress OURS = MacAddress.parse("02:00:00:00:00:0b");
    private static final MacAddress OLD_PRIMARY = MacAddress.parse("02:00:00:00:00:0a");
    private static final MacAddress GATEWAY = MacAddress.parse("02:00:00:00:00:01");
    private static final IpAddress VIP = IpAddress.parseIpv4("198.51.100.100");
    private static final IpAddress GATEWAY_IP = IpAddress.parseIpv4("198.51.100.1");
    private static final IpAddress NONE = IpAddress.parseIpv4("0.0.0.0");
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final FakeClock clock = new FakeClock();
    private final ScriptedArpLink link = new ScriptedArpLink(clock);
    private final ArpChecks checks = new ArpChecks(link, OURS, VIP, clock);

    @Test
    void aFreeVipNeedsThreeUnansweredProbesSpacedWithinOneProbeWait() throws Exception {
        List<Long> sentAt = recordSendTimes();
        long start = clock.now;
        ReleaseCheck check = checks.releaseCheck(30 * MS, 500 * MS);

        assertEquals(ReleaseCheck.State.FREE, check.state());
        assertEquals(3, check.probes());
        assertTrue(check.holders().isEmpty());
        assertEquals(List.of(start, start + 10 * MS, start + 20 * MS), sentAt, "at 0, w/3 and 2w/3 of the wait");
        assertEquals(30 * MS, clock.now - start, "one probe wait in all");
        for (ArpPacket probe : link.sentPackets()) {
            assertTrue(probe.isProbe());
            assertEquals(OURS, probe.senderMac());
            assertEquals(NONE, probe.senderIp());
            assertEquals(VIP, probe.targetIp());
        }
    }

    @ParameterizedTest(name = "only probe {0} is answered")
    @ValueSource(ints = {1, 2, 3})
    void anAnswerToAnyOneOfTheThreeProbesIsHeld(int answered) throws Exception {
        answerOnly(answered);
        long start = clock.now;
        ReleaseCheck check = checks.releaseCheck(30 * MS, 0);

        assertEquals(ReleaseCheck.State.HELD, check.state());
        assertEquals(List.of(OLD_PRIMARY), macs(check.holders()));
        assertEquals(3, check.probes(), "a release wait of 0 means one round");
        assertEquals(30 * MS, clock.now - start);
    }

    @Test
    void aLateAnswerWithinTheWaitIsHeldAndOneAfterItIsNot() throws Exception {
        // A slow holder answers only the second probe (sent at 10 ms), 15 ms late: past that probe's third of the wait,
        // within the wait.
        int[] frames = {0};
        link.with(sent -> {
            if (++frames[0] == 2) {
                link.arriveAt(clock.now + 15 * MS, ScriptedArpLink.reply(OLD_PRIMARY, VIP, OURS, NONE));
            }
            return List.of();
        });
        ReleaseCheck late = checks.releaseCheck(30 * MS, 0);
        assertEquals(ReleaseCheck.State.HELD, late.state());
        assertEquals(List.of(OLD_PRIMARY), macs(late.holders()));

        // The first probe's answer, 25 ms late, also counts; 31 ms late, after the wait, it does not.
        long start = clock.now;
        link.arriveAt(start + 25 * MS, ScriptedArpLink.reply(OLD_PRIMARY, VIP, OURS, NONE));
        assertEquals(ReleaseCheck.State.HELD, checks.releaseCheck(30 * MS, 0).state());
        start = clock.now;
        link.arriveAt(start + 31 * MS, ScriptedArpLink.reply(OLD_PRIMARY, VIP, OURS, NONE));
        assertEquals(ReleaseCheck.State.FREE, checks.releaseCheck(30 * MS, 0).state(), "after the wait: not seen");
    }

    @Test
    void aWaitTooShortToSpaceTheProbesSendsThemBackToBack() throws Exception {
        List<Long> sentAt = recordSendTimes();
        long start = clock.now;
        ReleaseCheck check = checks.releaseCheck(2 * MS, 0);

        assertEquals(3, check.probes());
        assertEquals(List.of(start, start, start), sentAt, "a third of 2 ms is under the links' 1 ms: all three at once");
        assertEquals(2 * MS, clock.now - start);

        sentAt.clear();
        long next = clock.now;
        checks.releaseCheck(3 * MS, 0);
        assertEquals(List.of(next, next + MS, next + 2 * MS), sentAt, "3 ms: 1 ms apart");
    }

    @Test
    void aHolderThatKeepsAnsweringIsReportedAfterTheReleaseWait() throws Exception {
        link.with(ScriptedArpLink.holder(OLD_PRIMARY, VIP));
        long start = clock.now;
        ReleaseCheck check = checks.releaseCheck(30 * MS, 100 * MS);

        assertEquals(ReleaseCheck.State.HELD, check.state());
        assertEquals(List.of(OLD_PRIMARY), macs(check.holders()));
        // Rounds are spaced by the re-probe interval (100 ms), not by the 30 ms probe wait: rounds at 0 and 100 ms.
        assertEquals(6, check.probes());
        assertEquals(6, link.sent.size());
        assertEquals(130 * MS, clock.now - start, "the release wait, then the last round's wait");
    }

    @Test
    void aHolderThatLetsGoWhileWeWaitMakesItReleased() throws Exception {
        ScriptedArpLink.Host holder = ScriptedArpLink.holder(OLD_PRIMARY, VIP);
        int[] probes = {0};
        link.with(sent -> ++probes[0] <= 9 ? holder.react(sent) : List.of());
        long start = clock.now;
        ReleaseCheck check = checks.releaseCheck(30 * MS, 500 * MS);

        assertEquals(ReleaseCheck.State.RELEASED, check.state());
        assertEquals(12, check.probes());
        assertEquals(330 * MS, clock.now - start, "the fourth round, at 300 ms, went unanswered");
        assertEquals(List.of(OLD_PRIMARY), macs(check.holders()));
    }

    @Test
    void aReleaseNeedsAWholeRoundUnansweredToo() throws Exception {
        ScriptedArpLink.Host holder = ScriptedArpLink.holder(OLD_PRIMARY, VIP);
        int[] probes = {0};
        // The first round answered; of the second, only its last probe (the first two answers lost); then let go.
        link.with(sent -> ++probes[0] <= 3 || probes[0] == 6 ? holder.react(sent) : List.of());
        long start = clock.now;
        ReleaseCheck check = checks.releaseCheck(30 * MS, 500 * MS);

        assertEquals(ReleaseCheck.State.RELEASED, check.state());
        assertEquals(9, check.probes(), "the second round still counts as held");
        assertEquals(230 * MS, clock.now - start, "released by the third round, at 200 ms");
    }

    @Test
    void ourOwnFramesAndOtherAddressesAreNoClaims() throws Exception {
        link.arrive(ArpFrames.announcementRequest(OURS, VIP));
        link.arrive(ArpFrames.announcementRequest(OLD_PRIMARY, IpAddress.parseIpv4("198.51.100.11")));
        link.arrive(ArpFrames.request(OLD_PRIMARY, IpAddress.parseIpv4("198.51.100.11"), VIP));
        assertTrue(checks.probe(30 * MS).answers().isEmpty());
    }

    @Test
    void aProbeReportsEachAnsweringMacOnceWithItsFrames() throws Exception {
        link.with(ScriptedArpLink.holder(OLD_PRIMARY, VIP));
        link.arrive(ArpFrames.announcementReply(OLD_PRIMARY, VIP));
        ArpChecks.ProbeRound round = checks.probe(30 * MS);

        assertEquals(1, round.answers().size());
        Claimant claimant = round.answers().get(0);
        assertEquals(OLD_PRIMARY, claimant.mac());
        assertEquals(2, claimant.frames());
        assertEquals(ArpPacket.parse(ArpFrames.announcementReply(OLD_PRIMARY, VIP)).toString(), claimant.firstFrame());
    }

    @Test
    void theAnnouncementListensBetweenRoundsInsteadOfSleeping() throws Exception {
        Announcement announcement = new Announcement(OURS, VIP, new AnnouncementProfile(3, 1000, GarpMode.REQUEST));
        long start = clock.now;
        link.arriveAt(start + 1500 * MS, ArpFrames.announcementRequest(OLD_PRIMARY, VIP));
        Map<MacAddress, Claimant> claims = new LinkedHashMap<>();

        AnnouncementResult result = checks.announce(announcement, claims);

        assertEquals(3, result.framesSent());
        assertEquals(start + 2000 * MS, result.lastFrameNanos(), "the rounds keep their pace");
        assertEquals(List.of(OLD_PRIMARY), List.copyOf(claims.keySet()));
        assertEquals(start + 1500 * MS, claims.get(OLD_PRIMARY).firstNanos());
    }

    @Test
    void aPeerAnswersTheRequestFromTheVip() throws Exception {
        link.with(ScriptedArpLink.holder(GATEWAY, GATEWAY_IP));
        ArpChecks.PeerAnswer answer = checks.askPeer(GATEWAY_IP, 30 * MS, 3, new LinkedHashMap<>());

        assertNotNull(answer);
        assertEquals(GATEWAY, answer.mac());
        ArpPacket request = link.sentPackets().get(0);
        assertEquals(ArpPacket.REQUEST, request.opcode());
        assertEquals(VIP, request.senderIp());
        assertEquals(GATEWAY_IP, request.targetIp());
        assertEquals(1, link.sent.size(), "one request is enough when it is answered");
    }

    @Test
    void aSilentPeerIsAskedEachAttemptAndGivesNull() throws Exception {
        long start = clock.now;
        assertNull(checks.askPeer(GATEWAY_IP, 30 * MS, 3, new LinkedHashMap<>()));
        assertEquals(3, link.sent.size());
        assertEquals(90 * MS, clock.now - start);
    }

    @Test
    void aReplyFromThePeerToAnotherAddressIsNoAnswer() throws Exception {
        link.with(sent -> List.of(ScriptedArpLink.reply(GATEWAY, GATEWAY_IP, OURS, IpAddress.parseIpv4("198.51.100.12"))));
        assertNull(checks.askPeer(GATEWAY_IP, 30 * MS, 1, new LinkedHashMap<>()));
    }

    @Test
    void defenceAnswersAClaimAtOnceAndThenAtMostOncePerDefendInterval() throws Exception {
        Announcement announcement = new Announcement(OURS, VIP, new AnnouncementProfile(1, 0, GarpMode.BOTH));
        long start = clock.now;
        byte[] claim = ArpFrames.announcementRequest(OLD_PRIMARY, VIP);
        link.arriveAt(start + 1000 * MS, claim);
        link.arriveAt(start + 5000 * MS, claim.clone());
        link.arriveAt(start + 12_000 * MS, claim.clone());
        Map<MacAddress, Claimant> claims = new LinkedHashMap<>();

        int defences = checks.defend(start + 15_000 * MS, announcement, claims);

        assertEquals(2, defences, "at 1 s, not at 5 s (within 10 s of the first), again at 12 s");
        assertEquals(4, link.sent.size(), "each defence is one round of request and reply");
        assertEquals(3, claims.get(OLD_PRIMARY).frames());
        assertEquals(start + 15_000 * MS, clock.now, "stays the whole window");
    }

    @Test
    void aQuietDefendWindowSendsNothing() throws Exception {
        Announcement announcement = new Announcement(OURS, VIP, new AnnouncementProfile(1, 0, GarpMode.BOTH));
        assertEquals(0, checks.defend(clock.now + 3000 * MS, announcement, new LinkedHashMap<>()));
        assertTrue(link.sent.isEmpty());
    }

    /** The fake clock's time at each frame sent, from now on. */
    private List<Long> recordSendTimes() {
        List<Long> sentAt = new ArrayList<>();
        link.with(sent -> {
            sentAt.add(clock.now);
            return List.of();
        });
        return sentAt;
    }

    /** The old primary answers only our {@code n}th frame: the other answers are lost. */
    private void answerOnly(int n) {
        ScriptedArpLink.Host holder = ScriptedArpLink.holder(OLD_PRIMARY, VIP);
        int[] frames = {0};
        link.with(sent -> ++frames[0] == n ? holder.react(sent) : List.of());
    }

    private static List<MacAddress> macs(List<Claimant> claimants) {
        return claimants.stream().map(Claimant::mac).collect(java.util.stream.Collectors.toList());
    }
}
