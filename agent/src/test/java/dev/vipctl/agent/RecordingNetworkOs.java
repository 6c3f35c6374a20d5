package dev.vipctl.agent;

import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * An in-memory OS for the engine's call sequences: keeps one interface's addresses like the Linux kernel does
 * (first address of a subnet primary, later ones SECONDARY, which go with their primary unless promoted), records
 * every call, and can be told to misreport.
 */
final class RecordingNetworkOs implements NetworkOs {
    final List<String> calls = new ArrayList<>();
    final List<InterfaceAddress> configured = new ArrayList<>();
    final NetInterface nic;
    /** Applied to each address as listed: lets a test make the OS report something other than what was added. */
    UnaryOperator<InterfaceAddress> reportAs = UnaryOperator.identity();
    boolean closed;
    /** What the OS says about net.ipv4.conf.IF.promote_secondaries (the Linux default is off). */
    boolean promotesSecondaries;
    /**
     * Each flushNeighbour call, kept apart from {@link #calls}: the address and whether it was configured at that moment
     * ("198.51.100.100 configured" or "... absent"), so a test sees where in the sequence the flush came.
     */
    final List<String> flushed = new ArrayList<>();
    /** What flushNeighbour throws, or null. */
    OsException flushFails;
    private final Map<String, Deque<Fault>> faults = new HashMap<>();

    /** How one add or remove goes wrong. */
    enum Fault {
        /** The kernel refuses it (EINVAL) and changes nothing. */
        REFUSE,
        /** The kernel carries it out, but its answer is lost (the receive timeout). */
        LOSE_ANSWER,
        /** The kernel's answer does not come, and nothing was done. */
        NO_ANSWER_UNDONE,
        /** remove: another actor removed the address just before. */
        VANISH
    }

    /** The next calls whose text (as in {@link #calls}, e.g. "remove 198.51.100.100/24") is {@code call} fail in turn. */
    void fault(String call, Fault... inTurn) {
        faults.computeIfAbsent(call, key -> new ArrayDeque<>()).addAll(List.of(inTurn));
    }

    private Fault nextFault(String call) {
        Deque<Fault> queued = faults.get(call);
        return queued == null ? null : queued.poll();
    }

    RecordingNetworkOs(boolean up) {
        this(up, up);
    }

    /** @param running carrier present; an interface that is up without it reports NO-CARRIER */
    RecordingNetworkOs(boolean up, boolean running) {
        this(new NetInterface("eth0", 2, MacAddress.parse("02:00:00:00:00:0a"), up, running, NetInterface.Arp.ON));
    }

    private RecordingNetworkOs(NetInterface nic) {
        this.nic = nic;
    }

    /** An up interface with carrier on which ARP does not run, as the kernel describes lo, a NOARP eth0 and a TUN device. */
    static RecordingNetworkOs withoutArp(NetInterface.Arp arp) {
        switch (arp) {
            case LOOPBACK:
                return new RecordingNetworkOs(new NetInterface("lo", 1, MacAddress.parse("00:00:00:00:00:00"), true, true, arp));
            case OFF:
                return new RecordingNetworkOs(new NetInterface("eth0", 2, MacAddress.parse("02:00:00:00:00:0a"), true, true, arp));
            case NOT_ETHERNET:
                return new RecordingNetworkOs(new NetInterface("tun0", 4, null, true, true, arp));
            default:
                throw new IllegalArgumentException("ARP runs on " + arp);
        }
    }

    @Override
    public NetInterface resolve(String name) throws OsException {
        calls.add("resolve " + name);
        if (!name.equals(nic.name())) {
            throw new OsException(OsException.Reason.NO_SUCH_INTERFACE, 19, "no device " + name);
        }
        return nic;
    }

    @Override
    public List<InterfaceAddress> addresses(NetInterface nic) {
        calls.add("list");
        List<InterfaceAddress> listed = new ArrayList<>();
        for (InterfaceAddress address : configured) {
            listed.add(reportAs.apply(address));
        }
        return listed;
    }

