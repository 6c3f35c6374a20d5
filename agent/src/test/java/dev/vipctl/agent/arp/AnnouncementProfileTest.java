package dev.vipctl.agent.arp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AnnouncementProfileTest {
    @Test
    void defaultIsThreeRoundsOfBothFormsOneSecondApart() {
        AnnouncementProfile profile = AnnouncementProfile.DEFAULT;

        assertEquals(3, profile.count());
        assertEquals(1000, profile.intervalMillis());
        assertEquals(GarpMode.BOTH, profile.mode());
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "1, 0", "100, 10000", "5, 200"})
    void acceptsTheLimits(int count, int intervalMillis) {
        AnnouncementProfile profile = new AnnouncementProfile(count, intervalMillis, GarpMode.REPLY);

        assertEquals(count, profile.count());
        assertEquals(intervalMillis, profile.intervalMillis());
        assertEquals(GarpMode.REPLY, profile.mode());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "-1  | 1000  | gratuitous ARP count must be 0-100 (0 sends none), not -1",
            "101 | 1000  | gratuitous ARP count must be 0-100 (0 sends none), not 101",
            "3   | -1    | gratuitous ARP interval must be 0-10000 ms, not -1",
            "3   | 10001 | gratuitous ARP interval must be 0-10000 ms, not 10001",
    })
    void rejectsValuesOutsideTheLimitsSayingWhichAndWhy(int count, int intervalMillis, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AnnouncementProfile(count, intervalMillis, GarpMode.BOTH));
        assertEquals(message, e.getMessage());
    }

    @Test
    void modeIsRequired() {
        assertThrows(NullPointerException.class, () -> new AnnouncementProfile(3, 1000, null));
    }

    @Test
    void equalProfilesAreEqual() {
        assertEquals(new AnnouncementProfile(3, 1000, GarpMode.BOTH), AnnouncementProfile.DEFAULT);
        assertEquals(new AnnouncementProfile(3, 1000, GarpMode.BOTH).hashCode(), AnnouncementProfile.DEFAULT.hashCode());
        assertEquals("3 x both every 1000 ms", AnnouncementProfile.DEFAULT.toString());
    }
}
