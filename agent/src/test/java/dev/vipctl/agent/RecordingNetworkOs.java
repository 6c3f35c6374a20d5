package dev.vipctl.agent;

import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * An in-memory OS for the engine's call sequences: keeps one interface's addresses like the Linux kernel does
 * (first address of a subnet primary, later ones SECONDARY), records every call, and can be told to misreport.
 */
final class RecordingNetworkOs implements NetworkOs {
    final List<String> calls = new ArrayList<>();
    final List<InterfaceAddress> configured = new ArrayList<>();
    final NetInterface nic;
    /** Applied to each address as listed: lets a test make the OS report something other than what was added. */
    UnaryOperator<InterfaceAddress> reportAs = UnaryOperator.identity();
    boolean closed;

    RecordingNetworkOs(boolean up) {
        nic = new NetInterface("eth0", 2, MacAddress.parse("02:00:00:00:00:0a"), up, up);
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
        calls.add("add " + address);
        for (InterfaceAddress existing : configured) {
            if (existing.sameAddressAndPrefix(address)) {
                throw new OsException(OsException.Reason.ALREADY_EXISTS, 17, "exists");
            }
        }
        boolean secondary = false;
        for (InterfaceAddress existing : configured) {
            secondary |= existing.prefixLength() == address.prefixLength()
                    && (existing.address().ipv4Bits() ^ address.address().ipv4Bits()) >>> (32 - address.prefixLength()) == 0;
        }
        EnumSet<AddressFlag> flags = EnumSet.of(AddressFlag.PERMANENT);
        if (secondary) {
            flags.add(AddressFlag.SECONDARY);
        }
        configured.add(new InterfaceAddress(address.address(), address.prefixLength(), address.label(), flags));
    }

    @Override
    public void remove(NetInterface nic, InterfaceAddress address) throws OsException {
        calls.add("remove " + address.address() + "/" + address.prefixLength());
        if (!configured.removeIf(existing -> existing.sameAddressAndPrefix(address))) {
            throw new OsException(OsException.Reason.NO_SUCH_ADDRESS, 99, "not found");
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