    @Override
    public void add(NetInterface nic, InterfaceAddress address) throws OsException {
        String call = "add " + address;
        calls.add(call);
        Fault fault = nextFault(call);
        if (fault == Fault.REFUSE) {
            throw new OsException(OsException.Reason.REFUSED, 22, "kernel refused to add " + address + ": EINVAL");
        }
        if (fault == Fault.NO_ANSWER_UNDONE) {
            throw noAnswer(call);
        }
        for (InterfaceAddress existing : configured) {
            if (existing.sameAddressAndPrefix(address)) {
                throw new OsException(OsException.Reason.ALREADY_EXISTS, 17, "exists");
            }
        }
        boolean secondary = false;
        for (InterfaceAddress existing : configured) {
            secondary |= sameSubnet(existing, address);
        }
        EnumSet<AddressFlag> flags = EnumSet.of(AddressFlag.PERMANENT);
        if (secondary) {
            flags.add(AddressFlag.SECONDARY);
        }
        configured.add(new InterfaceAddress(address.address(), address.prefixLength(), address.label(), flags));
        if (fault == Fault.LOSE_ANSWER) {
            throw noAnswer(call);
        }
    }

    private static OsException noAnswer(String call) {
        return new OsException(OsException.Reason.NO_ANSWER, 11, "cannot " + call + ": the kernel did not answer within 5 s");
    }

    @Override
    public void remove(NetInterface nic, InterfaceAddress address) throws OsException {
        String call = "remove " + address.address() + "/" + address.prefixLength();
        calls.add(call);
        Fault fault = nextFault(call);
        if (fault == Fault.REFUSE) {
            throw new OsException(OsException.Reason.REFUSED, 22, "kernel refused to " + call + ": EINVAL");
        }
        if (fault == Fault.NO_ANSWER_UNDONE) {
            throw noAnswer(call);
        }
        if (fault == Fault.VANISH) {
            configured.removeIf(existing -> existing.sameAddressAndPrefix(address));
        }
        InterfaceAddress removed = null;
        for (InterfaceAddress existing : configured) {
            if (existing.sameAddressAndPrefix(address)) {
                removed = existing;
            }
        }
        if (removed == null) {
            throw new OsException(OsException.Reason.NO_SUCH_ADDRESS, 99, "not found");
        }
        configured.remove(removed);
        if (!removed.has(AddressFlag.SECONDARY)) {
            dropOrPromoteSecondaries(removed);
        }
        if (fault == Fault.LOSE_ANSWER) {
            throw noAnswer(call);
        }
    }

    /** Like Linux (docs/linux.md#primary-and-secondary-addresses): the removed primary's secondaries go with it, or the first is promoted. */
    private void dropOrPromoteSecondaries(InterfaceAddress primary) {
        for (int i = 0; i < configured.size(); i++) {
            InterfaceAddress other = configured.get(i);
            if (!other.has(AddressFlag.SECONDARY) || !sameSubnet(other, primary)) {
                continue;
            }
            if (promotesSecondaries) {
                configured.set(i, new InterfaceAddress(other.address(), other.prefixLength(), other.label(), EnumSet.of(AddressFlag.PERMANENT)));
                return;
            }
            configured.remove(i--);
        }
    }

    private static boolean sameSubnet(InterfaceAddress a, InterfaceAddress b) {
        return a.prefixLength() == b.prefixLength() && a.address().inIpv4Subnet(b.address(), a.prefixLength());
    }

    @Override
    public boolean promotesSecondaries(NetInterface nic) {
        calls.add("promote_secondaries");
        return promotesSecondaries;
    }

    @Override
    public void flushNeighbour(NetInterface nic, IpAddress address) throws OsException {
        boolean configuredNow = configured.stream().anyMatch(existing -> existing.address().equals(address));
        flushed.add(address + (configuredNow ? " configured" : " absent"));
        if (flushFails != null) {
            throw flushFails;
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
