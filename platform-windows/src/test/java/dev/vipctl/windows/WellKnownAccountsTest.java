package dev.vipctl.windows;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The two SIDs byte for byte, written out by hand from winnt.h's SID declaration (docs/windows.md#the-per-vip-lock). */
class WellKnownAccountsTest {
    @Test
    void administratorsIsS_1_5_32_544() {
        assertArrayEquals(new byte[] {1, 2, 0, 0, 0, 0, 0, 5, 0x20, 0, 0, 0, 0x20, 0x02, 0, 0}, WellKnownAccounts.ADMINISTRATORS);
    }

    @Test
    void localSystemIsS_1_5_18() {
        assertArrayEquals(new byte[] {1, 1, 0, 0, 0, 0, 0, 5, 0x12, 0, 0, 0}, WellKnownAccounts.LOCAL_SYSTEM);
    }
}
