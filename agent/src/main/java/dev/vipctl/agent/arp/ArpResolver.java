package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;

import java.io.IOException;

/**
 * The OS's own ARP resolution, where vipctl can neither send nor capture frames (Windows without Npcap: SendARP). It
 * resolves: asks for an address until someone answers or its own timeout ends, and gives the answering MAC. It cannot
 * send from 0.0.0.0 (an RFC 5227 probe), send a gratuitous ARP, or listen, and it may answer from the OS's neighbour
 * cache.
 */
public interface ArpResolver {
    /**
     * The MAC that answers for {@code target}, asked from {@code source} (null: the OS picks the interface by its
     * routes), or null when nobody answered.
     *
     * @throws IOException when {@code source} is not this host's address, or the OS failed otherwise
     */
    MacAddress resolve(IpAddress target, IpAddress source) throws IOException;

    /** Why vipctl asks through the resolver rather than on the wire ("Npcap is not installed: no ..."). */
    String why();
}
