package dev.vipctl.lab;

import dev.vipctl.agent.Vip;
import dev.vipctl.os.IpAddress;

import java.util.ArrayList;
import java.util.List;

/**
 * How each platform's scripts move a VIP without vipctl, one process per step, for {@code bench --compare-shell} to
 * time beside it. Chosen per OS here and nowhere else. Only Linux's are implemented: vipctl itself runs only there.
 */
final class OldWays {
    /** Named so that the bench's output can say what it did not run. */
    static final String NOT_IMPLEMENTED = "the other platforms' old ways are not implemented: Windows 'netsh interface ipv4 add|delete address',"
            + " AIX 'ifconfig IF alias|delete', Solaris 'ifconfig IF addif|removeif'";

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
        String os = System.getProperty("os.name", "");
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
}
