package dev.vipctl.agent.arp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class GarpModeTest {
    @Test
    void parsesTheCommandLineWords() {
        assertEquals(GarpMode.REQUEST, GarpMode.parse("request"));
        assertEquals(GarpMode.REPLY, GarpMode.parse("reply"));
        assertEquals(GarpMode.BOTH, GarpMode.parse("both"));
    }

    @Test
    void wordIsWhatParseReads() {
        for (GarpMode mode : GarpMode.values()) {
            assertEquals(mode, GarpMode.parse(mode.word()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Both", "REQUEST", "requests", "reply ", "arp"})
    void rejectsOtherWordsNamingTheChoices(String word) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GarpMode.parse(word));
        assertEquals("'" + word + "' is not a gratuitous ARP mode: use request, reply or both", e.getMessage());
    }
}
