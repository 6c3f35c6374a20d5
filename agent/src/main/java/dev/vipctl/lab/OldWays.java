package dev.vipctl.lab;

import dev.vipctl.agent.Vip;
import dev.vipctl.os.IpAddress;

import java.util.ArrayList;
import java.util.List;

/**
 * How each platform's scripts move a VIP without vipctl, one process per step, for {@code bench --compare-shell} to
 * time beside it. Chosen per OS here and nowhere else: Linux's and Windows'.
 */
final class OldWays {
    /** Named so that the bench's output can say what it did not run. */
    static final String NOT_IMPLEMENTED = "the other platforms' old ways are not implemented: AIX 'ifconfig IF alias|delete',"
            + " Solaris 'ifconfig IF addif|removeif'";

    /**
     * The shell way of taking a VIP up, as a script runs it: two commands, the second only if the first succeeded. A
     * constant script: the VIP, interface and label come in as its arguments, so no name reaches the shell as code.
     */
    static final String IP_THEN_ARPING = "ip addr add \"$1\" dev \"$2\" label \"$3\" && arping -q -U -c 1 -I \"$2\" \"$4\"";

    private OldWays() {
    }

    /**
     * This OS's old ways for the VIP on the interface, as commands for the current namespace: on Linux {@code ip addr}
     * with {@code arping -U} (iputils), and the vendor's {@code ifconfig IF:1} script (no gratuitous ARP) where ifconfig
     * is installed.
     */
    static List<Bench.Way> forThisOs(String interfaceName, Vip vip) {
        return forOs(System.getProperty("os.name", ""), interfaceName, vip);
    }

    /** The old ways of the OS {@code os.name} names; on Windows {@link #netsh}. */
    static List<Bench.Way> forOs(String os, String interfaceName, Vip vip) {
        if (os.startsWith("Windows")) {
            return List.of(netsh(interfaceName, vip));
        }
        if (!os.startsWith("Linux")) {
            throw new IllegalStateException("--compare-shell on " + os + ": " + NOT_IMPLEMENTED);
        }
        String alias = interfaceName + ":1";
        List<Bench.Way> ways = new ArrayList<>();
        ways.add(new Bench.Way("ip addr add + arping -U -c 1", "ip addr del",
                List.of("sh", "-c", IP_THEN_ARPING, "sh", vip.toString(), interfaceName, alias, vip.address().toString()),
                List.of("ip", "addr", "del", vip.toString(), "dev", interfaceName), true));
        if (Shell.onPath("ifconfig")) {
            String netmask = IpAddress.ofIpv4Bits(IpAddress.ipv4Mask(vip.prefixLength())).toString();
            ways.add(new Bench.Way("ifconfig " + alias + " up (vendor script, no GARP)", "ifconfig " + alias + " down (vendor script, no GARP)",
                    List.of("ifconfig", alias, vip.address().toString(), "netmask", netmask, "up"), List.of("ifconfig", alias, "down"), false));
        }
        return ways;
    }

    /**
     * The vendor's Windows scripts (HA_IP_ON.bat, HA_IP_OFF.bat) in netsh's current context: {@code netsh interface
     * ipv4 add address name=ALIAS address=IP mask=MASK} and {@code ... delete address name=ALIAS address=IP} (Microsoft
     * Learn, "netsh interface"). No gratuitous ARP of its own: Windows' duplicate address detection sends what it sends.
     *
     * <p>Started without cmd.exe, so {@code & | < > ^ %} in the alias are plain characters. Java joins the arguments
     * into one command line, quoting an argument with a space as a whole ({@code "name=Local Area Connection"}), which
     * the C runtime splits back into the same argument that {@code name="Local Area Connection"} typed at a prompt
     * gives. A double quote in the alias could not survive that round trip unambiguously, so such an alias is refused.
     */
    static Bench.Way netsh(String interfaceName, Vip vip) {
        if (interfaceName.indexOf('"') >= 0) {
            throw new IllegalArgumentException("--compare-shell: the interface alias " + interfaceName
                    + " has a double quote, which cannot be passed to netsh as part of one argument");
        }
        String name = "name=" + interfaceName;
        String address = "address=" + vip.address();
        String mask = "mask=" + IpAddress.ofIpv4Bits(IpAddress.ipv4Mask(vip.prefixLength()));
        return new Bench.Way("netsh interface ipv4 add address (vendor script, no GARP)", "netsh interface ipv4 delete address (vendor script)",
                List.of("netsh", "interface", "ipv4", "add", "address", name, address, mask),
                List.of("netsh", "interface", "ipv4", "delete", "address", name, address), false);
    }
}
