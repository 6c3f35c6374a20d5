package dev.vipctl.windows;

import dev.vipctl.os.IpAddress;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The key row for DeleteIpNetEntry2 against the golden vector N1 (docs/windows.md#golden-vectors), byte for byte. */
class NeighbourRowCodecTest {
    private static final List<IpHelperLayout> ALL = List.of(IpHelperLayout.X64, IpHelperLayout.X86, IpHelperLayout.ARM64);
    /** IfType 6 (Ethernet) in bits 48-63, NetLuidIndex 1 in bits 24-47, as in W1. */
    private static final long LUID = 0x0006000001000000L;

    /** 192.0.2.10 on LUID, InterfaceIndex 0; physical address, its length, State, Flags, ReachabilityTime all 0. */
    static final byte[] N1 = UnicastAddressRowCodecTest.hex("02 00 00 00 c0 00 02 0a 00 00 00 00 00 00 00 00"
            + "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
            + "00 00 00 01 00 00 06 00 00 00 00 00 00 00 00 00"
            + "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
            + "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
            + "00 00 00 00 00 00 00 00");

    @Test
    void keyIsN1OnEveryArchitecture() {
        for (IpHelperLayout layout : ALL) {
            assertArrayEquals(N1, new NeighbourRowCodec(layout).key(IpAddress.parseIpv4("192.0.2.10"), LUID, 0), layout.architecture);
        }
    }

    /** The interface by its index alone, as the page allows where the LUID is 0: index 12 at 28, the LUID's bytes 0. */
    @Test
    void keyCarriesTheIndexAt28() {
        byte[] expected = N1.clone();
        expected[28] = 12;
        expected[35] = 0;
        expected[38] = 0;
        assertArrayEquals(expected, new NeighbourRowCodec(IpHelperLayout.X86).key(IpAddress.parseIpv4("192.0.2.10"), 0, 12));
    }

    @Test
    void keyRefusesIpv6() {
        IpAddress ipv6 = IpAddress.of(UnicastAddressRowCodecTest.hex("20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 10"));
        assertThrows(IllegalArgumentException.class, () -> new NeighbourRowCodec(IpHelperLayout.X64).key(ipv6, LUID, 0));
    }
}
