package dev.vipctl.windows;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.WString;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

import java.util.List;

/**
 * {@link IpHelper} over {@code iphlpapi.dll} through JNA: each call is one native call and a copy of bytes in or out.
 * The DLL is loaded at the first call, not before, so this class loads on any OS.
 *
 * <p>Each function is looked up by name with {@link Function#ALT_CONVENTION}: IP Helper's functions are {@code WINAPI},
 * which is {@code __stdcall} on 32-bit x86 (mingw {@code netioapi.h}: {@code #define NETIOAPI_API_ WINAPI}); x64
 * and ARM64 have one convention. The flag is the one a {@code StdCallLibrary} interface passes on every Windows
 * architecture (its STDCALL_CONVENTION is ALT_CONVENTION, 63, in JNA 5.19.1); such an interface would load the DLL when
 * it is created and spread the names over method declarations, where here they are {@link #FUNCTIONS}, the list the
 * tests compare with docs/windows.md.
 *
 * <p>InitializeUnicastIpAddressEntry is not called: it sets a row's defaults (both origins Unchanged, lifetimes
 * infinite, the rest zero), and {@link UnicastAddressRowCodec} writes every byte of the row itself.
 */
final class IpHelperJna implements IpHelper {
    static final String CONVERT_INTERFACE_ALIAS_TO_LUID = "ConvertInterfaceAliasToLuid";
    static final String GET_ADAPTERS_ADDRESSES = "GetAdaptersAddresses";
    static final String GET_UNICAST_IP_ADDRESS_TABLE = "GetUnicastIpAddressTable";
    static final String FREE_MIB_TABLE = "FreeMibTable";
    static final String CREATE_UNICAST_IP_ADDRESS_ENTRY = "CreateUnicastIpAddressEntry";
    static final String DELETE_UNICAST_IP_ADDRESS_ENTRY = "DeleteUnicastIpAddressEntry";
    static final String GET_UNICAST_IP_ADDRESS_ENTRY = "GetUnicastIpAddressEntry";
    static final String DELETE_IP_NET_ENTRY2 = "DeleteIpNetEntry2";
    static final String SEND_ARP = "SendARP";
    static final String GET_IP_INTERFACE_ENTRY = "GetIpInterfaceEntry";
    /** Every iphlpapi.dll export this class calls. */
    static final List<String> FUNCTIONS = List.of(CONVERT_INTERFACE_ALIAS_TO_LUID, GET_ADAPTERS_ADDRESSES,
            GET_UNICAST_IP_ADDRESS_TABLE, FREE_MIB_TABLE, CREATE_UNICAST_IP_ADDRESS_ENTRY, DELETE_UNICAST_IP_ADDRESS_ENTRY,
            GET_UNICAST_IP_ADDRESS_ENTRY, DELETE_IP_NET_ENTRY2, SEND_ARP, GET_IP_INTERFACE_ENTRY);

    private static final String LIBRARY = "iphlpapi";
    /** iptypes.h GAA_FLAG_SKIP_ANYCAST 0x2, GAA_FLAG_SKIP_MULTICAST 0x4, GAA_FLAG_SKIP_DNS_SERVER 0x8 */
    private static final int SKIP_ANYCAST_MULTICAST_DNS = 0x2 | 0x4 | 0x8;
    /** winerror.h ERROR_BUFFER_OVERFLOW 111: GetAdaptersAddresses wrote the size it needs into its last argument. */
    private static final int ERROR_BUFFER_OVERFLOW = 111;
    /**
     * GetAdaptersAddresses' first buffer: 15 KB, what its page recommends (WORKING_BUFFER_SIZE 15000 in its example),
     * enough for most hosts in one call.
     */
    private static final int FIRST_ADAPTERS_BUFFER = 15_000;
    /**
     * Calls before giving up on a chain that keeps growing (adapters added between the calls); the page's example
     * makes three (MAX_TRIES 3). The last ERROR_BUFFER_OVERFLOW is then the answer.
     */
    private static final int ADAPTERS_TRIES = 3;

    private final IpHelperLayout layout;

    IpHelperJna(IpHelperLayout layout) {
        this.layout = layout;
    }

