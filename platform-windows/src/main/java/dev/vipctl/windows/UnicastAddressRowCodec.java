package dev.vipctl.windows;

import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.OsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Builds the MIB_UNICASTIPADDRESS_ROW that CreateUnicastIpAddressEntry and DeleteUnicastIpAddressEntry take, and reads
 * the rows and tables that GetUnicastIpAddressEntry and GetUnicastIpAddressTable return (docs/windows.md#mib_unicastipaddress_row),
 * over plain bytes so every layout is testable on any machine. Windows runs little-endian on every architecture it
 * supports; addresses are in network order. IPv4 only, as the rest of vipctl: an IPv6 row in a table is skipped.
 */
final class UnicastAddressRowCodec {
    /** ws2def.h */
    static final int AF_INET = 2;
    /** ws2def.h (not Linux's 10) */
    private static final int AF_INET6 = 23;
    /** nldef.h NL_PREFIX_ORIGIN */
    private static final int IP_PREFIX_ORIGIN_MANUAL = 1;
    /** nldef.h NL_SUFFIX_ORIGIN */
    private static final int IP_SUFFIX_ORIGIN_MANUAL = 1;
    /** netioapi.h MIB_UNICASTIPADDRESS_ROW: a ValidLifetime or PreferredLifetime of 0xffffffff seconds is infinite */
    private static final int INFINITE_LIFETIME = 0xffffffff;

    /** nldef.h NL_DAD_STATE: where duplicate address detection stands for an address. */
    enum DadState {
        /** IpDadStateInvalid 0 */
        INVALID(0),
        /** IpDadStateTentative 1: detection still running; the address is not usable yet. */
        TENTATIVE(1),
        /** IpDadStateDuplicate 2: another host holds the address. */
        DUPLICATE(2),
        /** IpDadStateDeprecated 3: valid, but no longer preferred as a source address. */
        DEPRECATED(3),
        /** IpDadStatePreferred 4: usable. */
        PREFERRED(4);

        final int value;

        DadState(int value) {
            this.value = value;
        }
    }

    private final IpHelperLayout layout;

    UnicastAddressRowCodec(IpHelperLayout layout) {
        this.layout = layout;
    }

    /**
     * The row for CreateUnicastIpAddressEntry, and for DeleteUnicastIpAddressEntry, which reads only its key (Address,
     * then InterfaceLuid, or InterfaceIndex where the LUID is 0) and ignores the rest (docs/windows.md#adding-and-removing-an-address).
     * The origins are Manual/Manual, as for an address an administrator configures; both lifetimes are infinite. Windows
     * has no address labels: the address's label is not sent.
     *
     * @param dadState what to put in DadState: {@link DadState#INVALID} (0) leaves duplicate address detection to
     *     Windows; {@link DadState#PREFERRED} asks it to skip detection, which WireGuard relies on but Microsoft does not
     *     document
     */
    byte[] row(InterfaceAddress address, long interfaceLuid, int interfaceIndex, boolean skipAsSource, DadState dadState) {
        if (!address.address().isIpv4()) {
            throw new IllegalArgumentException("vipctl configures IPv4 addresses only, not " + address.address());
        }
        ByteBuffer row = ByteBuffer.allocate(layout.rowSize).order(ByteOrder.LITTLE_ENDIAN);
        row.putShort(layout.rowAddress + layout.siFamily, (short) AF_INET);
        System.arraycopy(address.address().bytes(), 0, row.array(), layout.rowAddress + layout.sinAddr, 4); // sin_port, sin_zero stay 0
        row.putLong(layout.rowInterfaceLuid, interfaceLuid);
        row.putInt(layout.rowInterfaceIndex, interfaceIndex);
        row.putInt(layout.rowPrefixOrigin, IP_PREFIX_ORIGIN_MANUAL);
        row.putInt(layout.rowSuffixOrigin, IP_SUFFIX_ORIGIN_MANUAL);
        row.putInt(layout.rowValidLifetime, INFINITE_LIFETIME);
        row.putInt(layout.rowPreferredLifetime, INFINITE_LIFETIME);
        row.put(layout.rowOnLinkPrefixLength, (byte) address.prefixLength());
        row.put(layout.rowSkipAsSource, (byte) (skipAsSource ? 1 : 0));
        row.putInt(layout.rowDadState, dadState.value); // ScopeId and CreationTimeStamp are Windows' to fill in
        return row.array();
    }

    /** The address in a row that GetUnicastIpAddressEntry filled in for an IPv4 address. */
    InterfaceAddress address(byte[] row) throws OsException {
        if (row.length != layout.rowSize) {
            throw malformed("a row has " + row.length + " bytes, not " + layout.rowSize);
        }
        InterfaceAddress address = rowAddress(ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN), 0);
        if (address == null) {
            throw malformed("a row asked for as IPv4 holds an IPv6 address");
        }
        return address;
    }

    /**
     * The IPv4 addresses of one interface in a MIB_UNICASTIPADDRESS_TABLE (docs/windows.md#listing-addresses):
     * GetUnicastIpAddressTable lists every interface's, so rows of other LUIDs are passed over, as are IPv6 rows.
     *
     * @param table the table's bytes from NumEntries to the end of its last row
     */
    List<InterfaceAddress> addresses(byte[] table, long interfaceLuid) throws OsException {
        if (table.length < layout.tableFirstRow) {
            throw malformed("a table of " + table.length + " bytes has no room for its header of " + layout.tableFirstRow);
        }
        ByteBuffer buffer = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        long entries = Integer.toUnsignedLong(buffer.getInt(layout.tableNumEntries));
        if (entries > (table.length - layout.tableFirstRow) / layout.rowSize) {
            throw malformed("a table of " + table.length + " bytes claims " + entries + " rows of " + layout.rowSize);
        }
        List<InterfaceAddress> addresses = new ArrayList<>();
        for (int i = 0; i < entries; i++) {
            int row = layout.tableFirstRow + i * layout.rowSize;
            if (buffer.getLong(row + layout.rowInterfaceLuid) != interfaceLuid) {
                continue;
            }
            InterfaceAddress address = rowAddress(buffer, row);
            if (address != null) {
                addresses.add(address);
            }
        }
        return addresses;
    }

    /** The IPv4 address in the row at {@code row}; null for an IPv6 row. */
    private InterfaceAddress rowAddress(ByteBuffer buffer, int row) throws OsException {
        int family = buffer.getShort(row + layout.rowAddress + layout.siFamily) & 0xffff;
        if (family == AF_INET6) {
            return null;
        }
        if (family != AF_INET) {
            throw malformed("a row's address has family " + family + ", neither AF_INET 2 nor AF_INET6 23");
        }
        int ipStart = row + layout.rowAddress + layout.sinAddr;
        byte[] ip = Arrays.copyOfRange(buffer.array(), ipStart, ipStart + 4);
        int prefixLength = buffer.get(row + layout.rowOnLinkPrefixLength) & 0xff;
        if (prefixLength > 32) {
            throw malformed("prefix length " + prefixLength + " for an IPv4 address");
        }
        Set<AddressFlag> flags = dadFlags(buffer.getInt(row + layout.rowDadState));
        if (buffer.getInt(row + layout.rowValidLifetime) == INFINITE_LIFETIME) {
            flags.add(AddressFlag.PERMANENT);
        }
        if (buffer.get(row + layout.rowSkipAsSource) != 0) {
            flags.add(AddressFlag.NOT_A_SOURCE);
        }
        return new InterfaceAddress(IpAddress.of(ip), prefixLength, "", flags);
    }

    /**
     * DadState as vipctl's flags. Preferred is a usable address and carries none. Invalid is refused: an address in
     * that state is not usable, and no flag says so.
     */
    private static Set<AddressFlag> dadFlags(int dadState) throws OsException {
        Set<AddressFlag> flags = EnumSet.noneOf(AddressFlag.class);
        if (dadState == DadState.TENTATIVE.value) {
            flags.add(AddressFlag.TENTATIVE);
        } else if (dadState == DadState.DUPLICATE.value) {
            flags.add(AddressFlag.DAD_FAILED);
        } else if (dadState == DadState.DEPRECATED.value) {
            flags.add(AddressFlag.DEPRECATED);
        } else if (dadState != DadState.PREFERRED.value) {
            throw malformed("DadState " + dadState + " is none of Tentative 1, Duplicate 2, Deprecated 3, Preferred 4");
        }
        return flags;
    }

    private static OsException malformed(String detail) {
        return new OsException(OsException.Reason.IO, 0, "malformed IP Helper answer: " + detail);
    }
}
