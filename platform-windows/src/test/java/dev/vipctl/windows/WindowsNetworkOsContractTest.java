package dev.vipctl.windows;

import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.NetworkOsContract;

import java.util.List;
import java.util.Optional;

/**
 * WindowsNetworkOs over IP Helper as documented (DocumentedIpHelper), with x64's layout; the x86 subclass runs the
 * same over x86's.
 */
class WindowsNetworkOsContractTest extends NetworkOsContract {
    boolean x64() {
        return true;
    }

    @Override
    protected NetworkOs openNetworkOs() {
        return new WindowsNetworkOs(new DocumentedIpHelper(x64()), x64() ? IpHelperLayout.X64 : IpHelperLayout.X86, millis -> { });
    }

    @Override
    protected String existingInterface() {
        return "Ethernet";
    }

    @Override
    protected MacAddress existingInterfaceMac() {
        return MacAddress.of(DocumentedIpHelper.ETHERNET_MAC);
    }

    @Override
    protected String missingInterface() {
        return "Ethernet 9";
    }

    @Override
    protected IpAddress freeAddress() {
        return IpAddress.parseIpv4("203.0.113.7");
    }

    /** CreateUnicastIpAddressEntry answers ERROR_OBJECT_ALREADY_EXISTS for a second prefix (docs/windows.md#windowsnetworkos). */
    @Override
    protected boolean keepsOnePrefixPerAddress() {
        return true;
    }

    @Override
    protected Optional<String> label() {
        return Optional.empty();
    }

    @Override
    protected Optional<List<InterfaceAddress>> addressesSeenIndependently() {
        return Optional.empty(); // the fake is its own truth
    }
}
