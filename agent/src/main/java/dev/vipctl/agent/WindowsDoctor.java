package dev.vipctl.agent;

import dev.vipctl.agent.Doctor.Finding;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;
import dev.vipctl.windows.Npcap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.vipctl.agent.Doctor.fail;
import static dev.vipctl.agent.Doctor.ok;
import static dev.vipctl.agent.Doctor.skipped;
import static dev.vipctl.agent.Doctor.warn;

/**
 * {@code vipctl doctor} on Windows (docs/windows.md#doctor): the same findings and exit codes as on Linux, from
 * Windows' sources. Written against {@link Host}, so that it runs and is tested anywhere; {@link WindowsDoctorHost} is
 * the host that asks Windows.
 */
final class WindowsDoctor {
    static final String NPCAP = "npcap";
    static final String DHCP = "dhcp";
    static final String DAD_TRANSMITS = "dad-transmits";
    /** Every run on Windows reports these checks, in this order. */
    static final List<String> CHECKS = List.of(Doctor.OS, Doctor.PRIVILEGES, NPCAP, Doctor.INTERFACE, Doctor.CARRIER, DHCP,
            DAD_TRANSMITS, Doctor.ADDRESSES, Doctor.ARP_SOCKET, Doctor.LOCK_DIRECTORY);
    /** The checks that look at the interface once it is resolved. */
    private static final List<String> INTERFACE_CHECKS = CHECKS.subList(CHECKS.indexOf(Doctor.CARRIER), CHECKS.indexOf(Doctor.LOCK_DIRECTORY));

    /** What the doctor reads on Windows. */
    interface Host {
        /** Throws NOT_PERMITTED, with the fix, unless this process's token is elevated. */
        void checkElevated() throws OsException;

        /** Npcap on this host, as {@code Npcap.installed()} finds it. */
        Npcap npcap();

        NetworkOs networkOs();

        /** The interface's DHCP flag and its IPv4 DadTransmits. */
        Settings settings(String alias) throws OsException;

        /** This OS's default lock directory (%ProgramData%\vipctl). */
        Path defaultLockDirectory() throws TakeoverException;

        /** Whether the lock directory exists; throws as the lock refuses it (a link, not a trusted owner's). */
        boolean lockDirectoryExists(Path directory) throws TakeoverException;
    }

    /** An interface's settings that a takeover depends on but never changes. */
    static final class Settings {
        final boolean dhcpEnabled;
        final long dadTransmits;

        Settings(boolean dhcpEnabled, long dadTransmits) {
            this.dhcpEnabled = dhcpEnabled;
            this.dadTransmits = dadTransmits;
        }
    }

    private final Host host;
    private final Doctor.ArpSocket arpSocket;
    private final String alias;
    private final List<Finding> findings = new ArrayList<>();

    private WindowsDoctor(Host host, Doctor.ArpSocket arpSocket, String alias) {
        this.host = host;
        this.arpSocket = arpSocket;
        this.alias = alias;
    }

    /** Examines this Windows host for a takeover on the interface {@code alias}; the NetworkOs is closed again. */
    static List<Finding> examine(String osName, Host host, Doctor.ArpSocket arpSocket, String alias, Path lockDirectory) {
        WindowsDoctor doctor = new WindowsDoctor(host, arpSocket, alias);
        doctor.findings.add(ok(Doctor.OS, osName));
        doctor.checkElevation();
        String noNpcap = doctor.checkNpcap();
        try (NetworkOs os = host.networkOs()) {
            doctor.examineInterface(os, noNpcap);
        }
        doctor.findings.add(doctor.lockDirectory(lockDirectory));
        return Collections.unmodifiableList(doctor.findings);
    }

    /** An elevated token (an Administrator's full token): CreateUnicastIpAddressEntry refuses any other. */
    private void checkElevation() {
        try {
            host.checkElevated();
            findings.add(ok(Doctor.PRIVILEGES, "this process's token is elevated (an Administrator's full token)"));
        } catch (OsException e) {
            if (e.reason() == OsException.Reason.NOT_PERMITTED) {
                findings.add(fail(Doctor.PRIVILEGES, e.getMessage(), "run vipctl from an elevated prompt (Run as administrator), or"
                        + " as a service account in Administrators", ExitCode.NOT_PRIVILEGED));
            } else {
                findings.add(skipped(Doctor.PRIVILEGES, "cannot ask Windows: " + e.getMessage()));
            }
        }
    }

    /** Returns why the ARP socket check is skipped, or null. */
    private String checkNpcap() {
        Npcap npcap;
        try {
            npcap = host.npcap();
        } catch (RuntimeException e) {
            findings.add(skipped(NPCAP, "cannot find the system directory: " + e.getMessage()));
            return "Npcap's folder is unknown (see " + NPCAP + ")";
        }
        if (npcap.isInstalled()) {
            findings.add(ok(NPCAP, "Npcap is installed (" + npcap.wpcap() + "): vipctl sends gratuitous ARP and"
                    + " checks the wire through it"));
            return null;
        }
        findings.add(warn(NPCAP, npcap.missing() + ": vipctl up sends no gratuitous ARP"
                        + " of its own and relies on the ARP of Windows' duplicate address detection; the release check and"
                        + " the peer question use SendARP",
                "install Npcap (https://npcap.com) with its default options"));
        return "Npcap is not installed (see " + NPCAP + ")";
    }

