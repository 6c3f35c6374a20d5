package dev.vipctl.agent;

import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.NetworkOsContract;

import java.util.List;
import java.util.Optional;

/**
 * The engine's fake keeps the contract it stands in for. It lives here, beside the package-private fake, rather than
 * where the Linux implementation passes the contract: the engine's tests use it from this package only.
 */
class RecordingNetworkOsContractTest extends NetworkOsContract {

    @Override
    protected NetworkOs openNetworkOs() {
        return new RecordingNetworkOs(true);
    }

    @Override
    protected String existingInterface() {
        return "eth0";
    }

    @Override
    protected MacAddress existingInterfaceMac() {
        return MacAddress.parse("02:00:00:00:00:0a");
    }

    @Override
    protected String missingInterface() {
        return "nosuch0";
    }

    @Override
    protected IpAddress freeAddress() {
        return IpAddress.parseIpv4("203.0.113.10");
    }

    @Override
    protected Optional<String> label() {
        return Optional.of("eth0:1");
    }

    @Override
    protected Optional<List<InterfaceAddress>> addressesSeenIndependently() {
        return Optional.empty();
    }
}
