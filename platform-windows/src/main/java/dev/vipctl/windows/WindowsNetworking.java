package dev.vipctl.windows;

import com.sun.jna.NativeLibrary;
import dev.vipctl.os.NetworkOs;

import java.util.Locale;

/**
 * The agent's one way into this module: the {@link NetworkOs} of this Windows host, with the structures' layout of
 * the JVM's architecture (docs/windows.md#how-vipctl-picks-windows).
 */
public final class WindowsNetworking {
    /** The DLL every call of {@link IpHelperJna} goes to. */
    public static final String IP_HELPER_DLL = "iphlpapi.dll";

    private WindowsNetworking() {
    }

    /**
     * The layout for a JVM's {@code os.arch}, or null for an architecture vipctl has no layout for. The names are those
     * OpenJDK and other JVMs report on Windows, with their aliases from other JVMs and from Linux.
     */
    static IpHelperLayout layout(String osArch) {
        switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64":
            case "x86_64":
                return IpHelperLayout.X64;
            case "x86":
            case "i386":
            case "i486":
            case "i586":
            case "i686":
                return IpHelperLayout.X86;
            case "aarch64":
            case "arm64":
                return IpHelperLayout.ARM64;
            default:
                return null;
        }
    }

    /** The layout for {@code osArch}; throws IllegalArgumentException for one {@link #knowsArchitecture} does not know. */
    static IpHelperLayout requireLayout(String osArch) {
        IpHelperLayout layout = layout(osArch);
        if (layout == null) {
            throw new IllegalArgumentException("no IP Helper structure layout for os.arch " + osArch);
        }
        return layout;
    }

    /** The layout of this JVM's {@code os.arch}, as {@link #requireLayout}. */
    static IpHelperLayout layoutOfThisJvm() {
        return requireLayout(System.getProperty("os.arch", ""));
    }

    /** Whether vipctl knows the IP Helper structures' layout on this {@code os.arch}. */
    public static boolean knowsArchitecture(String osArch) {
        return layout(osArch) != null;
    }

    /**
     * Loads {@value #IP_HELPER_DLL} now, so that a host without it fails here, before anything is looked at, rather
     * than at the first call in the middle of a command.
     *
     * @throws LinkageError when the DLL, or JNA's own native part, cannot be loaded
     */
    public static void loadIpHelper() {
        NativeLibrary.getInstance("iphlpapi");
    }

    /**
     * This host's network configuration through {@value #IP_HELPER_DLL}, which it loads first.
     *
     * @throws IllegalArgumentException for an {@code os.arch} that {@link #knowsArchitecture} does not know
     * @throws LinkageError as {@link #loadIpHelper}
     */
    public static NetworkOs open(String osArch) {
        IpHelperLayout layout = requireLayout(osArch);
        loadIpHelper();
        return new WindowsNetworkOs(new IpHelperJna(layout), layout, Thread::sleep);
    }
}
