package dev.vipctl.agent.arp;

/** What {@link Announcement#send} did: how many frames it handed to the sender, and when the first and last went. */
public final class AnnouncementResult {
    private final int framesSent;
    private final long firstFrameNanos;
    private final long lastFrameNanos;

    AnnouncementResult(int framesSent, long firstFrameNanos, long lastFrameNanos) {
        this.framesSent = framesSent;
        this.firstFrameNanos = firstFrameNanos;
        this.lastFrameNanos = lastFrameNanos;
    }

    public int framesSent() {
        return framesSent;
    }

    /**
     * {@link System#nanoTime()} right after the first frame was handed to the sender.
     *
     * @throws IllegalStateException when no frame was sent (count 0): there is no such time
     */
    public long firstFrameNanos() {
        requireFrames();
        return firstFrameNanos;
    }

    /**
     * {@link System#nanoTime()} right after the last frame was handed to the sender.
     *
     * @throws IllegalStateException when no frame was sent (count 0)
     */
    public long lastFrameNanos() {
        requireFrames();
        return lastFrameNanos;
    }

    private void requireFrames() {
        // Any long is a valid nanoTime, so there is no sentinel value to return instead.
        if (framesSent == 0) {
            throw new IllegalStateException("no gratuitous ARP frame was sent, so there is no send time");
        }
    }

    @Override
    public String toString() {
        return framesSent == 0 ? "no frames sent"
                : framesSent + " frames in " + (lastFrameNanos - firstFrameNanos) / 1_000_000 + " ms";
    }
}
