package dev.vipctl.agent.arp;

import java.io.IOException;

/**
 * One interface's link layer as the takeover needs it: sends complete Ethernet frames and receives the ARP frames
 * other hosts send. Frames this link sent itself are never received.
 */
public interface ArpLink extends FrameSender {
    /**
     * The next ARP frame received (the whole Ethernet frame), waiting until {@code deadlineNanos} on the
     * {@link System#nanoTime()} scale at the latest; null if none arrived by then. Frames that arrived since the link
     * was opened and were not yet received are returned first, oldest first.
     */
    byte[] receive(long deadlineNanos) throws IOException;
}
