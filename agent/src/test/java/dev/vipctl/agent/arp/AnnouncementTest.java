package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnnouncementTest {
    private static final MacAddress MAC = MacAddress.parse("02:00:00:00:00:0a");
    private static final IpAddress VIP = IpAddress.parseIpv4("198.51.100.100");
    private static final byte[] REQUEST = ArpFrames.announcementRequest(MAC, VIP);
    private static final byte[] REPLY = ArpFrames.announcementReply(MAC, VIP);
    private static final long MS = 1_000_000;
    private static final long START = 5_000 * MS;

    /** Time that moves only when slept on, or when a send is made to take time. */
    private static final class FakeClock implements MonotonicClock {
        long now = START;
        final List<Long> sleeps = new ArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleep(long nanos) {
            sleeps.add(nanos);
            now += nanos;
        }
    }

    /** Records each frame and the fake time it was sent at; each send costs {@code sendNanos} of fake time. */
    private static final class RecordingSender implements FrameSender {
        final FakeClock clock;
        final long sendNanos;
        final List<byte[]> frames = new ArrayList<>();
        final List<Long> sentAt = new ArrayList<>();

        RecordingSender(FakeClock clock, long sendNanos) {
            this.clock = clock;
            this.sendNanos = sendNanos;
        }

        @Override
        public void send(byte[] frame) {
            clock.now += sendNanos;
            frames.add(frame.clone());
            sentAt.add(clock.now);
        }
    }

    private static AnnouncementResult send(AnnouncementProfile profile, RecordingSender sender) throws Exception {
        return new Announcement(MAC, VIP, profile).send(sender, sender.clock);
    }

    private static void assertFrames(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size(), "frames sent");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "frame " + i);
        }
    }

    @Test
    void bothSendsARequestThenAReplyEveryRoundAndSleepsTheIntervalBetweenRounds() throws Exception {
        RecordingSender sender = new RecordingSender(new FakeClock(), 0);

        AnnouncementResult result = send(new AnnouncementProfile(3, 1000, GarpMode.BOTH), sender);

        assertFrames(List.of(REQUEST, REPLY, REQUEST, REPLY, REQUEST, REPLY), sender.frames);
        assertEquals(List.of(START, START, START + 1000 * MS, START + 1000 * MS, START + 2000 * MS, START + 2000 * MS), sender.sentAt);
        assertEquals(List.of(1000 * MS, 1000 * MS), sender.clock.sleeps);
        assertEquals(6, result.framesSent());
        assertEquals(START, result.firstFrameNanos());
        assertEquals(START + 2000 * MS, result.lastFrameNanos());
    }

    @Test
    void requestAndReplyModesSendOnlyTheirForm() throws Exception {
        RecordingSender requests = new RecordingSender(new FakeClock(), 0);
        RecordingSender replies = new RecordingSender(new FakeClock(), 0);

        send(new AnnouncementProfile(2, 200, GarpMode.REQUEST), requests);
        send(new AnnouncementProfile(2, 200, GarpMode.REPLY), replies);

        assertFrames(List.of(REQUEST, REQUEST), requests.frames);
        assertFrames(List.of(REPLY, REPLY), replies.frames);
        assertEquals(List.of(200 * MS), requests.clock.sleeps);
    }

    @Test
    void timeSpentSendingIsTakenOffTheNextSleepSoRoundsStayOnSchedule() throws Exception {
        RecordingSender sender = new RecordingSender(new FakeClock(), 30 * MS);

        AnnouncementResult result = send(new AnnouncementProfile(3, 1000, GarpMode.BOTH), sender);

        assertEquals(List.of(940 * MS, 940 * MS), sender.clock.sleeps);
        assertEquals(START + 30 * MS, result.firstFrameNanos());
        assertEquals(START + 2060 * MS, result.lastFrameNanos());
    }

    @Test
    void roundsThatOverrunTheIntervalFollowWithoutSleeping() throws Exception {
        RecordingSender sender = new RecordingSender(new FakeClock(), 700 * MS);

        AnnouncementResult result = send(new AnnouncementProfile(2, 1000, GarpMode.BOTH), sender);

        assertEquals(List.of(), sender.clock.sleeps);
        assertEquals(4, result.framesSent());
    }

    @Test
    void intervalZeroSendsAllRoundsBackToBack() throws Exception {
        RecordingSender sender = new RecordingSender(new FakeClock(), 0);

        send(new AnnouncementProfile(3, 0, GarpMode.REPLY), sender);

        assertFrames(List.of(REPLY, REPLY, REPLY), sender.frames);
        assertEquals(List.of(), sender.clock.sleeps);
    }

    @Test
    void countZeroSendsNothingAndHasNoSendTimes() throws Exception {
        RecordingSender sender = new RecordingSender(new FakeClock(), 0);
        Announcement announcement = new Announcement(MAC, VIP, new AnnouncementProfile(0, 1000, GarpMode.BOTH));

        AnnouncementResult result = announcement.send(sender, sender.clock);

        assertEquals(0, announcement.frameCount());
        assertEquals(0, result.framesSent());
        assertEquals(List.of(), sender.frames);
        assertEquals(List.of(), sender.clock.sleeps);
        assertThrows(IllegalStateException.class, result::firstFrameNanos);
        assertThrows(IllegalStateException.class, result::lastFrameNanos);
    }

    @Test
    void aFailedSendSaysHowFarTheAnnouncementGot() {
        IOException cause = new IOException("interface eth0 is down");
        FrameSender failsOnThirdFrame = new FrameSender() {
            private int calls;

            @Override
            public void send(byte[] frame) throws IOException {
                if (++calls == 3) {
                    throw cause;
                }
            }
        };
        Announcement announcement = new Announcement(MAC, VIP, new AnnouncementProfile(3, 0, GarpMode.BOTH));

        IOException e = assertThrows(IOException.class, () -> announcement.send(failsOnThirdFrame, new FakeClock()));

        assertEquals("gratuitous ARP stopped after 2 of 6 frames: interface eth0 is down", e.getMessage());
        assertSame(cause, e.getCause());
    }

    @Test
    void sendsOnTheSystemClock() throws Exception {
        List<byte[]> frames = new ArrayList<>();
        long before = System.nanoTime();

        AnnouncementResult result = new Announcement(MAC, VIP, new AnnouncementProfile(2, 0, GarpMode.BOTH)).send(frames::add);

        assertFrames(List.of(REQUEST, REPLY, REQUEST, REPLY), frames);
        assertEquals(4, result.framesSent());
        assertTrue(result.firstFrameNanos() - before >= 0, "first frame time is a System.nanoTime() after the call began");
        assertTrue(result.lastFrameNanos() - result.firstFrameNanos() >= 0, "last frame is not before the first");
    }

    @Test
    void frameCountIsRoundsTimesFormsPerRound() {
        assertEquals(6, new Announcement(MAC, VIP, AnnouncementProfile.DEFAULT).frameCount());
        assertEquals(4, new Announcement(MAC, VIP, new AnnouncementProfile(4, 0, GarpMode.REQUEST)).frameCount());
    }

    @Test
    void ipv6VipIsRefusedAtConstruction() {
        IpAddress ipv6 = IpAddress.of(ArpFramesTest.hex("20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 10"));

        assertThrows(IllegalArgumentException.class, () -> new Announcement(MAC, ipv6, AnnouncementProfile.DEFAULT));
    }
}
