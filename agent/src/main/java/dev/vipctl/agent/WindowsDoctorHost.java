package dev.vipctl.agent;

import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;
import dev.vipctl.windows.Npcap;
import dev.vipctl.windows.WindowsDiagnostics;
import dev.vipctl.windows.WindowsPrivileges;

import java.nio.file.Path;


/** The doctor's {@link WindowsDoctor.Host} that asks Windows; made only on Windows, the one place dev.vipctl.windows is loaded. */
final class WindowsDoctorHost implements WindowsDoctor.Host {
    private final WindowsDiagnostics diagnostics = WindowsDiagnostics.forThisJvm();

    private WindowsDoctorHost() {
    }

    static WindowsDoctor.Host create() {
        return new WindowsDoctorHost();
    }

    @Override
    public void checkElevated() throws OsException {
        WindowsPrivileges.checkElevated();
    }

    @Override
    public Npcap npcap() {
        return Npcap.installed();
    }

    @Override
    public NetworkOs networkOs() {
        return diagnostics.networkOs();
    }

    @Override
    public WindowsDoctor.Settings settings(String alias) throws OsException {
        WindowsDiagnostics.InterfaceSettings settings = diagnostics.settings(alias);
        return new WindowsDoctor.Settings(settings.dhcpEnabled, settings.dadTransmits);
    }

    @Override
    public Path defaultLockDirectory() throws TakeoverException {
        return WindowsVipLock.defaultDirectory();
    }

    @Override
    public boolean lockDirectoryExists(Path directory) throws TakeoverException {
        return WindowsVipLock.checkExisting(directory);
    }
}
