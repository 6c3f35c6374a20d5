package dev.vipctl.windows;

import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.OsException;
import dev.vipctl.windows.UnicastAddressRowCodec.DadState;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rows against the golden vectors W1 and W2 (docs/windows.md#golden-vectors), byte for byte, on every
 * architecture; tables built by hand from them, with offsets written out here, not taken from the layout under test.
 */
class UnicastAddressRowCodecTest {
    private static final List<IpHelperLayout> ALL = List.of(IpHelperLayout.X64, IpHelperLayout.X86, IpHelperLayout.ARM64);
    /** IfType 6 (Ethernet) in bits 48-63, NetLuidIndex 1 in bits 24-47. */
    private static final long LUID = 0x0006000001000000L;
    private static final long OTHER_LUID = 0x0006000002000000L;
    private static final InterfaceAddress VIP = new InterfaceAddress(IpAddress.parseIpv4("192.0.2.10"), 24, "eth0:1");

    /** 192.0.2.10/24 on LUID, index 0, Manual/Manual, infinite lifetimes, SkipAsSource 0, DadState 0. */
    static final byte[] W1 = hex("02 00 00 00 c0 00 02 0a 00 00 00 00 00 00 00 00"
            + "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
            + "00 00 00 01 00 00 06 00 00 00 00 00 01 00 00 00"
            + "01 00 00 00 ff ff ff ff ff ff ff ff 18 00 00 00"
            + "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
    /** The same row for 2001:db8::10/64: family 23 at 0, sin6_addr at 8. */
    static final byte[] W2 = hex("17 00 00 00 00 00 00 00 20 01 0d b8 00 00 00 00"
            + "00 00 00 00 00 00 00 10 00 00 00 00 00 00 00 00"
            + "00 00 00 01 00 00 06 00 00 00 00 00 01 00 00 00"
            + "01 00 00 00 ff ff ff ff ff ff ff ff 40 00 00 00"
            + "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");

    @Test
    void rowIsW1OnEveryArchitecture() {
        for (IpHelperLayout layout : ALL) {
            assertArrayEquals(W1, new UnicastAddressRowCodec(layout).row(VIP, LUID, 0, false, DadState.INVALID), layout.architecture);
        }
    }

    @Test
    void rowCarriesTheIndexSkipAsSourceAndDadStateWhereTheyBelong() {
        byte[] expected = W1.clone();
        ByteBuffer.wrap(expected).order(ByteOrder.LITTLE_ENDIAN).putInt(40, 7).put(61, (byte) 1).putInt(64, 4);
        assertArrayEquals(expected, new UnicastAddressRowCodec(IpHelperLayout.X64).row(VIP, LUID, 7, true, DadState.PREFERRED));
    }

    @Test
    void rowRefusesIpv6() {
        InterfaceAddress ipv6 = new InterfaceAddress(IpAddress.of(hex("20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 10")), 64, "");
        assertThrows(IllegalArgumentException.class,
                () -> new UnicastAddressRowCodec(IpHelperLayout.X64).row(ipv6, LUID, 0, false, DadState.INVALID));
    }

    @Test
    void tableGivesTheInterfacesIpv4AddressesWithTheirDadStatesAndSkipsIpv6AndOtherInterfaces() throws OsException {
        byte[] table = table(
                row(W1, LUID, 1, 4),                  // 192.0.2.1, Preferred
                row(W1, LUID, 2, 1),                  // 192.0.2.2, Tentative
                row(W2, LUID, 0, 4),                  // IPv6 on the interface
                row(W1, OTHER_LUID, 3, 4),            // another interface's
                row(W1, LUID, 4, 2),                  // Duplicate
                row(W1, LUID, 5, 3));                 // Deprecated
        ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN).putInt(8 + 5 * 80 + 52, 3600); // a finite ValidLifetime on .5
        for (IpHelperLayout layout : ALL) {
            assertEquals(List.of(
                    address(1, AddressFlag.PERMANENT),
                    address(2, AddressFlag.PERMANENT, AddressFlag.TENTATIVE),
                    address(4, AddressFlag.PERMANENT, AddressFlag.DAD_FAILED),
                    address(5, AddressFlag.DEPRECATED)),
                    new UnicastAddressRowCodec(layout).addresses(table, LUID), layout.architecture);
        }
    }

    @Test
    void anEmptyTableHasNoAddresses() throws OsException {
        assertEquals(List.of(), new UnicastAddressRowCodec(IpHelperLayout.X64).addresses(table(), LUID));
    }

    @Test
    void rowsRoundTripForEveryPrefixLengthDadStateAndSkipAsSource() throws OsException {
        UnicastAddressRowCodec codec = new UnicastAddressRowCodec(IpHelperLayout.X86);
        for (int prefixLength = 0; prefixLength <= 32; prefixLength++) {
            InterfaceAddress address = new InterfaceAddress(IpAddress.parseIpv4("198.51.100.200"), prefixLength, "");
            assertEquals(new InterfaceAddress(address.address(), prefixLength, "", EnumSet.of(AddressFlag.PERMANENT)),
                    codec.address(codec.row(address, LUID, 3, false, DadState.PREFERRED)));
        }
        assertEquals(EnumSet.of(AddressFlag.PERMANENT, AddressFlag.TENTATIVE, AddressFlag.NOT_A_SOURCE), codec.address(codec.row(VIP, LUID, 0, true, DadState.TENTATIVE)).flags());
        assertEquals(EnumSet.of(AddressFlag.PERMANENT, AddressFlag.DAD_FAILED, AddressFlag.NOT_A_SOURCE), codec.address(codec.row(VIP, LUID, 0, true, DadState.DUPLICATE)).flags());
        assertEquals(EnumSet.of(AddressFlag.PERMANENT, AddressFlag.DEPRECATED, AddressFlag.NOT_A_SOURCE), codec.address(codec.row(VIP, LUID, 0, true, DadState.DEPRECATED)).flags());
    }

    @Test
    void malformedAnswersAreErrorsThatSayWhy() {
        UnicastAddressRowCodec codec = new UnicastAddressRowCodec(IpHelperLayout.X64);
        assertMalformed("DadState 0", () -> codec.address(W1));
        assertMalformed("IPv6", () -> codec.address(row(W2, LUID, 0, 4)));
        assertMalformed("79 bytes", () -> codec.address(Arrays.copyOf(row(W1, LUID, 1, 4), 79)));
        byte[] family = row(W1, LUID, 1, 4);
        family[0] = 10; // Linux's AF_INET6, not Windows'
        assertMalformed("family 10", () -> codec.address(family));
        byte[] prefix = row(W1, LUID, 1, 4);
        prefix[60] = 33;
        assertMalformed("prefix length 33", () -> codec.address(prefix));
        assertMalformed("no room for its header", () -> codec.addresses(new byte[4], LUID));
        byte[] overclaimed = table(row(W1, LUID, 1, 4));
        overclaimed[0] = 2;
        assertMalformed("claims 2 rows", () -> codec.addresses(overclaimed, LUID));
        byte[] huge = table();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(0, -1);
        assertMalformed("claims 4294967295 rows", () -> codec.addresses(huge, LUID));
    }

    /** {@code template} (W1 or W2) with another LUID, the last address byte and DadState, at the documented offsets. */
    private static byte[] row(byte[] template, long luid, int lastAddressByte, int dadState) {
        byte[] row = template.clone();
        ByteBuffer buffer = ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(32, luid).putInt(64, dadState);
        if (template == W1) {
            row[7] = (byte) lastAddressByte;
        }
        return row;
    }

    /** NumEntries, 4 bytes of padding, then the 80-byte rows from offset 8. */
    private static byte[] table(byte[]... rows) {
        ByteBuffer table = ByteBuffer.allocate(8 + 80 * rows.length).order(ByteOrder.LITTLE_ENDIAN);
        table.putInt(rows.length).putInt(0);
        for (byte[] row : rows) {
            table.put(row);
        }
        return table.array();
    }

    private static InterfaceAddress address(int lastByte, AddressFlag... flags) {
        EnumSet<AddressFlag> set = EnumSet.noneOf(AddressFlag.class);
        set.addAll(List.of(flags));
        return new InterfaceAddress(IpAddress.parseIpv4("192.0.2." + lastByte), 24, "", set);
    }

    private interface Decode {
        Object run() throws OsException;
    }

    private static void assertMalformed(String expected, Decode decode) {
        OsException e = assertThrows(OsException.class, decode::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    static byte[] hex(String text) {
        String digits = text.replaceAll("\\s", "");
        byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }
}
