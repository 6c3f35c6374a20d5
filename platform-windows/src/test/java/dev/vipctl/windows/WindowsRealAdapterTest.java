package dev.vipctl.windows;

import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.windows.UnicastAddressRowCodec.DadState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A VIP added, verified and removed on a real adapter through the real iphlpapi.dll, on Windows only and only where
 * {@value RealAdapter#ADAPTER_VARIABLE} names the adapter (docs/windows.md#tests-on-a-real-adapter). It reads the row
 * Windows keeps back with GetUnicastIpAddressEntry, so the layout of this JVM's architecture meets Windows itself.
 */
@EnabledOnOs(OS.WINDOWS)
class WindowsRealAdapterTest {
    @Test
    void addsListsReadsBackAndRemovesATestVip() throws Exception {
        RealAdapter adapter = RealAdapter.fromEnvironment();
        InterfaceAddress vip = new InterfaceAddress(adapter.vip, 32, "");
        IpHelperJna ipHelper = adapter.ipHelper();
        try (WindowsNetworkOs os = adapter.open()) {
            NetInterface nic = os.resolve(adapter.alias);
            assertEquals(NetInterface.Arp.ON, nic.arp(), nic + " is an Ethernet adapter");
            assertTrue(nic.isUp(), nic + " is up");
            assertEquals(adapter.macSeenByPowerShell(), nic.mac(), "the MAC Get-NetAdapter shows");
            assertNull(listed(os.addresses(nic), vip), vip + " is not on " + adapter.alias + " before the test: choose another"
                    + " with " + RealAdapter.VIP_VARIABLE);
            long[] luid = new long[1];
            assertEquals(IpHelper.NO_ERROR, ipHelper.convertInterfaceAliasToLuid(adapter.alias, luid));
            byte[] key = new UnicastAddressRowCodec(adapter.layout).row(vip, luid[0], 0, true, DadState.INVALID);
            try {
                os.add(nic, vip);

                InterfaceAddress added = listed(os.addresses(nic), vip);
                assertNotNull(added, vip + " is listed");
                assertTrue(added.has(AddressFlag.NOT_A_SOURCE), added + " is never a source address");
                assertFalse(added.has(AddressFlag.TENTATIVE), added + " is no longer tentative after the wait");
                assertFalse(added.has(AddressFlag.DAD_FAILED), added + ": no other host holds " + vip);
                assertTrue(adapter.addressesSeenByPowerShell().contains(vip),
                        "Get-NetIPAddress shows " + vip);

                byte[] row = key.clone();
                assertEquals(IpHelper.NO_ERROR, ipHelper.getUnicastIpAddressEntry(row), "GetUnicastIpAddressEntry " + vip);
                ByteBuffer bytes = ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN);
                assertEquals(nic.index(), bytes.getInt(adapter.layout.rowInterfaceIndex), "Windows filled in the index");
                assertEquals(32, row[adapter.layout.rowOnLinkPrefixLength]);
                assertEquals(1, row[adapter.layout.rowSkipAsSource]);
                assertEquals(DadState.PREFERRED.value, bytes.getInt(adapter.layout.rowDadState));

                os.remove(nic, vip);
                os.flushNeighbour(nic, vip.address());

                assertNull(listed(os.addresses(nic), vip), vip + " is gone");
                assertFalse(adapter.addressesSeenByPowerShell().contains(vip),
                        "Get-NetIPAddress no longer shows " + vip);
                assertEquals(IpHelper.ERROR_NOT_FOUND, ipHelper.getUnicastIpAddressEntry(key.clone()),
                        "GetUnicastIpAddressEntry for an absent address (docs/windows.md: expected, not documented)");
            } finally {
                adapter.removeVip(os, nic);
            }
        }
    }

    private static InterfaceAddress listed(List<InterfaceAddress> addresses, InterfaceAddress wanted) {
        for (InterfaceAddress address : addresses) {
            if (address.sameAddressAndPrefix(wanted)) {
                return address;
            }
        }
        return null;
    }
}
