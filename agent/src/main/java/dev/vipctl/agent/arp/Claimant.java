package dev.vipctl.agent.arp;

import dev.vipctl.os.MacAddress;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Another MAC that spoke for the VIP: sent an ARP frame with the VIP as its sender address (an answer to our probe,
 * its own announcement, or a request from the VIP). Repeats from the same MAC are counted, not listed.
 */
public final class Claimant {
    private final MacAddress mac;
    private final long firstNanos;
    private final String firstFrame;
    private int frames;

    Claimant(MacAddress mac, long firstNanos, String firstFrame) {
        this.mac = mac;
        this.firstNanos = firstNanos;
        this.firstFrame = firstFrame;
    }

    void countFrame() {
        frames++;
    }

    public MacAddress mac() {
        return mac;
    }

    /** {@link System#nanoTime()} when its first frame was received. */
    public long firstNanos() {
        return firstNanos;
    }

    /** The first frame, described as {@link ArpPacket#toString()} does. */
    public String firstFrame() {
        return firstFrame;
    }

    /** Frames received from it. */
    public int frames() {
        return frames;
    }

    /** Their MACs, in order, as text. */
    public static List<String> macs(Collection<Claimant> claimants) {
        List<String> macs = new ArrayList<>();
        for (Claimant claimant : claimants) {
            macs.add(claimant.mac.toString());
        }
        return macs;
    }

    @Override
    public String toString() {
        return mac.toString();
    }
}
