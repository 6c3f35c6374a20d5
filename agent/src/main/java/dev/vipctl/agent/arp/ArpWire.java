package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;

import java.io.IOException;
import java.util.Map;

/**
 * The questions about one VIP that vipctl can ask the segment with or without frames of its own: who holds it, and the
 * peer's MAC. {@link ArpChecks} asks them with frames and also announces and defends; {@link ResolverChecks} asks them
 * through the OS's resolver.
 */
public interface ArpWire {
    /** The release check before a takeover: whether another MAC holds the VIP, and whether it let go. */
    ReleaseCheck releaseCheck(long probeWaitNanos, long releaseWaitNanos) throws IOException;

    /** Who answers for the VIP now, other than this host. */
    ArpChecks.ProbeRound probe(long waitNanos) throws IOException;

    /** The peer's MAC, asked from the VIP; null if it never answered. Claims seen meanwhile go into {@code claims}. */
    ArpChecks.PeerAnswer askPeer(IpAddress peer, long waitNanos, int attempts, Map<MacAddress, Claimant> claims) throws IOException;
}
