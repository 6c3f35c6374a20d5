package dev.vipctl.agent;

import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * This host, read for real and changed only in memory: interfaces and addresses come from the OS, adds and removes
 * apply to a copy of each interface's addresses that this object keeps, and frames go nowhere and none come. The
 * resident agent warms its request path up with it: the same code runs as for a real request, and nothing on the host
 * or the wire changes.
 */
public final class DryRun implements Host {
    private final Host real;
    /** Per interface: its addresses as this dry run has changed them; absent until the first change. */
    private final Map<String, List<InterfaceAddress>> changed = new HashMap<>();

    public DryRun(Host real) {
        this.real = real;
    }

    @Override
    public NetworkOs open() throws TakeoverException {
        NetworkOs os = real.open();
        return new NetworkOs() {
            @Override
            public NetInterface resolve(String name) throws OsException {
                return os.resolve(name);
            }

            @Override
            public List<InterfaceAddress> addresses(NetInterface nic) throws OsException {
                List<InterfaceAddress> read = os.addresses(nic);
                synchronized (changed) {
                    List<InterfaceAddress> mine = changed.get(nic.name());
                    return new ArrayList<>(mine == null ? read : mine);
                }
            }

            @Override
            public void add(NetInterface nic, InterfaceAddress address) throws OsException {
                List<InterfaceAddress> addresses = copy(nic);
                synchronized (changed) {
                    for (InterfaceAddress existing : addresses) {
                        if (existing.address().equals(address.address()) && existing.prefixLength() == address.prefixLength()) {
                            throw new OsException(OsException.Reason.ALREADY_EXISTS, 0, address + " exists (dry run)");
                        }
                    }
                    // As Linux lists it: the interface's name for no label, no lifetime, and secondary to an address of
                    // its subnet that came first.
                    EnumSet<AddressFlag> flags = EnumSet.of(AddressFlag.PERMANENT);
                    for (InterfaceAddress existing : addresses) {
                        if (existing.prefixLength() == address.prefixLength() && existing.address().isIpv4()
                                && existing.address().inIpv4Subnet(address.address(), address.prefixLength())) {
                            flags.add(AddressFlag.SECONDARY);
                        }
                    }
                    addresses.add(new InterfaceAddress(address.address(), address.prefixLength(),
                            address.label().isEmpty() ? nic.name() : address.label(), flags));
                }
            }

            @Override
            public void remove(NetInterface nic, InterfaceAddress address) throws OsException {
                List<InterfaceAddress> addresses = copy(nic);
                synchronized (changed) {
                    if (!addresses.removeIf(a -> a.address().equals(address.address()) && a.prefixLength() == address.prefixLength())) {
                        throw new OsException(OsException.Reason.NO_SUCH_ADDRESS, 0, address + " is not configured (dry run)");
                    }
                }
            }

            @Override
            public boolean promotesSecondaries(NetInterface nic) throws OsException {
                return os.promotesSecondaries(nic);
            }

            @Override
            public void close() {
                os.close();
            }

            /** The interface's changed addresses, first copied from the OS. */
            private List<InterfaceAddress> copy(NetInterface nic) throws OsException {
                List<InterfaceAddress> read = os.addresses(nic);
                synchronized (changed) {
                    return changed.computeIfAbsent(nic.name(), name -> new ArrayList<>(read));
                }
            }
        };
    }

    /** Sends nowhere and hears nothing: every wait ends at once, as if nobody answered. */
    @Override
    public TakeoverEngine.ArpLinkOpener arpLinks() {
        return new TakeoverEngine.ArpLinkOpener() {
            @Override
            public ArpLink open(String interfaceName) {
                return new ArpLink() {
                    @Override
                    public void send(byte[] frame) {
                        // the wire is not this dry run's to touch
                    }

                    @Override
                    public byte[] receive(long deadlineNanos) {
                        return null;
                    }
                };
            }
        };
    }
}
