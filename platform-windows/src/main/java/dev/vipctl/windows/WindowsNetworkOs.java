package dev.vipctl.windows;

import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;
import dev.vipctl.os.OsException.Reason;
import dev.vipctl.windows.AdaptersCodec.Adapter;
import dev.vipctl.windows.UnicastAddressRowCodec.DadState;

import java.util.List;

/**
 * {@link NetworkOs} over the IP Helper API (docs/windows.md#windowsnetworkos). An interface is named by
 * its alias ("Ethernet", "Local Area Connection") and found by its LUID; addresses are IPv4 rows of the unicast
 * address table. Windows keeps no address labels and one prefix per address and interface.
 */
final class WindowsNetworkOs implements NetworkOs {
    /** Waits between two looks at an address whose duplicate address detection is running. */
    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    /** ipifcons.h IF_TYPE_ETHERNET_CSMACD 6 */
    private static final int IF_TYPE_ETHERNET_CSMACD = 6;
    /** ipifcons.h IF_TYPE_SOFTWARE_LOOPBACK 24 */
    private static final int IF_TYPE_SOFTWARE_LOOPBACK = 24;
    /** ifdef.h IF_OPER_STATUS IfOperStatusUp 1 */
    private static final int IF_OPER_STATUS_UP = 1;

    /** How often an added address's DadState is read while detection runs, and for how long at most (DAD_POLLS of them). */
    static final long DAD_POLL_MILLIS = 100;
    /** 10 s; how long Windows' detection takes has not been measured (docs/windows.md#duplicate-address-detection). */
    static final int DAD_POLLS = 100;

    private final IpHelper ipHelper;
    private final UnicastAddressRowCodec rows;
    private final AdaptersCodec adapters;
    private final NeighbourRowCodec neighbours;
    private final Sleeper sleeper;

    WindowsNetworkOs(IpHelper ipHelper, IpHelperLayout layout, Sleeper sleeper) {
        this.ipHelper = ipHelper;
        this.rows = new UnicastAddressRowCodec(layout);
        this.adapters = new AdaptersCodec(layout);
        this.neighbours = new NeighbourRowCodec(layout);
        this.sleeper = sleeper;
    }

    /**
     * Windows reports one state per adapter, OperStatus, with no administrative flag beside it in
     * IP_ADAPTER_ADDRESSES: an interface is up and running when OperStatus is Up, neither otherwise. ARP runs on an
     * Ethernet adapter with a 6-byte address; Windows has no per-interface switch to turn it off.
     */
    @Override
    public NetInterface resolve(String name) throws OsException {
        return nic(name, adapter(name));
    }

    /** The adapter with that alias: its LUID from ConvertInterfaceAliasToLuid, the rest from GetAdaptersAddresses. */
    Adapter adapter(String alias) throws OsException {
        long luid = luid(alias);
        IpHelper.Answer answer = ipHelper.adaptersAddresses();
        if (answer.errorCode != IpHelper.ERROR_NO_DATA) {
            check(answer.errorCode, "GetAdaptersAddresses", alias, Reason.NO_SUCH_INTERFACE);
            for (Adapter adapter : adapters.adapters(answer.bytes, answer.baseAddress)) {
                if (adapter.luid == luid) {
                    return adapter;
                }
            }
        }
        throw new OsException(Reason.NO_SUCH_INTERFACE, 0, "interface " + alias + " has LUID 0x" + Long.toHexString(luid)
                + ", but GetAdaptersAddresses does not list it: the adapter went away");
    }

    private static NetInterface nic(String name, Adapter adapter) {
        MacAddress mac = adapter.physicalAddress.length == 6 ? MacAddress.of(adapter.physicalAddress) : null;
        NetInterface.Arp arp = adapter.ifType == IF_TYPE_SOFTWARE_LOOPBACK ? NetInterface.Arp.LOOPBACK
                : adapter.ifType == IF_TYPE_ETHERNET_CSMACD && mac != null ? NetInterface.Arp.ON
                : NetInterface.Arp.NOT_ETHERNET;
        boolean up = adapter.operStatus == IF_OPER_STATUS_UP;
        return new NetInterface(name, adapter.ifIndex, mac, up, up, arp, Npcap.deviceName(adapter.adapterName));
    }

