package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gratuitous ARP announcement of one VIP from one MAC, with its frames built up front so that sending does no
 * work but the sends themselves. Every round sends the same frames: a request, a reply, or (mode both) a request
 * then a reply back to back.
 */
public final class Announcement {
    private final List<byte[]> roundFrames;
    private final int count;
    private final long intervalNanos;

    /** @throws IllegalArgumentException if the VIP is not IPv4 */
    public Announcement(MacAddress ourMac, IpAddress vip, AnnouncementProfile profile) {
        this.roundFrames = roundFrames(ourMac, vip, profile.mode());
        this.count = profile.count();
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(profile.intervalMillis());
    }

    private static List<byte[]> roundFrames(MacAddress ourMac, IpAddress vip, GarpMode mode) {
        switch (mode) {
            case REQUEST:
                return List.of(ArpFrames.announcementRequest(ourMac, vip));
            case REPLY:
                return List.of(ArpFrames.announcementReply(ourMac, vip));
            case BOTH:
                return List.of(ArpFrames.announcementRequest(ourMac, vip), ArpFrames.announcementReply(ourMac, vip));
            default:
                throw new AssertionError(mode);
        }
    }

    /** Frames the whole announcement sends. */
    public int frameCount() {
        return count * roundFrames.size();
    }

    /**
     * Sends every round: the first at once, each further one {@code interval} after the start of the first (so a slow
     * send or a late wake-up does not push the later rounds back), and returns right after the last frame.
     *
     * @throws IOException          if a frame could not be sent; its message says how many had gone out
     * @throws InterruptedException if interrupted while waiting for the next round
     */
    public AnnouncementResult send(FrameSender sender) throws IOException, InterruptedException {
        return send(sender, MonotonicClock.SYSTEM);
    }

    /** Sends one round's frames at once: the defence of RFC 5227 §2.4 is a fresh announcement. */
    void sendRound(FrameSender sender) throws IOException {
        for (byte[] frame : roundFrames) {
            sender.send(frame);
        }
    }

    AnnouncementResult send(FrameSender sender, MonotonicClock clock) throws IOException, InterruptedException {
        long start = clock.nanoTime();
        long firstFrameNanos = 0;
        long lastFrameNanos = 0;
        int sent = 0;
        for (int round = 0; round < count; round++) {
            if (round > 0) {
                long wait = start + round * intervalNanos - clock.nanoTime();
                if (wait > 0) {
                    clock.sleep(wait);
                }
            }
            for (byte[] frame : roundFrames) {
                try {
                    sender.send(frame);
                } catch (IOException e) {
                    throw new IOException("gratuitous ARP stopped after " + sent + " of " + frameCount() + " frames: " + e.getMessage(), e);
                }
                lastFrameNanos = clock.nanoTime();
                if (sent++ == 0) {
                    firstFrameNanos = lastFrameNanos;
                }
            }
        }
        return new AnnouncementResult(sent, firstFrameNanos, lastFrameNanos);
    }
}