    private void examineInterface(NetworkOs os, String noNpcap) {
        NetInterface nic;
        try {
            nic = os.resolve(alias);
        } catch (OsException e) {
            findings.add(fail(Doctor.INTERFACE, e.getMessage(), "name an existing interface by its alias: Get-NetAdapter lists them",
                    ExitCode.of(e.reason())));
            skipInterfaceChecks("interface " + alias + " could not be looked up (see " + Doctor.INTERFACE + ")");
            return;
        }
        if (nic.arp() != NetInterface.Arp.ON) {
            findings.add(fail(Doctor.INTERFACE, TakeoverEngine.whyNoArp(nic), TakeoverEngine.noArpFix(nic), ExitCode.INTERFACE_UNAVAILABLE));
            skipInterfaceChecks(alias + " does not run ARP (see " + Doctor.INTERFACE + ")");
            return;
        }
        String down = null;
        if (nic.isUp()) {
            findings.add(ok(Doctor.INTERFACE, nic.toString()));
            findings.add(ok(Doctor.CARRIER, alias + " is connected (OperStatus Up)"));
        } else {
            // IP_ADAPTER_ADDRESSES has one state, OperStatus: a disabled adapter and a pulled cable both read as not Up.
            down = alias + " is not up (see " + Doctor.INTERFACE + ")";
            findings.add(fail(Doctor.INTERFACE, nic + " is not up (OperStatus not Up: disabled, or no cable): vipctl up refuses it",
                    "Enable-NetAdapter -Name \"" + alias + "\", and connect its cable", ExitCode.INTERFACE_UNAVAILABLE));
            findings.add(skipped(Doctor.CARRIER, down));
        }
        checkSettings();
        checkAddresses(os, nic);
        checkArpSocket(nic, noNpcap != null ? noNpcap : down);
    }

    private void checkSettings() {
        Settings settings;
        try {
            settings = host.settings(alias);
        } catch (OsException e) {
            findings.add(skipped(DHCP, "cannot read: " + e.getMessage()));
            findings.add(skipped(DAD_TRANSMITS, "cannot read: " + e.getMessage()));
            return;
        }
        if (settings.dhcpEnabled) {
            findings.add(warn(DHCP, alias + " takes its IPv4 address from DHCP: a lease lost or renewed differently changes the"
                            + " host's own address beside the VIP, and New-NetIPAddress (the PowerShell way to add an address)"
                            + " turns DHCP off on the interface",
                    "give " + alias + " a static address: netsh interface ipv4 set address name=\"" + alias
                            + "\" source=static address=ADDRESS mask=MASK gateway=GATEWAY"));
        } else {
            findings.add(ok(DHCP, alias + " has a static IPv4 configuration (DHCP off)"));
        }
        if (settings.dadTransmits == 0) {
            findings.add(warn(DAD_TRANSMITS, alias + " has DadTransmits 0: Windows runs no duplicate address detection there,"
                            + " so it will not detect another host holding the VIP when vipctl adds it",
                    "netsh interface ipv4 set interface interface=\"" + alias + "\" dadtransmits=3 (Windows' default)"));
        } else {
            findings.add(ok(DAD_TRANSMITS, alias + " has DadTransmits " + settings.dadTransmits + ": Windows checks the link for"
                    + " another holder of an address before it is used"));
        }
    }

    private void checkAddresses(NetworkOs os, NetInterface nic) {
        List<InterfaceAddress> addresses;
        try {
            addresses = os.addresses(nic);
        } catch (OsException e) {
            findings.add(fail(Doctor.ADDRESSES, e.getMessage(), "none known: vipctl up lists the addresses the same way and would"
                    + " stop there; please report the message", ExitCode.of(e.reason())));
            return;
        }
        if (addresses.isEmpty()) {
            findings.add(ok(Doctor.ADDRESSES, alias + " has no IPv4 address"));
            return;
        }
        List<String> listed = new ArrayList<>();
        for (InterfaceAddress address : addresses) {
            listed.add(address + (TakeoverEngine.isOwnAddress(address, alias) ? " (" + alias + "'s own address)" : ""));
        }
        findings.add(ok(Doctor.ADDRESSES, String.join("; ", listed)));
    }

    private void checkArpSocket(NetInterface nic, String skipReason) {
        if (skipReason != null) {
            findings.add(skipped(Doctor.ARP_SOCKET, skipReason));
            return;
        }
        try {
            arpSocket.openAndClose(nic.captureDevice());
            findings.add(ok(Doctor.ARP_SOCKET, "opened " + alias + " through Npcap for ARP frames and closed it again"));
        } catch (IOException e) {
            findings.add(fail(Doctor.ARP_SOCKET, e.getMessage(), "remove the cause named; reinstall Npcap if it names Npcap",
                    ExitCode.ANNOUNCE_FAILED));
        }
    }

    /** The lock directory as WindowsVipLock will take it: the default %ProgramData%\vipctl, or --lock-dir. */
    private Finding lockDirectory(Path lockDirectory) {
        try {
            Path directory = lockDirectory != null ? lockDirectory : host.defaultLockDirectory();
            return ok(Doctor.LOCK_DIRECTORY, host.lockDirectoryExists(directory)
                    ? directory + " is a directory of Administrators or SYSTEM: vipctl keeps its locks there"
                    : directory + " does not exist yet: vipctl creates it, for Administrators and SYSTEM only");
        } catch (TakeoverException e) {
            return fail(Doctor.LOCK_DIRECTORY, e.getMessage(), "have an administrator remove it, or pass --lock-dir with a"
                    + " directory of Administrators", e.exitCode());
        }
    }

    private void skipInterfaceChecks(String reason) {
        for (String check : INTERFACE_CHECKS) {
            findings.add(skipped(check, reason));
        }
    }
}
