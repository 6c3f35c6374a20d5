package dev.vipctl.agent;

import dev.vipctl.agent.Doctor.Finding;
import dev.vipctl.agent.Doctor.Status;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;
import dev.vipctl.windows.Npcap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The doctor's Windows checks against a host whose answers a test sets, as Windows would give them. */
class WindowsDoctorTest {
    private static final InterfaceAddress OWN = new InterfaceAddress(IpAddress.parseIpv4("192.0.2.10"), 24, "");

    @TempDir
    Path temp;
    private FakeHost host;
    private final List<String> arpOpened = new ArrayList<>();
    private IOException arpFailure;

    /** A healthy host: elevated, Npcap installed, the adapter up with a static address and Windows' default DadTransmits. */
    @BeforeEach
    void healthyHost() throws Exception {
        host = new FakeHost(new RecordingNetworkOs(true, true));
        host.os.add(host.os.nic, OWN);
        host.os.calls.clear();
    }

    private List<Finding> examine(String alias) throws IOException {
        Path locks = Files.createDirectories(temp.resolve("vipctl"));
        List<Finding> findings = WindowsDoctor.examine("Windows Server 2022", host, interfaceName -> {
            arpOpened.add(interfaceName);
            if (arpFailure != null) {
                throw arpFailure;
            }
        }, alias, locks);
        assertEquals(WindowsDoctor.CHECKS, findings.stream().map(Finding::check).collect(Collectors.toList()), "every check, in order");
        for (Finding finding : findings) {
            assertEquals(finding.status() == Status.FAIL, finding.exitCode() != null, finding::toString);
            assertEquals(finding.status() == Status.FAIL || finding.status() == Status.WARN, finding.fix() != null, finding::toString);
        }
        assertTrue(host.os.closed, "the doctor closes the OS it opened");
        return findings;
    }

    private static Finding find(List<Finding> findings, String check) {
        return findings.stream().filter(finding -> finding.check().equals(check)).findFirst().orElseThrow();
    }

    private static void assertStatus(List<Finding> findings, String check, Status status) {
        assertEquals(status, find(findings, check).status(), () -> find(findings, check).toString());
    }

    @Test
    void aHealthyHostIsAllOkAndOnlyLooked() throws Exception {
        List<Finding> findings = examine("eth0");

        for (Finding finding : findings) {
            assertEquals(Status.OK, finding.status(), finding::toString);
        }
        assertEquals(ExitCode.OK, Doctor.exitCode(findings));
        assertEquals(List.of("resolve eth0", "list"), host.os.calls, "only looks");
        assertEquals(List.of("eth0"), arpOpened);
        assertTrue(find(findings, WindowsDoctor.DAD_TRANSMITS).detail().contains("DadTransmits 3"));
    }

    @Test
    void aProcessThatIsNotElevatedFailsWithExitThreeAndTheFix() throws Exception {
        host.elevation = new OsException(OsException.Reason.NOT_PERMITTED, 0, "not privileged: this process is not elevated");
        List<Finding> findings = examine("eth0");

        assertStatus(findings, Doctor.PRIVILEGES, Status.FAIL);
        assertTrue(find(findings, Doctor.PRIVILEGES).fix().contains("elevated prompt"));
        assertEquals(ExitCode.NOT_PRIVILEGED, Doctor.exitCode(findings));
    }

    @Test
    void withoutNpcapItWarnsAndSkipsTheArpSocket() throws Exception {
        host.npcap = false;
        List<Finding> findings = examine("eth0");

        assertStatus(findings, WindowsDoctor.NPCAP, Status.WARN);
        assertTrue(find(findings, WindowsDoctor.NPCAP).detail().contains("Npcap is not installed: no C:\\Windows\\System32\\Npcap\\wpcap.dll"));
        assertStatus(findings, Doctor.ARP_SOCKET, Status.SKIPPED);
        assertEquals(List.of(), arpOpened);
        assertEquals(ExitCode.OK, Doctor.exitCode(findings), "a takeover still works, less well");
    }

    @Test
    void dhcpOnTheInterfaceIsAWarningWithTheStaticFix() throws Exception {
        host.settings = new WindowsDoctor.Settings(true, 3);
        List<Finding> findings = examine("eth0");

        assertStatus(findings, WindowsDoctor.DHCP, Status.WARN);
        assertTrue(find(findings, WindowsDoctor.DHCP).fix().startsWith("give eth0 a static address: netsh interface ipv4 set address name=\"eth0\" source=static"));
        assertEquals(ExitCode.OK, Doctor.exitCode(findings));
    }

    @Test
    void noDuplicateAddressDetectionIsAWarningThatWindowsWillNotDetectADuplicate() throws Exception {
        host.settings = new WindowsDoctor.Settings(false, 0);
        List<Finding> findings = examine("eth0");

        Finding dad = find(findings, WindowsDoctor.DAD_TRANSMITS);
        assertEquals(Status.WARN, dad.status(), dad::toString);
        assertTrue(dad.detail().contains("will not detect another host holding the VIP"), dad.detail());
        assertEquals("netsh interface ipv4 set interface interface=\"eth0\" dadtransmits=3 (Windows' default)", dad.fix());
    }

