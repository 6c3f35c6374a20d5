package dev.vipctl.agent;

import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.agent.arp.ArpResolver;
import dev.vipctl.agent.arp.PacketSocketArpLink;
import dev.vipctl.linux.LinuxNetworkOs;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks the OS implementation from {@code os.name}: Linux, or Windows ({@link WindowsPlatform}). Each branch names
 * its implementation classes directly; the JVM loads a class only when a branch that uses it runs, so no other OS's
 * code is loaded.
 */
public final class Platforms {
    /** linux/capability.h: CAP_NET_ADMIN 12 (configure addresses), CAP_NET_RAW 13 (send raw frames). */
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_NET_RAW = 13;
    private static volatile Long capabilities;

    private Platforms() {
    }


    /**
     * Opens an interface for ARP. On Linux an AF_PACKET socket: microseconds once JNA is loaded, where libpcap takes
     * tens of milliseconds to load and open (measured in the README), which the path to the first gratuitous ARP cannot
     * spare. An anonymous class, not a lambda: no lambda bootstrap on that path.
     */
    public static final TakeoverEngine.ArpLinkOpener ARP_LINKS = new TakeoverEngine.ArpLinkOpener() {
        @Override
        public ArpLink open(String captureDevice) throws IOException {
            if (ThisOs.isWindows()) {
                return WindowsArpLinks.here().open(captureDevice);
            }
            if (!ThisOs.isLinux()) {
                throw new IOException(unsupported().getMessage());
            }
            return PacketSocketArpLink.open(captureDevice);
        }

        /** On Windows without Npcap, SendARP (docs/windows.md#the-wire). */
        @Override
        public ArpResolver resolverInstead() {
            return ThisOs.isWindows() ? WindowsArpLinks.here().resolverInstead() : null;
        }
    };

    /** This host, as every command but the resident agent's warm-up sees it. */
    public static final Host THIS_HOST = new Host() {
        @Override
        public NetworkOs open() throws TakeoverException {
            return Platforms.open();
        }

        @Override
        public TakeoverEngine.ArpLinkOpener arpLinks() {
            return ARP_LINKS;
        }
    };

    /** Opens this OS's network configuration. */
    public static NetworkOs open() throws TakeoverException {
        if (ThisOs.isWindows()) {
            return WindowsPlatform.open();
        }
        if (!ThisOs.isLinux()) {
            throw unsupported();
        }
        try {
            return LinuxNetworkOs.open();
        } catch (OsException e) {
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "cannot open the kernel's routing socket: " + e.getMessage(), e);
        }
    }

    /**
     * Checks, before anything is touched, that this process may change addresses ({@code addresses}) and send and
     * receive raw frames ({@code rawFrames}). The kernel would refuse anyway; asking first gives the operator the fix
     * instead of an errno. On Windows both need an elevated token.
     */
    public static void checkPrivileges(boolean addresses, boolean rawFrames) throws TakeoverException {
        if (ThisOs.isWindows()) {
            WindowsPlatform.checkPrivileges();
            return;
        }
        if (!ThisOs.isLinux()) {
            throw unsupported();
        }
        Long effective = ownCapabilities();
        if (effective == null) {
            return; // No /proc to ask: let the kernel's EPERM speak (mapped to the same exit code).
        }
        List<String> missing = missingCapabilities(effective, addresses, rawFrames);
        if (!missing.isEmpty()) {
            throw new TakeoverException(ExitCode.NOT_PRIVILEGED, "not privileged: missing " + String.join(" and ", missing)
                    + "; run as root (sudo), or grant the capabilities (systemd AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW)");
        }
    }

    /**
     * This process's effective capabilities, read once: vipctl never changes them, and the resident agent would
     * otherwise read /proc/self/status for every request. Null when there is no /proc to read.
     */
    private static Long ownCapabilities() {
        Long effective = capabilities;
        if (effective == null) {
            try {
                effective = effectiveCapabilities(Files.readAllLines(Path.of("/proc/self/status")));
            } catch (IOException | RuntimeException e) {
                return null;
            }
            capabilities = effective;
        }
        return effective;
    }

    /** Of the capabilities asked for (changing addresses, raw frames), the names of those not in {@code effective}. */
    static List<String> missingCapabilities(long effective, boolean addresses, boolean rawFrames) {
        List<String> missing = new ArrayList<>();
        if (addresses && (effective & 1L << CAP_NET_ADMIN) == 0) {
            missing.add("CAP_NET_ADMIN");
        }
        if (rawFrames && (effective & 1L << CAP_NET_RAW) == 0) {
            missing.add("CAP_NET_RAW");
        }
        return missing;
    }

    /** The CapEff bit mask from the lines of /proc/self/status. */
    static long effectiveCapabilities(List<String> statusLines) {
        for (String line : statusLines) {
            if (line.startsWith("CapEff:")) {
                return Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
            }
        }
        throw new IllegalArgumentException("no CapEff line");
    }

    private static TakeoverException unsupported() {
        return new TakeoverException(ExitCode.UNSUPPORTED_OS, "vipctl does not support " + System.getProperty("os.name")
                + ": it runs on Linux and Windows");
    }
}
