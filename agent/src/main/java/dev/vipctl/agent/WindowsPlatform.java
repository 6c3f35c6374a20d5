package dev.vipctl.agent;

import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;
import dev.vipctl.windows.WindowsNetworking;
import dev.vipctl.windows.WindowsPrivileges;

/**
 * {@link Platforms}' Windows branch. It and the other agent classes that name platform-windows (WindowsArpLinks,
 * WindowsDoctor, WindowsDoctorHost, WindowsVipLock) are reached only from a Windows branch, so that platform-windows
 * loads on Windows alone (docs/windows.md#how-vipctl-picks-windows; OsChoiceLauncherTest watches the class loading).
 */
final class WindowsPlatform {
    private WindowsPlatform() {
    }

    static NetworkOs open() throws TakeoverException {
        requireIpHelper();
        return WindowsNetworking.open(System.getProperty("os.arch", ""));
    }

    /** An elevated token, asked after the IP Helper API is known to load, so that a host without it fails one way. */
    static void checkPrivileges() throws TakeoverException {
        requireIpHelper();
        try {
            WindowsPrivileges.checkElevated();
        } catch (OsException e) {
            throw new TakeoverException(e.reason() == OsException.Reason.NOT_PERMITTED ? ExitCode.NOT_PRIVILEGED : ExitCode.INTERNAL_ERROR,
                    e.getMessage(), e);
        } catch (LinkageError e) {
            throw cannotLoad("advapi32.dll and kernel32.dll, which tell whether this process is elevated", e);
        }
    }

    /**
     * Fails with {@link ExitCode#UNSUPPORTED_OS} for an architecture without a structure layout, or when iphlpapi.dll
     * (or JNA's native part) cannot be loaded: on a Windows without the IP Helper API, or on another OS that reports
     * itself as Windows.
     */
    static void requireIpHelper() throws TakeoverException {
        String arch = System.getProperty("os.arch", "");
        if (!WindowsNetworking.knowsArchitecture(arch)) {
            throw new TakeoverException(ExitCode.UNSUPPORTED_OS, "vipctl does not support " + System.getProperty("os.name")
                    + " on os.arch " + arch + ": it knows the IP Helper structures on x64 (amd64), x86 and arm64 (aarch64)");
        }
        try {
            WindowsNetworking.loadIpHelper();
        } catch (LinkageError e) {
            throw cannotLoad(WindowsNetworking.IP_HELPER_DLL + ", the IP Helper API", e);
        }
    }

    /**
     * One line: the library, the OS, and the first line of the loader's reason (JNA's runs to a line per place it
     * looked, the first ending in a colon).
     */
    private static TakeoverException cannotLoad(String library, LinkageError e) {
        String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("").replaceFirst(":$", "");
        return new TakeoverException(ExitCode.UNSUPPORTED_OS, "cannot load " + library + ", on " + System.getProperty("os.name")
                + " " + System.getProperty("os.arch") + " (" + reason + ")", e);
    }
}