    @Test
    void anAdapterThatIsNotUpFailsWithExitFourAndSkipsWhatNeedsIt() throws Exception {
        host = new FakeHost(new RecordingNetworkOs(false, false));
        List<Finding> findings = examine("eth0");

        assertStatus(findings, Doctor.INTERFACE, Status.FAIL);
        assertTrue(find(findings, Doctor.INTERFACE).fix().startsWith("Enable-NetAdapter -Name \"eth0\""));
        assertStatus(findings, Doctor.CARRIER, Status.SKIPPED);
        assertStatus(findings, Doctor.ARP_SOCKET, Status.SKIPPED);
        assertStatus(findings, WindowsDoctor.DHCP, Status.OK);
        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, Doctor.exitCode(findings));
    }

    @Test
    void anUnknownAliasFailsAndSkipsEveryInterfaceCheck() throws Exception {
        List<Finding> findings = examine("Ethernet 9");

        assertStatus(findings, Doctor.INTERFACE, Status.FAIL);
        for (String check : List.of(Doctor.CARRIER, WindowsDoctor.DHCP, WindowsDoctor.DAD_TRANSMITS, Doctor.ADDRESSES, Doctor.ARP_SOCKET)) {
            assertStatus(findings, check, Status.SKIPPED);
        }
        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, Doctor.exitCode(findings));
    }

    @Test
    void settingsThatCannotBeReadAreSkippedAndAnArpSocketThatFailsIsExitSeven() throws Exception {
        host.settingsFailure = new OsException(OsException.Reason.REFUSED, 50, "GetIpInterfaceEntry(AF_INET) on eth0: ERROR_NOT_SUPPORTED (50)");
        arpFailure = new IOException("cannot open \\Device\\NPF_{4D36E972-E325-11CE-BFC1-08002BE10318}");
        List<Finding> findings = examine("eth0");

        assertStatus(findings, WindowsDoctor.DHCP, Status.SKIPPED);
        assertStatus(findings, WindowsDoctor.DAD_TRANSMITS, Status.SKIPPED);
        assertStatus(findings, Doctor.ARP_SOCKET, Status.FAIL);
        assertEquals(ExitCode.ANNOUNCE_FAILED, Doctor.exitCode(findings));
    }

    @Test
    void withoutLockDirTheDefaultUnderProgramDataIsChecked() throws Exception {
        host.lockDirectoryExists = false;
        List<Finding> findings = WindowsDoctor.examine("Windows Server 2022", host, interfaceName -> { }, "eth0", null);

        assertEquals(List.of(Path.of("C:\\ProgramData\\vipctl")), host.lockDirectoriesAsked);
        assertStatus(findings, Doctor.LOCK_DIRECTORY, Status.OK);
        assertTrue(find(findings, Doctor.LOCK_DIRECTORY).detail().contains("does not exist yet: vipctl creates it"));
    }

    @Test
    void aLockDirectoryTheLockRefusesFailsWithItsReason() throws Exception {
        host.lockRefusal = new TakeoverException(ExitCode.BAD_INPUT, "the lock directory C:\\ProgramData\\vipctl is not"
                + " trusted: its owner is HOST\\mallory");
        List<Finding> findings = examine("eth0");

        assertStatus(findings, Doctor.LOCK_DIRECTORY, Status.FAIL);
        assertTrue(find(findings, Doctor.LOCK_DIRECTORY).detail().contains("its owner is HOST\\mallory"));
        assertEquals(ExitCode.BAD_INPUT, Doctor.exitCode(findings));
    }

    /** A Windows host as the doctor reads it. */
    private static final class FakeHost implements WindowsDoctor.Host {
        final RecordingNetworkOs os;
        OsException elevation;
        boolean npcap = true;
        WindowsDoctor.Settings settings = new WindowsDoctor.Settings(false, 3);
        OsException settingsFailure;
        boolean lockDirectoryExists = true;
        TakeoverException lockRefusal;
        final List<Path> lockDirectoriesAsked = new ArrayList<>();

        FakeHost(RecordingNetworkOs os) {
            this.os = os;
        }

        @Override
        public void checkElevated() throws OsException {
            if (elevation != null) {
                throw elevation;
            }
        }

        @Override
        public Npcap npcap() {
            return Npcap.in("C:\\Windows\\System32", file -> npcap);
        }

        @Override
        public NetworkOs networkOs() {
            return os;
        }

        @Override
        public WindowsDoctor.Settings settings(String alias) throws OsException {
            if (settingsFailure != null) {
                throw settingsFailure;
            }
            return settings;
        }

        @Override
        public Path defaultLockDirectory() {
            return Path.of("C:\\ProgramData\\vipctl");
        }

        @Override
        public boolean lockDirectoryExists(Path directory) throws TakeoverException {
            lockDirectoriesAsked.add(directory);
            if (lockRefusal != null) {
                throw lockRefusal;
            }
            return lockDirectoryExists;
        }
    }
}
