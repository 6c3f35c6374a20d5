package dev.vipctl.windows;

import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.OsException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real adapter the Windows-only tests run on (docs/windows.md#tests-on-a-real-adapter), named by the environment:
 * its alias in {@value #ADAPTER_VARIABLE}, the test VIP in {@value #VIP_VARIABLE} (default {@value #DEFAULT_VIP}). The
 * real IpHelperJna with the layout of this JVM's architecture, and PowerShell's NetTCPIP cmdlets as a reader
 * independent of vipctl: their scripts are constants that read the alias from the environment they inherit.
 */
final class RealAdapter {
    static final String ADAPTER_VARIABLE = "VIPCTL_WINDOWS_TEST_ADAPTER";
    static final String VIP_VARIABLE = "VIPCTL_WINDOWS_TEST_VIP";
    /** In 198.18.0.0/15 (RFC 2544, for benchmarking), the block the project's tests use; no network routes it. */
    static final String DEFAULT_VIP = "198.18.72.10";
    private static final IpAddress TEST_BLOCK = IpAddress.parseIpv4("198.18.0.0");
    private static final int TEST_BLOCK_PREFIX = 15;

    final String alias;
    final IpAddress vip;
    final IpHelperLayout layout;

    private RealAdapter(String alias, IpAddress vip, IpHelperLayout layout) {
        this.alias = alias;
        this.vip = vip;
        this.layout = layout;
    }

    /**
     * The adapter the environment names, on an elevated process; a test without one is skipped, saying what to set.
     * A VIP outside 198.18.0.0/15 is refused: the tests add and remove it on a real network.
     */
    static RealAdapter fromEnvironment() {
        String alias = System.getenv(ADAPTER_VARIABLE);
        assumeTrue(alias != null && !alias.isBlank(), "no adapter named: set " + ADAPTER_VARIABLE + " to the alias of an"
                + " Ethernet adapter (Get-NetAdapter) to add, verify and remove a test VIP on it (docs/windows.md#tests-on-a-real-adapter)");
        try {
            WindowsPrivileges.checkElevated();
        } catch (OsException e) {
            assumeTrue(false, e.getMessage());
        }
        IpAddress vip = IpAddress.parseIpv4(System.getenv().getOrDefault(VIP_VARIABLE, DEFAULT_VIP));
        if (!TEST_BLOCK.inIpv4Subnet(vip, TEST_BLOCK_PREFIX)) {
            throw new IllegalArgumentException(VIP_VARIABLE + "=" + vip + " is outside 198.18.0.0/15, the only block these tests use");
        }
        return new RealAdapter(alias, vip, WindowsNetworking.layoutOfThisJvm());
    }

    IpHelperJna ipHelper() {
        return new IpHelperJna(layout);
    }

    /** WindowsNetworkOs over the real iphlpapi.dll, waiting for duplicate address detection in real time. */
    WindowsNetworkOs open() {
        return new WindowsNetworkOs(ipHelper(), layout, Thread::sleep);
    }

    /** Removes the test VIP with whatever prefix it has, so a test ends with the adapter as it found it. */
    void removeVip(WindowsNetworkOs os, NetInterface nic) throws OsException {
        for (InterfaceAddress address : os.addresses(nic)) {
            if (address.address().equals(vip)) {
                os.remove(nic, address);
            }
        }
    }

    /** The adapter's MAC as Get-NetAdapter shows it ("02-00-5E-10-00-01"). */
    MacAddress macSeenByPowerShell() throws IOException, InterruptedException {
        List<String> lines = powerShell("(Get-NetAdapter -Name $env:" + ADAPTER_VARIABLE + " -ErrorAction Stop).MacAddress");
        assertEquals(1, lines.size(), "one MAC: " + lines);
        return MacAddress.parse(lines.get(0).replace('-', ':').toLowerCase(Locale.ROOT));
    }

    /** The adapter's IPv4 addresses as Get-NetIPAddress shows them, each with its prefix, no label and no flags. */
    List<InterfaceAddress> addressesSeenByPowerShell() throws IOException, InterruptedException {
        List<InterfaceAddress> seen = new ArrayList<>();
        // Get-NetIPAddress reports "no matching objects" as an error when the adapter has no IPv4 address: none.
        for (String line : powerShell("Get-NetIPAddress -InterfaceAlias $env:" + ADAPTER_VARIABLE + " -AddressFamily IPv4"
                + " -ErrorAction SilentlyContinue | ForEach-Object { $_.IPAddress + '/' + $_.PrefixLength }")) {
            String[] addressAndPrefix = line.split("/");
            seen.add(new InterfaceAddress(IpAddress.parseIpv4(addressAndPrefix[0]), Integer.parseInt(addressAndPrefix[1]), ""));
        }
        return seen;
    }

    /** Runs a constant script; the alias reaches it only through the inherited environment, never through its text. */
    private static List<String> powerShell(String script) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("powershell.exe", "-NoProfile", "-NonInteractive", "-Command", script)
                .redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), "PowerShell " + script + ": " + output);
        List<String> lines = new ArrayList<>();
        for (String line : output.split("\r?\n")) {
            if (!line.isBlank()) {
                lines.add(line.trim());
            }
        }
        return lines;
    }
}
