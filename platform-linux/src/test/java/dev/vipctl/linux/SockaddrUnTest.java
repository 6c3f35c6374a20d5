package dev.vipctl.linux;

import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** struct sockaddr_un as docs/linux.md#sockaddr_un lays it out: a path with its NUL, an abstract name without one. */
class SockaddrUnTest {
    @Test
    void pathAddressEndsWithItsNul() {
        assertArrayEquals(Hex.bytes("01 00 2f 72 75 6e 2f 73 79 73 74 65 6d 64 2f 6e 6f 74 69 66 79 00"),
                SockaddrUn.encode(ByteOrder.LITTLE_ENDIAN, "/run/systemd/notify"), "family 1 little-endian, the path, NUL: 2 + 19 + 1 bytes");
    }

    @Test
    void abstractNameStartsWithNulAndHasNoneAtTheEnd() {
        assertArrayEquals(Hex.bytes("01 00 00 76 69 70 63 74 6c"), SockaddrUn.encode(ByteOrder.LITTLE_ENDIAN, "@vipctl"),
                "'@' becomes the leading NUL; 2 + 1 + 6 bytes");
    }

    @Test
    void familyInBigEndianHostOrder() {
        assertArrayEquals(Hex.bytes("00 01 00 61"), SockaddrUn.encode(ByteOrder.BIG_ENDIAN, "@a"), "s390x, ppc64");
        assertArrayEquals(Hex.bytes("00 01 2f 00"), SockaddrUn.encode(ByteOrder.BIG_ENDIAN, "/"));
    }

    @Test
    void namesUpToWhatSunPathHolds() {
        assertEquals(110, SockaddrUn.encode(ByteOrder.LITTLE_ENDIAN, "/" + "p".repeat(106)).length, "107 bytes and the NUL fill sun_path");
        assertEquals(110, SockaddrUn.encode(ByteOrder.LITTLE_ENDIAN, "@" + "n".repeat(107)).length, "the NUL and 107 bytes");
        assertThrows(IllegalArgumentException.class, () -> SockaddrUn.encode(ByteOrder.LITTLE_ENDIAN, "/" + "p".repeat(107)));
        assertThrows(IllegalArgumentException.class, () -> SockaddrUn.encode(ByteOrder.LITTLE_ENDIAN, "@" + "n".repeat(108)));
        assertEquals(110, SockaddrUn.encode(ByteOrder.LITTLE_ENDIAN, "/" + "\u00e9".repeat(53)).length, "counted in UTF-8 bytes: 1 + 106");
        assertThrows(IllegalArgumentException.class, () -> SockaddrUn.encode(ByteOrder.LITTLE_ENDIAN, "/" + "\u00e9".repeat(54)));
    }

    @Test
    void otherNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> SockaddrUn.encode(ByteOrder.LITTLE_ENDIAN, "run/systemd/notify"), "relative");
        assertThrows(IllegalArgumentException.class, () -> SockaddrUn.encode(ByteOrder.LITTLE_ENDIAN, ""));
        assertThrows(IllegalArgumentException.class, () -> SockaddrUn.encode(ByteOrder.LITTLE_ENDIAN, "/run/a\0b"), "a NUL inside");
    }
}
