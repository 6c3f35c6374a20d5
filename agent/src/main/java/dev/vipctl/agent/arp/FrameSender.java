package dev.vipctl.agent.arp;

import java.io.IOException;

/**
 * Puts one complete Ethernet frame on the wire, as given. It must not modify the frame: an {@link Announcement} hands
 * over the same array every round.
 */
public interface FrameSender {
    void send(byte[] frame) throws IOException;
}
