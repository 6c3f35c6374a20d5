package dev.vipctl.windows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The layout chosen from the JVM's os.arch, and how a host without iphlpapi.dll fails. */
class WindowsNetworkingTest {
    @Test
    void eachArchitectureNameGetsItsLayout() {
        for (String x64 : new String[] {"amd64", "x86_64", "AMD64"}) {
            assertSame(IpHelperLayout.X64, WindowsNetworking.layout(x64), x64);
        }
        for (String x86 : new String[] {"x86", "i386", "i486", "i586", "i686"}) {
            assertSame(IpHelperLayout.X86, WindowsNetworking.layout(x86), x86);
        }
        for (String arm64 : new String[] {"aarch64", "arm64"}) {
            assertSame(IpHelperLayout.ARM64, WindowsNetworking.layout(arm64), arm64);
        }
        assertTrue(WindowsNetworking.knowsArchitecture("amd64"));
    }

    @Test
    void anyOtherArchitectureHasNone() {
        for (String other : new String[] {"arm", "ia64", "ppc64le", "s390x", "riscv64", ""}) {
            assertNull(WindowsNetworking.layout(other), other);
            assertFalse(WindowsNetworking.knowsArchitecture(other), other);
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> WindowsNetworking.open("ia64"));
        assertTrue(unknown.getMessage().contains("ia64"), unknown.getMessage());
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void withoutTheDllOpeningFailsAtOnce() {
        UnsatisfiedLinkError noDll = assertThrows(UnsatisfiedLinkError.class, () -> WindowsNetworking.open("amd64"));
        assertTrue(noDll.getMessage().contains("iphlpapi"), noDll.getMessage());
    }
}
