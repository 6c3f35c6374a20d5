package dev.vipctl.linux;

import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;

import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The Linux network configuration over one rtnetlink socket (docs/linux.md#rtnetlink): no {@code ip} process, one request
 * and its ACK per change. The socket belongs to the network namespace of the thread that called {@link #open()}.
 * Errors carry the kernel's errno, mapped onto {@link OsException.Reason} (ENODEV: no such interface, EPERM/EACCES:
 * not permitted, EEXIST: already exists, EADDRNOTAVAIL: no such address, others: refused), and its own words.
 */
public final class LinuxNetworkOs implements NetworkOs {
    /**
     * A dump is repeated while it is incomplete (interrupted by a concurrent change, or part of it lost); this bounds a
     * change storm.
     */
    private static final int DUMP_ATTEMPTS = 5;

    private final RtnetlinkCodec codec;
    private final RtnetlinkSocket socket;

    private LinuxNetworkOs(RtnetlinkCodec codec, RtnetlinkSocket socket) {
        this.codec = codec;
        this.socket = socket;
    }

    /** Opens the rtnetlink socket in the calling thread's network namespace. */
    public static LinuxNetworkOs open() throws OsException {
        RtnetlinkCodec codec = new RtnetlinkCodec(ByteOrder.nativeOrder());
        return new LinuxNetworkOs(codec, RtnetlinkSocket.open(codec));
    }

    @Override
    public NetInterface resolve(String name) throws OsException {
        List<RtnetlinkCodec.Message> replies;
        try {
            replies = socket.request(codec.getLink(socket.nextSequence(), name), "look up interface " + name);
        } catch (OsException e) {
            if (e.reason() != OsException.Reason.NO_SUCH_INTERFACE) {
                throw e;
            }
            // The kernel gives no text for this one (recorded getlink-enodev.hex): say it plainly.
            throw new OsException(e.reason(), e.errorCode(), "there is no interface named " + name + " in this network namespace: "
                    + Errno.describe(e.errorCode()));
        }
        for (RtnetlinkCodec.Message reply : replies) {
            if (reply.type() == RtnetlinkCodec.RTM_NEWLINK) {
                return codec.link(reply);
            }
        }
        throw new OsException(OsException.Reason.IO, 0, "the kernel acknowledged the lookup of interface " + name + " but sent no description of it");
    }

    /**
     * The interface's IPv4 addresses in the kernel's order (a subnet's primary before its secondaries). The label is
     * the kernel's: an address added without one carries the interface's name.
     */
    @Override
    public List<InterfaceAddress> addresses(NetInterface nic) throws OsException {
        String action = "list the addresses of " + nic.name();
        String incomplete = null;
        for (int attempt = 1; attempt <= DUMP_ATTEMPTS; attempt++) {
            RtnetlinkCodec.Replies dump = socket.dump(codec.dumpIpv4Addresses(socket.nextSequence(), nic.index()), action);
            incomplete = dump.incomplete();
            if (incomplete != null) {
                continue;
            }
            List<InterfaceAddress> addresses = new ArrayList<>();
            for (RtnetlinkCodec.Message message : dump.messages()) {
                RtnetlinkCodec.AddressEntry entry = codec.address(message);
                // The kernel filters by index and family only on kernels with NETLINK_GET_STRICT_CHK (docs/linux.md#listing-addresses).
                if (entry.interfaceIndex() == nic.index() && entry.address().address().isIpv4()) {
                    addresses.add(entry.address());
                }
            }
            return addresses;
        }
        throw new OsException(OsException.Reason.IO, 0, "cannot " + action + ": each of " + DUMP_ATTEMPTS
                + " attempts to read them was incomplete, the last because " + incomplete);
    }

    @Override
    public void add(NetInterface nic, InterfaceAddress address) throws OsException {
        requireIpv4(address);
        socket.request(codec.newAddress(socket.nextSequence(), nic.index(), address), "add " + describe(address) + " to " + nic.name());
    }

    @Override
    public void remove(NetInterface nic, InterfaceAddress address) throws OsException {
        requireIpv4(address);
        socket.request(codec.deleteAddress(socket.nextSequence(), nic.index(), address), "remove " + describe(address) + " from " + nic.name());
    }

    /** net.ipv4.conf.{all,IF}.promote_secondaries, combined by IN_DEV_ORCONF (kernel include/linux/inetdevice.h). */
    @Override
    public boolean promotesSecondaries(NetInterface nic) throws OsException {
        Ipv4Conf conf = Ipv4Conf.system();
        try {
            return conf.read("all", "promote_secondaries") != 0 || conf.read(nic.name(), "promote_secondaries") != 0;
        } catch (IOException e) {
            throw new OsException(OsException.Reason.IO, 0, "cannot read promote_secondaries of " + nic.name() + ": " + e.getMessage());
        }
    }

    /** The contract is IPv4: {@link #addresses} lists only IPv4, so an IPv6 address added here could never be verified. */
    private static void requireIpv4(InterfaceAddress address) {
        if (!address.address().isIpv4()) {
            throw new IllegalArgumentException("only IPv4 addresses are supported, not " + address.address());
        }
    }

    private static String describe(InterfaceAddress address) {
        return address.address() + "/" + address.prefixLength() + (address.label().isEmpty() ? "" : " (label " + address.label() + ")");
    }

    /**
     * The bytes the kernel has sent this OS's socket so far, whether vipctl kept them or not: the growth between two
     * calls is what a request cost on the wire of netlink, e.g. whether a dump of one interface carried the others'.
     */
    public long bytesReceived() {
        return socket.bytesReceived();
    }

    @Override
    public void close() {
        socket.close();
    }
}
