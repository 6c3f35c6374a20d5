package dev.vipctl.windows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * IP Helper as Microsoft documents it (docs/windows.md#windowsnetworkos), kept in memory: adapters laid out as Windows
 * lays out GetAdaptersAddresses' buffer for the architecture (AdaptersBuffer), a unicast address table keyed, as
 * Windows keys it, by interface and address alone, and the documented codes. Duplicate address detection runs as the
 * test scripts it. Row offsets are written out here from docs/windows.md#mib_unicastipaddress_row, not taken from the
 * codec under test; they are the same on every architecture. It also keeps the host's neighbour (ARP) cache, entries
 * learned as a test says (docs/windows.md#mib_ipnet_row2 for DeleteIpNetEntry2's row).
 */
class DocumentedIpHelper implements IpHelper {
    /** What duplicate address detection makes of the next address created. */
    enum Dad {
        /** Tentative for {@link #tentativePolls} reads, then Preferred. */
        PREFERRED,
        /** Tentative for {@link #tentativePolls} reads, then Duplicate: another host answered. */
        DUPLICATE,
        /** Tentative for ever. */
        NEVER_ENDS
    }

    static final long ETHERNET_LUID = 0x0006000001000000L;
    static final int ETHERNET_INDEX = 12;
    static final byte[] ETHERNET_MAC = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
    static final long LOOPBACK_LUID = 0x0018000000000000L;

    private static final int AF_INET = 2;
    private static final int ORIGIN_UNCHANGED = 16;
    private static final int DAD_TENTATIVE = 1;
    private static final int DAD_DUPLICATE = 2;
    private static final int DAD_PREFERRED = 4;

    private final AdaptersBuffer layout;
    private final Map<String, AdaptersBuffer.Entry> adapters = new LinkedHashMap<>();
    /** Rows by interface LUID and address, in the order they were created. */
    private final Map<String, byte[]> rows = new LinkedHashMap<>();
    private final Map<String, Integer> readsUntilDadEnds = new HashMap<>();
    private final Map<String, Dad> dadOutcome = new HashMap<>();
    /** The neighbour cache: "LUID address" keys, as Windows keys an entry by interface and address. */
    private final List<String> neighbours = new ArrayList<>();
    /** MIB_IPINTERFACE_ROW.DadTransmits of each adapter's IPv4 interface, by LUID: 3 unless a test sets it. */
    private final Map<Long, Integer> dadTransmits = new HashMap<>();

    Dad dad = Dad.PREFERRED;
    int tentativePolls = 2;
    /**
     * What Create- and DeleteUnicastIpAddressEntry and DeleteIpNetEntry2 answer before looking at the row, NO_ERROR for
     * nothing: their pages' ERROR_ACCESS_DENIED (the caller is not an elevated administrator), ERROR_NOT_SUPPORTED (no
     * IPv4 stack).
     */
    int changesFailWith = NO_ERROR;
    final List<String> calls = new ArrayList<>();
    /** The hosts on the link that answer ARP, by address ("198.51.100.20"): SendARP's answers. */
    final Map<String, byte[]> answeringOnTheLink = new HashMap<>();
    /** The last MIB_IPINTERFACE_ROW GetIpInterfaceEntry was given, as given. */
    byte[] interfaceRowAsked;

    DocumentedIpHelper(boolean x64) {
        layout = new AdaptersBuffer(x64);
        adapters.put("Ethernet", new AdaptersBuffer.Entry(ETHERNET_INDEX, ETHERNET_LUID, "Ethernet",
                "{4D36E972-E325-11CE-BFC1-08002BE10318}", ETHERNET_MAC, 6, 1));
        adapters.put("Ethernet 2", new AdaptersBuffer.Entry(13, 0x0006000002000000L, "Ethernet 2",
                "{4D36E972-E325-11CE-BFC1-08002BE10319}", new byte[] {0x02, 0x00, 0x5e, 0x10, 0x00, 0x02}, 6, 2));
        adapters.put("Loopback Pseudo-Interface 1", new AdaptersBuffer.Entry(1, LOOPBACK_LUID, "Loopback Pseudo-Interface 1",
                "{A1B2C3D4-0000-0000-0000-000000000001}", new byte[0], 24, 1));
        configured(ETHERNET_LUID, new byte[] {(byte) 198, 51, 100, 2}, 24);
        configured(LOOPBACK_LUID, new byte[] {127, 0, 0, 1}, 8);
    }

    /** An administrator's DHCP setting of the adapter: IP_ADAPTER_DHCP_ENABLED (0x4) in its Flags. */
    void dhcp(String alias, boolean enabled) {
        AdaptersBuffer.Entry adapter = adapters.get(alias);
        adapter.flags = enabled ? adapter.flags | 0x4 : adapter.flags & ~0x4;
    }

    /** An administrator's {@code netsh interface ipv4 set interface ALIAS dadtransmits=N}. */
    void dadTransmits(String alias, int transmits) {
        dadTransmits.put(adapters.get(alias).luid, transmits);
    }

    /** The adapter is gone (unplugged, disabled, its driver removed): nothing knows its alias or LUID any more. */
    void removeAdapter(String alias) {
        adapters.remove(alias);
    }

    /** The interface's addresses as the fake keeps them: "198.51.100.2/24". */
    List<String> addressesOf(long luid) {
        List<String> addresses = new ArrayList<>();
        for (byte[] row : rows.values()) {
            ByteBuffer bytes = ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN);
            if (bytes.getLong(32) == luid) {
                addresses.add((row[4] & 0xff) + "." + (row[5] & 0xff) + "." + (row[6] & 0xff) + "." + (row[7] & 0xff) + "/" + row[60]);
            }
        }
        return addresses;
    }

    /** The host has learned a MAC for {@code address} on the interface (it sent to it, or ARP told it). */
    void learnNeighbour(long luid, byte[] address) {
        neighbours.add(neighbourKey(luid, address));
    }

    /** Whether the host's neighbour cache has an entry for the address on the interface. */
    boolean hasNeighbour(long luid, byte[] address) {
        return neighbours.contains(neighbourKey(luid, address));
    }

    @Override
    public int convertInterfaceAliasToLuid(String alias, long[] luid) {
        calls.add("ConvertInterfaceAliasToLuid");
        AdaptersBuffer.Entry adapter = adapters.get(alias);
        if (adapter == null) {
            return ERROR_INVALID_PARAMETER; // ConvertInterfaceAliasToLuid's answer for an alias no interface has
        }
        luid[0] = adapter.luid;
        return NO_ERROR;
    }

    @Override
    public Answer adaptersAddresses() {
        calls.add("GetAdaptersAddresses");
        if (adapters.isEmpty()) {
            return new Answer(ERROR_NO_DATA, new byte[0], 0);
        }
        return new Answer(NO_ERROR, layout.build(new ArrayList<>(adapters.values())), layout.baseAddress);
    }

    @Override
    public Answer unicastAddressTable() {
        calls.add("GetUnicastIpAddressTable");
        if (rows.isEmpty()) {
            return new Answer(ERROR_NOT_FOUND, new byte[0], 0);
        }
        ByteBuffer table = ByteBuffer.allocate(8 + 80 * rows.size()).order(ByteOrder.LITTLE_ENDIAN);
        table.putInt(0, rows.size());
        int at = 8;
        for (byte[] row : rows.values()) {
            System.arraycopy(row, 0, table.array(), at, 80);
            at += 80;
        }
        return new Answer(NO_ERROR, table.array(), 0x10000);
    }

    @Override
    public int createUnicastIpAddressEntry(byte[] row) {
        calls.add("CreateUnicastIpAddressEntry");
        if (changesFailWith != NO_ERROR) {
            return changesFailWith;
        }
        ByteBuffer bytes = ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN);
        int prefixOrigin = bytes.getInt(44);
        int suffixOrigin = bytes.getInt(48);
        if (bytes.getShort(0) != AF_INET || row[60] > 32 || (prefixOrigin == ORIGIN_UNCHANGED) != (suffixOrigin == ORIGIN_UNCHANGED)
                || Integer.compareUnsigned(bytes.getInt(52), bytes.getInt(56)) < 0) {
            return ERROR_INVALID_PARAMETER;
        }
        AdaptersBuffer.Entry adapter = adapter(bytes.getLong(32));
        if (adapter == null) {
            return ERROR_NOT_FOUND; // the interface named by the LUID does not exist
        }
        String key = key(adapter.luid, row);
        if (rows.containsKey(key)) {
            return ERROR_OBJECT_ALREADY_EXISTS; // the address is on the interface already, whatever its prefix
        }
        byte[] stored = row.clone();
        ByteBuffer.wrap(stored).order(ByteOrder.LITTLE_ENDIAN).putInt(40, adapter.ifIndex).putInt(64, DAD_TENTATIVE).putLong(72, 133_000_000_000_000_000L);
        rows.put(key, stored);
        readsUntilDadEnds.put(key, tentativePolls);
        dadOutcome.put(key, dad);
        return NO_ERROR;
    }

    @Override
    public int deleteUnicastIpAddressEntry(byte[] row) {
        calls.add("DeleteUnicastIpAddressEntry");
        if (changesFailWith != NO_ERROR) {
            return changesFailWith;
        }
        AdaptersBuffer.Entry adapter = adapter(ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN).getLong(32));
        if (adapter == null || rows.remove(key(adapter.luid, row)) == null) {
            return ERROR_NOT_FOUND; // the prefix is not part of the key: any prefix of the address goes
        }
        return NO_ERROR;
    }

    @Override
    public int getUnicastIpAddressEntry(byte[] row) {
        calls.add("GetUnicastIpAddressEntry");
        AdaptersBuffer.Entry adapter = adapter(ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN).getLong(32));
        String key = adapter == null ? null : key(adapter.luid, row);
        byte[] stored = key == null ? null : rows.get(key);
        if (stored == null) {
            return ERROR_NOT_FOUND;
        }
        Integer reads = readsUntilDadEnds.get(key);
        if (reads != null && dadOutcome.get(key) != Dad.NEVER_ENDS) {
            if (reads == 0) {
                ByteBuffer.wrap(stored).order(ByteOrder.LITTLE_ENDIAN).putInt(64, dadOutcome.get(key) == Dad.DUPLICATE ? DAD_DUPLICATE : DAD_PREFERRED);
                readsUntilDadEnds.remove(key);
            } else {
                readsUntilDadEnds.put(key, reads - 1);
            }
        }
        System.arraycopy(stored, 0, row, 0, 80);
        return NO_ERROR;
    }

    /**
     * Its page: Address must be a valid address and family, and InterfaceLuid or, where that is 0, InterfaceIndex must
     * name the interface (ERROR_INVALID_PARAMETER if both are 0, ERROR_NOT_FOUND if there is no such interface). An
     * entry the cache does not hold is taken to be ERROR_NOT_FOUND too, which the page does not say.
     */
    @Override
    public int deleteIpNetEntry2(byte[] row) {
        calls.add("DeleteIpNetEntry2");
        if (changesFailWith != NO_ERROR) {
            return changesFailWith;
        }
        ByteBuffer bytes = ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN);
        long luid = bytes.getLong(32);
        int index = bytes.getInt(28);
        if (row.length != 88 || bytes.getShort(0) != AF_INET || luid == 0 && index == 0) {
            return ERROR_INVALID_PARAMETER;
        }
        AdaptersBuffer.Entry adapter = luid != 0 ? adapter(luid) : adapterWithIndex(index);
        if (adapter == null || !neighbours.remove(neighbourKey(adapter.luid, Arrays.copyOfRange(row, 4, 8)))) {
            return ERROR_NOT_FOUND;
        }
        return NO_ERROR;
    }

    /**
     * SendARP as its page documents it: ERROR_NOT_FOUND for a source address that is not this host's, the neighbour's
     * MAC (6 bytes) when it answers, ERROR_BAD_NET_NAME when nobody does. IPAddr is read as Windows lays the DWORD out
     * in memory, little-endian: its bytes in order are the address.
     */
    @Override
    public int sendArp(int destIp, int srcIp, byte[] mac, int[] length) {
        calls.add("SendARP");
        if (srcIp != 0 && !isLocal(dotted(srcIp))) {
            return ERROR_NOT_FOUND;
        }
        byte[] answer = answeringOnTheLink.get(dotted(destIp));
        if (answer == null) {
            return ERROR_BAD_NET_NAME;
        }
        System.arraycopy(answer, 0, mac, 0, answer.length);
        length[0] = answer.length;
        return NO_ERROR;
    }

    private static String dotted(int ipAddr) {
        return (ipAddr & 0xff) + "." + (ipAddr >>> 8 & 0xff) + "." + (ipAddr >>> 16 & 0xff) + "." + (ipAddr >>> 24 & 0xff);
    }

    private boolean isLocal(String address) {
        for (byte[] row : rows.values()) {
            if (((row[4] & 0xff) + "." + (row[5] & 0xff) + "." + (row[6] & 0xff) + "." + (row[7] & 0xff)).equals(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * GetIpInterfaceEntry: Family must be AF_INET or AF_INET6 and the LUID or the index set, else
     * ERROR_INVALID_PARAMETER; an interface neither names is ERROR_NOT_FOUND (its page). Offsets from
     * docs/windows.md#mib_ipinterface_row: Family 0, InterfaceLuid 8, InterfaceIndex 16, DadTransmits 56; 168 bytes.
     */
    @Override
    public int getIpInterfaceEntry(byte[] row) {
        calls.add("GetIpInterfaceEntry");
        interfaceRowAsked = row.clone();
        ByteBuffer bytes = ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN);
        short family = bytes.getShort(0);
        long luid = bytes.getLong(8);
        int index = bytes.getInt(16);
        if (row.length != 168 || (family != AF_INET && family != 23) || (luid == 0 && index == 0)) {
            return ERROR_INVALID_PARAMETER;
        }
        AdaptersBuffer.Entry found = luid != 0 ? adapter(luid) : adapterWithIndex(index);
        if (found == null) {
            return ERROR_NOT_FOUND;
        }
        bytes.putLong(8, found.luid).putInt(16, found.ifIndex).putInt(56, dadTransmits.getOrDefault(found.luid, 3));
        return NO_ERROR;
    }

    private void configured(long luid, byte[] address, int prefixLength) {
        byte[] row = new byte[80];
        ByteBuffer bytes = ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putShort(0, (short) AF_INET).putLong(32, luid).putInt(44, 1).putInt(48, 1).putInt(52, -1).putInt(56, -1).putInt(64, DAD_PREFERRED);
        System.arraycopy(address, 0, row, 4, 4);
        row[60] = (byte) prefixLength;
        rows.put(key(luid, row), row);
    }

    private AdaptersBuffer.Entry adapter(long luid) {
        for (AdaptersBuffer.Entry adapter : adapters.values()) {
            if (adapter.luid == luid) {
                return adapter;
            }
        }
        return null;
    }

    private AdaptersBuffer.Entry adapterWithIndex(int ifIndex) {
        for (AdaptersBuffer.Entry adapter : adapters.values()) {
            if (adapter.ifIndex == ifIndex) {
                return adapter;
            }
        }
        return null;
    }

    private static String neighbourKey(long luid, byte[] address) {
        return Long.toHexString(luid) + " " + Arrays.toString(address);
    }

    /** Windows' key of a row: the interface and the address, not the prefix. */
    private static String key(long luid, byte[] row) {
        return Long.toHexString(luid) + " " + Arrays.toString(Arrays.copyOfRange(row, 4, 8));
    }
}
