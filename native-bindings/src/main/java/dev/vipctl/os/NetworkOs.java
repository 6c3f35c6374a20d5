package dev.vipctl.os;

import java.util.List;

/**
 * The contract between the agent and one operating system's network configuration. One implementation per
 * OS; an instance holds whatever handles it opened (a netlink socket, an ioctl socket) until {@link #close()}.
 */
public interface NetworkOs extends AutoCloseable {

    /** Looks the interface up by name. Throws {@link OsException.Reason#NO_SUCH_INTERFACE} if it does not exist. */
    NetInterface resolve(String name) throws OsException;

    /** The IPv4 addresses configured on the interface, with prefix length, label and flags, as the OS reports them now. */
    List<InterfaceAddress> addresses(NetInterface nic) throws OsException;

    /**
     * Adds the address with its prefix length and label (empty: none). Throws
     * {@link OsException.Reason#ALREADY_EXISTS} if the same address and prefix length are configured.
     */
    void add(NetInterface nic, InterfaceAddress address) throws OsException;

    /**
     * Removes exactly this address (address, prefix length and, where the OS keeps one, label) and nothing else.
     * Throws {@link OsException.Reason#NO_SUCH_ADDRESS} if it is not configured.
     */
    void remove(NetInterface nic, InterfaceAddress address) throws OsException;

    /**
     * Whether removing a subnet's primary address keeps its secondary addresses (promoting one). Linux deletes them
     * with it unless {@code promote_secondaries} is set (docs/linux.md#primary-and-secondary-addresses); an OS without the notion keeps them.
     */
    boolean promotesSecondaries(NetInterface nic) throws OsException;

    /**
     * Deletes this host's own neighbour (ARP) cache entry for the address on the interface, if it has one, so that
     * its next packet to the address asks the link who holds it now. No entry is not an error. The engine calls this
     * after it added or removed a VIP, as the Windows procedure it replaces deletes the ARP cache then
     * (docs/windows.md#flushing-the-neighbour-entry); a failure is reported, not undone. The default does nothing: the
     * procedures vipctl replaces on the other systems leave the cache to the OS.
     */
    default void flushNeighbour(NetInterface nic, IpAddress address) throws OsException {
    }

    @Override
    void close();
}