    private static Function function(String name) {
        return Function.getFunction(LIBRARY, name, Function.ALT_CONVENTION);
    }

    @Override
    public int convertInterfaceAliasToLuid(String alias, long[] luid) {
        Memory netLuid = new Memory(layout.luidSize);
        int code = function(CONVERT_INTERFACE_ALIAS_TO_LUID).invokeInt(new Object[] {new WString(alias), netLuid});
        luid[0] = netLuid.getLong(0);
        return code;
    }

    @Override
    public Answer adaptersAddresses() {
        IntByReference size = new IntByReference(FIRST_ADAPTERS_BUFFER);
        for (int tries = 1; ; tries++) {
            Memory buffer = new Memory(Integer.toUnsignedLong(size.getValue()));
            int code = function(GET_ADAPTERS_ADDRESSES).invokeInt(
                    new Object[] {UnicastAddressRowCodec.AF_INET, SKIP_ANYCAST_MULTICAST_DNS, Pointer.NULL, buffer, size});
            if (code != ERROR_BUFFER_OVERFLOW || tries == ADAPTERS_TRIES) {
                byte[] bytes = code == NO_ERROR ? buffer.getByteArray(0, (int) buffer.size()) : new byte[0];
                return new Answer(code, bytes, Pointer.nativeValue(buffer));
            }
        }
    }

    @Override
    public Answer unicastAddressTable() {
        PointerByReference tableAddress = new PointerByReference();
        // Its Family is an ADDRESS_FAMILY, a USHORT (ws2def.h), where GetAdaptersAddresses' is a ULONG.
        int code = function(GET_UNICAST_IP_ADDRESS_TABLE).invokeInt(new Object[] {(short) UnicastAddressRowCodec.AF_INET, tableAddress});
        if (code != NO_ERROR) {
            return new Answer(code, new byte[0], 0);
        }
        Pointer table = tableAddress.getValue();
        try {
            int rows = table.getInt(layout.tableNumEntries);
            return new Answer(code, table.getByteArray(0, layout.tableFirstRow + rows * layout.rowSize), Pointer.nativeValue(table));
        } finally {
            function(FREE_MIB_TABLE).invokeVoid(new Object[] {table});
        }
    }

    @Override
    public int createUnicastIpAddressEntry(byte[] row) {
        return function(CREATE_UNICAST_IP_ADDRESS_ENTRY).invokeInt(new Object[] {copyOf(row)});
    }

    @Override
    public int deleteUnicastIpAddressEntry(byte[] row) {
        return function(DELETE_UNICAST_IP_ADDRESS_ENTRY).invokeInt(new Object[] {copyOf(row)});
    }

    @Override
    public int getUnicastIpAddressEntry(byte[] row) {
        Memory nativeRow = copyOf(row);
        int code = function(GET_UNICAST_IP_ADDRESS_ENTRY).invokeInt(new Object[] {nativeRow});
        nativeRow.read(0, row, 0, row.length);
        return code;
    }

    @Override
    public int deleteIpNetEntry2(byte[] row) {
        return function(DELETE_IP_NET_ENTRY2).invokeInt(new Object[] {copyOf(row)});
    }

    @Override
    public int sendArp(int destIp, int srcIp, byte[] mac, int[] length) {
        Memory macAddress = new Memory(mac.length);
        IntByReference macLength = new IntByReference(mac.length);
        int code = function(SEND_ARP).invokeInt(new Object[] {destIp, srcIp, macAddress, macLength});
        length[0] = macLength.getValue();
        macAddress.read(0, mac, 0, mac.length);
        return code;
    }

    @Override
    public int getIpInterfaceEntry(byte[] row) {
        Memory nativeRow = copyOf(row);
        int code = function(GET_IP_INTERFACE_ENTRY).invokeInt(new Object[] {nativeRow});
        nativeRow.read(0, row, 0, row.length);
        return code;
    }

    private static Memory copyOf(byte[] row) {
        Memory nativeRow = new Memory(row.length);
        nativeRow.write(0, row, 0, row.length);
        return nativeRow;
    }
}
