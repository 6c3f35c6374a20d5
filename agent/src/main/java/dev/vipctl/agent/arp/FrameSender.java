package dev.vipctl.agent.arp;

import java.io.IOException;

/**
 * Puts one complete Ethernet frame on the wire, as given. It must not modify the frame: an {@link Announcement} hands
 * over the same array every round.
 */
public interface FrameSender extends AutoCloseable {
    void send(byte[] frame) throws IOException;

    /** Releases the handle; senders that hold none need not override it. */
    @Override
    default void close() {
    }
}