    @Override
    public List<InterfaceAddress> addresses(NetInterface nic) throws OsException {
        long luid = luid(nic.name());
        IpHelper.Answer table = ipHelper.unicastAddressTable();
        if (table.errorCode == IpHelper.ERROR_NOT_FOUND) {
            return List.of(); // GetUnicastIpAddressTable's answer when no IPv4 address exists on any interface
        }
        check(table.errorCode, "GetUnicastIpAddressTable", nic.name(), Reason.NO_SUCH_INTERFACE);
        return rows.addresses(table.bytes, luid);
    }

    /**
     * Creates the row, then waits for Windows' duplicate address detection to end. SkipAsSource keeps the VIP from
     * becoming the source address of the host's own connections. A duplicate is refused (REFUSED, not ALREADY_EXISTS:
     * the engine takes ALREADY_EXISTS for an add made on this host by someone else, and goes on) and its row removed,
     * as is one still tentative after the bound: either way the host is as it was.
     */
    @Override
    public void add(NetInterface nic, InterfaceAddress address) throws OsException {
        if (!address.label().isEmpty()) {
            throw new OsException(Reason.REFUSED, 0, "Windows keeps no address labels: cannot add " + address
                    + " to " + nic.name() + " with label " + address.label() + "; add it without one");
        }
        byte[] row = rows.row(address, luid(nic.name()), 0, true, DadState.INVALID);
        int created = ipHelper.createUnicastIpAddressEntry(row);
        if (created == IpHelper.ERROR_OBJECT_ALREADY_EXISTS) {
            throw new OsException(Reason.ALREADY_EXISTS, created, "CreateUnicastIpAddressEntry " + address + " on "
                    + nic.name() + ": " + name(created) + ": the address is configured there already, with this or"
                    + " another prefix (Windows keeps one prefix per address)");
        }
        check(created, "CreateUnicastIpAddressEntry " + address, nic.name(), Reason.NO_SUCH_INTERFACE);
        awaitDuplicateAddressDetection(nic, address, row);
    }

