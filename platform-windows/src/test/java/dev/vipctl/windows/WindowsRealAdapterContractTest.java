package dev.vipctl.windows;

import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.NetworkOsContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * WindowsNetworkOs keeps the contract on a real adapter through the real iphlpapi.dll, on Windows only and only where
 * {@value RealAdapter#ADAPTER_VARIABLE} names the adapter, read independently with Get-NetIPAddress
 * (docs/windows.md#tests-on-a-real-adapter). The contract adds the test VIP as /24 and /32 and leaves it, as on
 * Linux, where each test has a fresh namespace; here each test ends by removing it.
 */
@EnabledOnOs(OS.WINDOWS)
class WindowsRealAdapterContractTest extends NetworkOsContract {
    private RealAdapter adapter;

    @BeforeEach
    void requireAnAdapterWithoutTheTestSubnet() throws Exception {
        adapter = RealAdapter.fromEnvironment();
        for (InterfaceAddress address : adapter.addressesSeenByPowerShell()) {
            assertFalse(address.address().inIpv4Subnet(adapter.vip, 24), adapter.alias + " has " + address + " in the /24 of the"
                    + " test VIP " + adapter.vip + ": choose another with " + RealAdapter.VIP_VARIABLE);
        }
    }

    @AfterEach
    void removeTheTestVip() throws Exception {
        if (adapter == null) {
            return;
        }
        try (WindowsNetworkOs os = adapter.open()) {
            adapter.removeVip(os, os.resolve(adapter.alias));
        }
    }

    @Override
    protected NetworkOs openNetworkOs() {
        return adapter.open();
    }

    @Override
    protected String existingInterface() {
        return adapter.alias;
    }

    @Override
    protected MacAddress existingInterfaceMac() {
        try {
            return adapter.macSeenByPowerShell();
        } catch (Exception e) {
            throw new IllegalStateException("Get-NetAdapter " + adapter.alias + ": " + e.getMessage(), e);
        }
    }

    /** An alias no adapter has: aliases may hold spaces, as the vendor's "Local Area Connection" does. */
    @Override
    protected String missingInterface() {
        return "vipctl test: no such adapter";
    }

    @Override
    protected IpAddress freeAddress() {
        return adapter.vip;
    }

    @Override
    protected boolean keepsOnePrefixPerAddress() {
        return true;
    }

    @Override
    protected Optional<String> label() {
        return Optional.empty();
    }

    @Override
    protected Optional<List<InterfaceAddress>> addressesSeenIndependently() throws Exception {
        return Optional.of(adapter.addressesSeenByPowerShell());
    }
}
