package dev.vipctl.windows;

/** The contract over x86's layout: 4-byte pointers in GetAdaptersAddresses' buffer, the adapter's fields elsewhere. */
class WindowsNetworkOsX86ContractTest extends WindowsNetworkOsContractTest {
    @Override
    boolean x64() {
        return false;
    }
}