    private void awaitDuplicateAddressDetection(NetInterface nic, InterfaceAddress address, byte[] row) throws OsException {
        for (int poll = 0; poll <= DAD_POLLS; poll++) {
            byte[] read = row.clone();
            check(ipHelper.getUnicastIpAddressEntry(read), "GetUnicastIpAddressEntry " + address + " after adding it", nic.name(),
                    Reason.REFUSED);
            InterfaceAddress state = rows.address(read);
            if (state.has(AddressFlag.DAD_FAILED)) {
                removeAgain(nic, address, row, "another host on the link uses " + address.address()
                        + ": Windows' duplicate address detection found it (DadState Duplicate)");
            }
            if (!state.has(AddressFlag.TENTATIVE)) {
                return;
            }
            if (poll < DAD_POLLS) {
                try {
                    sleeper.sleep(DAD_POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    removeAgain(nic, address, row, "interrupted while Windows' duplicate address detection ran");
                }
            }
        }
        removeAgain(nic, address, row, "Windows' duplicate address detection did not end within "
                + DAD_POLLS * DAD_POLL_MILLIS + " ms (DadState still Tentative)");
    }

    /** Deletes the row just created and throws REFUSED with the reason, and with the delete's failure if it failed. */
    private void removeAgain(NetInterface nic, InterfaceAddress address, byte[] row, String reason) throws OsException {
        int deleted = ipHelper.deleteUnicastIpAddressEntry(row);
        throw new OsException(Reason.REFUSED, 0, "adding " + address + " to " + nic.name() + ": " + reason
                + (deleted == IpHelper.NO_ERROR ? "; removed it again" : "; removing it again failed too: " + name(deleted)));
    }

    /**
     * Windows finds the row to delete by its address alone and ignores the prefix, so the configured prefix is read
     * first: another prefix of the same address is not this address (NO_SUCH_ADDRESS), as on every OS. The label is
     * not compared: Windows keeps none.
     */
    @Override
    public void remove(NetInterface nic, InterfaceAddress address) throws OsException {
        byte[] row = rows.row(address, luid(nic.name()), 0, true, DadState.INVALID);
        byte[] configured = row.clone();
        int read = ipHelper.getUnicastIpAddressEntry(configured);
        if (read == IpHelper.ERROR_NOT_FOUND) {
            throw notConfigured(nic, address, read, "");
        }
        check(read, "GetUnicastIpAddressEntry " + address, nic.name(), Reason.NO_SUCH_ADDRESS);
        int prefixLength = rows.address(configured).prefixLength();
        if (prefixLength != address.prefixLength()) {
            throw notConfigured(nic, address, 0, " (it has " + address.address() + "/" + prefixLength + ")");
        }
        int deleted = ipHelper.deleteUnicastIpAddressEntry(row);
        if (deleted == IpHelper.ERROR_NOT_FOUND) {
            throw notConfigured(nic, address, deleted, " any more");
        }
        check(deleted, "DeleteUnicastIpAddressEntry " + address, nic.name(), Reason.NO_SUCH_ADDRESS);
    }

    private static OsException notConfigured(NetInterface nic, InterfaceAddress address, int errorCode, String detail) {
        return new OsException(Reason.NO_SUCH_ADDRESS, errorCode, address + " is not configured on " + nic.name() + detail);
    }

    /**
     * DeleteIpNetEntry2 for the address on the interface's LUID: only that entry, where the vendor's script deletes the
     * whole cache of every interface ({@code netsh interface ip delete arpcache}). ERROR_NOT_FOUND is taken for "no
     * such entry", nothing to do (docs/windows.md#flushing-the-neighbour-entry).
     */
    @Override
    public void flushNeighbour(NetInterface nic, IpAddress address) throws OsException {
        int deleted = ipHelper.deleteIpNetEntry2(neighbours.key(address, luid(nic.name()), 0));
        if (deleted != IpHelper.ERROR_NOT_FOUND) {
            check(deleted, "DeleteIpNetEntry2 " + address, nic.name(), Reason.NO_SUCH_INTERFACE);
        }
    }

    /** Windows has no primary and secondary addresses: removing one address never takes another with it. */
    @Override
    public boolean promotesSecondaries(NetInterface nic) {
        return true;
    }

    /** Nothing to release: IP Helper needs no handle, and each answer is copied before its call returns. */
    @Override
    public void close() {
    }

    private long luid(String alias) throws OsException {
        long[] luid = new long[1];
        int code = ipHelper.convertInterfaceAliasToLuid(alias, luid);
        if (code == IpHelper.ERROR_INVALID_PARAMETER || code == IpHelper.ERROR_NOT_FOUND) {
            throw new OsException(Reason.NO_SUCH_INTERFACE, code, "no interface has the alias " + alias
                    + " (ConvertInterfaceAliasToLuid: " + name(code) + "); Get-NetAdapter lists them");
        }
        check(code, "ConvertInterfaceAliasToLuid", alias, Reason.NO_SUCH_INTERFACE);
        return luid[0];
    }

    /**
     * Throws for any code but NO_ERROR: access denied is NOT_PERMITTED, not found is {@code notFound} (what the call
     * names that may not exist), anything else REFUSED, each with the code's name.
     */
    static void check(int code, String call, String interfaceName, Reason notFound) throws OsException {
        if (code == IpHelper.NO_ERROR) {
            return;
        }
        Reason reason = code == IpHelper.ERROR_ACCESS_DENIED ? Reason.NOT_PERMITTED
                : code == IpHelper.ERROR_NOT_FOUND ? notFound
                : Reason.REFUSED;
        String hint = reason == Reason.NOT_PERMITTED ? " (run vipctl as an elevated administrator)" : "";
        throw new OsException(reason, code, call + " on " + interfaceName + ": " + name(code) + hint);
    }

    /** The code as winerror.h names it, for the codes the IP Helper pages document. */
    static String name(int code) {
        switch (code) {
            case IpHelper.ERROR_ACCESS_DENIED:
                return "ERROR_ACCESS_DENIED (5)";
            case IpHelper.ERROR_INVALID_PARAMETER:
                return "ERROR_INVALID_PARAMETER (87)";
            case IpHelper.ERROR_NOT_SUPPORTED:
                return "ERROR_NOT_SUPPORTED (50)";
            case IpHelper.ERROR_NO_DATA:
                return "ERROR_NO_DATA (232)";
            case IpHelper.ERROR_NOT_FOUND:
                return "ERROR_NOT_FOUND (1168)";
            case IpHelper.ERROR_OBJECT_ALREADY_EXISTS:
                return "ERROR_OBJECT_ALREADY_EXISTS (5010)";
            default:
                return "Win32 error " + code;
        }
    }
}
