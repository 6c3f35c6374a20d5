package dev.vipctl.agent;

import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.agent.arp.ArpResolver;
import dev.vipctl.agent.arp.TableArpResolver;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;

import java.util.Set;

/**
 * A host as Windows without Npcap is to the engine, for tests of the command line: the engine's fake OS with eth0 at
 * 198.51.100.11/24, and the OS's resolver instead of frames, answering as {@link #resolver} is told.
 */
public final class HostWithoutCapture implements Host {
    public static final IpAddress OWN_ADDRESS = IpAddress.parseIpv4("198.51.100.11");

    public final TableArpResolver resolver;
    private final RecordingNetworkOs os = new RecordingNetworkOs(true);

    /** @param vip the VIP, which SendARP may ask from once it is up */
    public HostWithoutCapture(IpAddress vip) throws OsException {
        os.add(os.nic, new InterfaceAddress(OWN_ADDRESS, 24, ""));
        resolver = new TableArpResolver(Set.of(OWN_ADDRESS, vip));
    }

    @Override
    public NetworkOs open() {
        return os;
    }

    @Override
    public TakeoverEngine.ArpLinkOpener arpLinks() {
        return resolverOnly(resolver);
    }

    /** An opener that opens nothing and has {@code resolver} answer instead, as Windows without Npcap. */
    static TakeoverEngine.ArpLinkOpener resolverOnly(ArpResolver resolver) {
        return new TakeoverEngine.ArpLinkOpener() {
            @Override
            public ArpLink open(String captureDevice) {
                throw new AssertionError("nothing is opened where the resolver answers instead");
            }

            @Override
            public ArpResolver resolverInstead() {
                return resolver;
            }
        };
    }
}
