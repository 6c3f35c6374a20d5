package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.linux.LinuxNetworkOs;
import dev.vipctl.linux.NetworkNamespace;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.NetworkOsContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LinuxNetworkOs} keeps the contract on the real kernel: on eth0 of host A in a fresh {@link NamespaceLab} for
 * each test (which also holds the host's own 198.51.100.11/24), read independently with {@code ip -4 -o addr show}.
 * The contract's address is in 203.0.113.0/24, a subnet of its own, so Linux's secondaries never come into it.
 */
class LinuxNetworkOsContractTest extends NetworkOsContract {
    private NamespaceLab lab;

    @BeforeEach
    void createLab() {
        Root.assumeRoot();
        lab = NamespaceLab.create();
    }

    @AfterEach
    void deleteLab() {
        if (lab != null) {
            lab.close();
        }
    }

    /** The rtnetlink socket is bound to the namespace it was opened in, whichever thread uses it after. */
    @Override
    protected NetworkOs openNetworkOs() throws Exception {
        return NetworkNamespace.call(lab.hostA().namespace(), LinuxNetworkOs::open);
    }

    @Override
    protected String existingInterface() {
        return NamespaceLab.INTERFACE;
    }

    @Override
    protected MacAddress existingInterfaceMac() {
        return lab.hostA().mac();
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
        return Optional.of(NamespaceLab.INTERFACE + ":1");
    }

    /**
     * One line per address, e.g. {@code 2: eth0    inet 203.0.113.10/24 brd 203.0.113.255 scope global eth0:1\ valid_lft
     * forever preferred_lft forever}: iproute2 prints the label last on the address's first line, which {@code -o} ends
     * with a backslash.
     */
    @Override
    protected Optional<List<InterfaceAddress>> addressesSeenIndependently() {
        List<InterfaceAddress> seen = new ArrayList<>();
        for (String line : lab.hostA().run("ip", "-4", "-o", "addr", "show", "dev", NamespaceLab.INTERFACE).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] words = line.substring(0, line.indexOf('\\')).trim().split("\\s+");
            int inet = List.of(words).indexOf("inet");
            assertTrue(inet > 0, "an inet line: " + line);
            String[] addressAndPrefix = words[inet + 1].split("/");
            seen.add(new InterfaceAddress(IpAddress.parseIpv4(addressAndPrefix[0]), Integer.parseInt(addressAndPrefix[1]), words[words.length - 1]));
        }
        return Optional.of(seen);
    }
}
