package dev.vipctl.windows;

import dev.vipctl.os.OsException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The doctor's reads against IP Helper as documented, on the x64 and the x86 layout. */
class WindowsDiagnosticsTest {
    /**
     * The GetIpInterfaceEntry question for the Ethernet adapter (LUID 0x0006000001000000), written out by hand from
     * docs/windows.md#mib_ipinterface_row: Family AF_INET (2) at 0, InterfaceLuid at 8, all else 0, 168 bytes on every
     * architecture.
     */
    private static byte[] interfaceRowQuestion() {
        byte[] row = new byte[168];
        row[0] = 0x02;
        byte[] luid = {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x06, 0x00};
        System.arraycopy(luid, 0, row, 8, 8);
        return row;
    }

    private static DocumentedIpHelper ipHelper(boolean x64) {
        return new DocumentedIpHelper(x64);
    }

    private static WindowsDiagnostics diagnostics(DocumentedIpHelper ipHelper, boolean x64) {
        return new WindowsDiagnostics(ipHelper, x64 ? IpHelperLayout.X64 : IpHelperLayout.X86);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aDefaultAdapterHasDhcpAndThreeDadTransmitsAndIsAskedWithTheGoldenRow(boolean x64) throws OsException {
        DocumentedIpHelper ipHelper = ipHelper(x64);
        WindowsDiagnostics.InterfaceSettings settings = diagnostics(ipHelper, x64).settings("Ethernet");

        assertTrue(settings.dhcpEnabled);
        assertEquals(3, settings.dadTransmits);
        assertArrayEquals(interfaceRowQuestion(), ipHelper.interfaceRowAsked);
        assertEquals(List.of("ConvertInterfaceAliasToLuid", "GetAdaptersAddresses", "GetIpInterfaceEntry"), ipHelper.calls, "only reads");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aStaticAdapterWithoutDuplicateAddressDetectionSaysSo(boolean x64) throws OsException {
        DocumentedIpHelper ipHelper = ipHelper(x64);
        ipHelper.dhcp("Ethernet", false);
        ipHelper.dadTransmits("Ethernet", 0);
        WindowsDiagnostics.InterfaceSettings settings = diagnostics(ipHelper, x64).settings("Ethernet");

        assertFalse(settings.dhcpEnabled);
        assertEquals(0, settings.dadTransmits);
    }

    @Test
    void dadTransmitsIsReadUnsigned() throws OsException {
        DocumentedIpHelper ipHelper = ipHelper(true);
        ipHelper.dadTransmits("Ethernet", -1);

        assertEquals(0xffffffffL, diagnostics(ipHelper, true).settings("Ethernet").dadTransmits);
    }

    @Test
    void anUnknownAliasAndAVanishedAdapterAreNoSuchInterface() {
        DocumentedIpHelper ipHelper = ipHelper(true);
        OsException unknown = assertThrows(OsException.class, () -> diagnostics(ipHelper, true).settings("Ethernet 9"));
        assertEquals(OsException.Reason.NO_SUCH_INTERFACE, unknown.reason());

        ipHelper.removeAdapter("Ethernet 2");
        ipHelper.removeAdapter("Loopback Pseudo-Interface 1");
        ipHelper.removeAdapter("Ethernet");
        OsException gone = assertThrows(OsException.class, () -> diagnostics(ipHelper, true).settings("Ethernet"));
        assertEquals(OsException.Reason.NO_SUCH_INTERFACE, gone.reason());
    }
}
