package dev.vipctl.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VipTest {
    @Test
    void parsesAddressAndPrefix() {
        Vip vip = Vip.parse("198.51.100.100/24", true);
        assertEquals("198.51.100.100", vip.address().toString());
        assertEquals(24, vip.prefixLength());
        assertEquals("198.51.100.100/24", vip.toString());
    }

    @Test
    void prefixIsOptionalOnlyWhenNotRequired() {
        assertFalse(Vip.parse("198.51.100.100", false).hasPrefix());
        assertThrows(IllegalArgumentException.class, () -> Vip.parse("198.51.100.100", true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"198.51.100", "198.51.100.256", "198.51.100.1.1", "198.51.100.010/24", "198.51.100.x/24",
            "198.51.100.10/33", "198.51.100.10/0", "198.51.100.10/", "198.51.100.10/2a", "198.51.100.10/-1", "",
            "0.0.0.0/24", "127.0.0.2/8", "224.0.0.5/32", "255.255.255.255/32", "198.51.100.0/24", "198.51.100.255/24",
            "2001:db8::10/64", "vip.example/24", " /24"})
    void rejectsWhatCanNeverBeAVip(String text) {
        assertThrows(IllegalArgumentException.class, () -> Vip.parse(text, true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"198.51.100.0/31", "198.51.100.255/32", "203.0.113.1/30"})
    void acceptsEdgesThatAreHostAddresses(String text) {
        assertTrue(Vip.parse(text, true).hasPrefix());
    }

    @ParameterizedTest
    @CsvSource({"eth0:1,eth0", "eth0:vip_1,eth0", "enp0s31f6:sip,enp0s31f6"})
    void acceptsSubInterfaceLabels(String label, String interfaceName) {
        assertEquals(label, Vip.checkLabel(label, interfaceName));
    }

    @ParameterizedTest
    @CsvSource({"eth1:1,eth0", "eth0,eth0", "eth0:,eth0", "eth0:a b,eth0", "eth0:1234567890a,eth0", "foo,eth0", "eth0:1:2,eth0"})
    void rejectsOtherLabels(String label, String interfaceName) {
        assertThrows(IllegalArgumentException.class, () -> Vip.checkLabel(label, interfaceName));
    }

    @Test
    void defaultLabelIsSubInterfaceOneUnlessTooLong() {
        assertEquals("eth0:1", Vip.defaultLabel("eth0"));
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class, () -> Vip.defaultLabel("enx0123456789ab"));
        assertTrue(tooLong.getMessage().contains("--label"));
    }
}
