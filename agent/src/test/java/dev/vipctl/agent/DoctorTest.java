package dev.vipctl.agent;

import dev.vipctl.agent.Doctor.Finding;
import dev.vipctl.agent.Doctor.Status;
import dev.vipctl.linux.Ipv4Conf;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.NetInterface;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The doctor against a fake host: a status file, a sysctl tree, an in-memory OS and a fake ARP socket. */
class DoctorTest {
    /** CapEff with CAP_NET_ADMIN (bit 12) and CAP_NET_RAW (bit 13). */
    private static final String NET_ADMIN_AND_RAW = "0000000000003000";
    private static final List<String> SYSCTLS = List.of(Doctor.ARP_IGNORE, Doctor.ARP_ANNOUNCE, Doctor.PROMOTE_SECONDARIES, Doctor.ARP_ACCEPT);
    private static final InterfaceAddress OWN = new InterfaceAddress(IpAddress.parseIpv4("192.0.2.10"), 24, "eth0");
    private static final InterfaceAddress VIP = new InterfaceAddress(IpAddress.parseIpv4("192.0.2.50"), 24, "eth0:vip");

    @TempDir
    Path temp;
    private Path status;
    private Path conf;
    private Path lockDirectory;
    private final FakeArpSocket arpSocket = new FakeArpSocket();

    /** A healthy host: privileged, Linux's defaults except promote_secondaries on. */
    @BeforeEach
    void healthyHost() throws IOException {
        status = temp.resolve("status");
        capabilities(NET_ADMIN_AND_RAW);
        conf = temp.resolve("conf");
        for (String name : List.of("all", "eth0")) {
            for (String key : SYSCTLS) {
                sysctl(name, key, 0);
            }
        }
        sysctl("all", Doctor.PROMOTE_SECONDARIES, 1);
        lockDirectory = Files.createDirectory(temp.resolve("locks"));
    }

    private void capabilities(String capEff) throws IOException {
        Files.write(status, List.of("Name:\tjava", "CapPrm:\t" + capEff, "CapEff:\t" + capEff, "CapBnd:\t000001ffffffffff"));
    }

    private void sysctl(String name, String key, int value) throws IOException {
        Files.createDirectories(conf.resolve(name));
        Files.writeString(conf.resolve(name).resolve(key), value + "\n");
    }

    private static RecordingNetworkOs hostWithAddresses(boolean up, boolean running) throws Exception {
        RecordingNetworkOs os = new RecordingNetworkOs(up, running);
        os.add(os.nic, OWN);
        os.add(os.nic, VIP);
        os.calls.clear();
        return os;
    }

    private List<Finding> examine(RecordingNetworkOs os, String interfaceName) {
        List<Finding> findings = Doctor.examine("Linux", status, new Ipv4Conf(conf), () -> os, arpSocket, interfaceName, lockDirectory);
        assertEquals(Doctor.CHECKS, findings.stream().map(Finding::check).collect(Collectors.toList()), "every check, in order");
        for (Finding finding : findings) {
            assertEquals(finding.status() == Status.FAIL, finding.exitCode() != null, finding::toString);
            assertEquals(finding.status() == Status.FAIL || finding.status() == Status.WARN, finding.fix() != null, finding::toString);
        }
        assertTrue(os.closed, "the doctor closes the OS it opened");
        return findings;
    }

    private List<Finding> examineEth0() throws Exception {
        return examine(hostWithAddresses(true, true), "eth0");
    }

    private static Finding find(List<Finding> findings, String check) {
        for (Finding finding : findings) {
            if (finding.check().equals(check)) {
                return finding;
            }
        }
        throw new AssertionError("no finding " + check + " in " + findings);
    }

    private static void assertFails(List<Finding> findings, String check, ExitCode exitCode) {
        Finding finding = find(findings, check);
        assertEquals(Status.FAIL, finding.status(), finding::toString);
        assertEquals(exitCode, finding.exitCode(), finding::toString);
    }

    private static void assertSkipped(List<Finding> findings, String check, String reasonPart) {
        Finding finding = find(findings, check);
        assertEquals(Status.SKIPPED, finding.status(), finding::toString);
        assertTrue(finding.detail().startsWith("not checked: ") && finding.detail().contains(reasonPart), finding::toString);
    }

    @Test
    void healthyHostIsAllOkAndNothingChanges() throws Exception {
        RecordingNetworkOs os = hostWithAddresses(true, true);
        List<Finding> findings = examine(os, "eth0");

        for (Finding finding : findings) {
            assertEquals(Status.OK, finding.status(), finding::toString);
        }
        assertEquals(ExitCode.OK, Doctor.exitCode(findings));
        assertEquals("192.0.2.10/24 label eth0 [PERMANENT] (eth0's own address); 192.0.2.50/24 label eth0:vip [SECONDARY, PERMANENT]",
                find(findings, Doctor.ADDRESSES).detail());
        assertEquals(List.of("eth0"), arpSocket.opened);
        assertEquals(List.of("resolve eth0", "list"), os.calls, "only looks");
    }

    @Test
    void linuxDefaultsOnlyWarnAboutPromoteSecondariesAndDoNotFail() throws Exception {
        sysctl("all", Doctor.PROMOTE_SECONDARIES, 0);
        List<Finding> findings = examineEth0();

        for (Finding finding : findings) {
            Status expected = finding.check().equals(Doctor.PROMOTE_SECONDARIES) ? Status.WARN : Status.OK;
            assertEquals(expected, finding.status(), finding::toString);
        }
        assertEquals(ExitCode.OK, Doctor.exitCode(findings));
        assertTrue(find(findings, Doctor.ARP_IGNORE).detail().contains("1 would answer only for addresses on the receiving interface"));
        assertTrue(find(findings, Doctor.ARP_ANNOUNCE).detail().contains("2 sends them from the interface's primary address"));
        assertTrue(find(findings, Doctor.ARP_ACCEPT).detail().contains("updates existing neighbour entries here but creates none"));
    }

    @Test
    void missingCapNetRawFailsNamingItAndSkipsThePcapOpen() throws Exception {
        capabilities("0000000000001000");
        List<Finding> findings = examineEth0();

        assertFails(findings, Doctor.PRIVILEGES, ExitCode.NOT_PRIVILEGED);
        Finding privileges = find(findings, Doctor.PRIVILEGES);
        assertTrue(privileges.detail().contains("0000000000001000 lack CAP_NET_RAW ("), privileges::toString);
        assertTrue(privileges.fix().contains("AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW"), privileges::toString);
        assertTrue(privileges.fix().contains("setcap cap_net_admin,cap_net_raw+ep "), privileges::toString);
        assertSkipped(findings, Doctor.ARP_SOCKET, "lacks CAP_NET_RAW");
        assertEquals(List.of(), arpSocket.opened);
        assertEquals(ExitCode.NOT_PRIVILEGED, Doctor.exitCode(findings));
    }

    @Test
    void missingCapNetAdminFailsNamingItButStillOpensPcap() throws Exception {
        capabilities("0000000000002000");
        List<Finding> findings = examineEth0();

        assertFails(findings, Doctor.PRIVILEGES, ExitCode.NOT_PRIVILEGED);
        assertTrue(find(findings, Doctor.PRIVILEGES).detail().contains("0000000000002000 lack CAP_NET_ADMIN ("));
        assertEquals(Status.OK, find(findings, Doctor.ARP_SOCKET).status());
        assertEquals(List.of("eth0"), arpSocket.opened);
    }

    @Test
    void unreadableCapabilitiesAreSkippedAndPcapTellsInstead() throws Exception {
        Files.delete(status);
        List<Finding> findings = examineEth0();

        assertSkipped(findings, Doctor.PRIVILEGES, status + ": no such file");
        assertEquals(Status.OK, find(findings, Doctor.ARP_SOCKET).status());
        assertEquals(ExitCode.OK, Doctor.exitCode(findings));
    }

    @Test
    void missingInterfaceFailsAndSkipsEveryCheckOfIt() throws Exception {
        RecordingNetworkOs os = hostWithAddresses(true, true);
        List<Finding> findings = examine(os, "eth9");

        assertFails(findings, Doctor.INTERFACE, ExitCode.INTERFACE_UNAVAILABLE);
        assertTrue(find(findings, Doctor.INTERFACE).fix().contains("ip -br link"));
        for (String check : List.of(Doctor.CARRIER, Doctor.ADDRESSES, Doctor.ARP_SOCKET, Doctor.ARP_IGNORE, Doctor.ARP_ANNOUNCE,
                Doctor.PROMOTE_SECONDARIES, Doctor.ARP_ACCEPT)) {
            assertSkipped(findings, check, "interface eth9 could not be looked up (see interface)");
        }
        assertEquals(Status.OK, find(findings, Doctor.LOCK_DIRECTORY).status());
        assertEquals(List.of("resolve eth9"), os.calls);
        assertEquals(List.of(), arpSocket.opened);
        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, Doctor.exitCode(findings));
    }

    @ParameterizedTest
    @EnumSource(value = NetInterface.Arp.class, names = "ON", mode = EnumSource.Mode.EXCLUDE)
    void interfaceWithoutArpFailsWithTheEnginesExplanationAndSkipsEveryCheckOfIt(NetInterface.Arp arp) {
        RecordingNetworkOs os = RecordingNetworkOs.withoutArp(arp);
        String name = os.nic.name();
        List<Finding> findings = examine(os, name);

        assertFails(findings, Doctor.INTERFACE, ExitCode.INTERFACE_UNAVAILABLE);
        assertEquals(TakeoverEngine.whyNoArp(os.nic), find(findings, Doctor.INTERFACE).detail());
        assertEquals(TakeoverEngine.noArpFix(os.nic), find(findings, Doctor.INTERFACE).fix());
        for (String check : List.of(Doctor.CARRIER, Doctor.ADDRESSES, Doctor.ARP_SOCKET, Doctor.ARP_IGNORE, Doctor.ARP_ANNOUNCE,
                Doctor.PROMOTE_SECONDARIES, Doctor.ARP_ACCEPT)) {
            assertSkipped(findings, check, name + " does not run ARP (see interface)");
        }
        assertEquals(Status.OK, find(findings, Doctor.LOCK_DIRECTORY).status());
        assertEquals(List.of("resolve " + name), os.calls);
        assertEquals(List.of(), arpSocket.opened);
        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, Doctor.exitCode(findings));
    }

    @Test
    void downInterfaceFailsWithTheCommandThatBringsItUp() throws Exception {
        List<Finding> findings = examine(hostWithAddresses(false, false), "eth0");

        assertFails(findings, Doctor.INTERFACE, ExitCode.INTERFACE_UNAVAILABLE);
        assertEquals("ip link set eth0 up", find(findings, Doctor.INTERFACE).fix());
        assertSkipped(findings, Doctor.CARRIER, "eth0 is administratively down");
        assertSkipped(findings, Doctor.ARP_SOCKET, "eth0 is administratively down");
        // What a down interface still shows is reported.
        assertEquals(Status.OK, find(findings, Doctor.ADDRESSES).status());
        assertEquals(Status.OK, find(findings, Doctor.ARP_IGNORE).status());
        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, Doctor.exitCode(findings));
    }

    @Test
    void interfaceWithoutCarrierFails() throws Exception {
        List<Finding> findings = examine(hostWithAddresses(true, false), "eth0");

        assertEquals(Status.OK, find(findings, Doctor.INTERFACE).status());
        assertFails(findings, Doctor.CARRIER, ExitCode.INTERFACE_UNAVAILABLE);
        assertTrue(find(findings, Doctor.CARRIER).detail().contains("no carrier"));
        assertEquals(Status.OK, find(findings, Doctor.ARP_SOCKET).status());
        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, Doctor.exitCode(findings));
    }

    @ParameterizedTest(name = "all={0} eth0={1}")
    @CsvSource({"0, 0, WARN, off", "1, 0, OK, on", "0, 1, OK, on"})
    void promoteSecondariesIsOnWhenAllOrTheInterfaceSaysSo(int all, int own, Status expected, String effective) throws Exception {
        sysctl("all", Doctor.PROMOTE_SECONDARIES, all);
        sysctl("eth0", Doctor.PROMOTE_SECONDARIES, own);
        Finding finding = find(examineEth0(), Doctor.PROMOTE_SECONDARIES);

        assertEquals(expected, finding.status(), finding::toString);
        assertTrue(finding.detail().startsWith("all=" + all + ", eth0=" + own + ", effective " + effective + " "), finding::toString);
        if (expected == Status.WARN) {
            assertTrue(finding.detail().contains("also deletes every secondary address"), finding::toString);
            assertTrue(finding.fix().startsWith("sysctl -w net.ipv4.conf.all.promote_secondaries=1 ("), finding::toString);
        }
    }

    @ParameterizedTest(name = "all={0} eth0={1}")
    @CsvSource({
            "0, 8, WARN, net.ipv4.conf.eth0.arp_ignore=1",
            "8, 2, WARN, net.ipv4.conf.all.arp_ignore=1",
            "8, 8, WARN, net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.eth0.arp_ignore=1",
            "3, 0, OK, ",
            "1, 2, OK, ",
            "5, 0, OK, "})
    void arpIgnoreWarnsOnlyWhenTheHostAnswersNothing(int all, int own, Status expected, String settings) throws Exception {
        sysctl("all", Doctor.ARP_IGNORE, all);
        sysctl("eth0", Doctor.ARP_IGNORE, own);
        Finding finding = find(examineEth0(), Doctor.ARP_IGNORE);

        assertEquals(expected, finding.status(), finding::toString);
        assertTrue(finding.detail().startsWith("all=" + all + ", eth0=" + own + ", effective " + Math.max(all, own) + " "), finding::toString);
        if (settings == null) {
            assertNull(finding.fix());
        } else {
            assertTrue(finding.detail().contains("answers no ARP request"), finding::toString);
            assertTrue(finding.fix().startsWith("sysctl -w " + settings + " ("), finding::toString);
        }
    }

    @Test
    void unreadableSysctlsAreSkipped() throws Exception {
        for (String key : SYSCTLS) {
            Files.delete(conf.resolve("eth0").resolve(key));
        }
        List<Finding> findings = examineEth0();

        for (String key : SYSCTLS) {
            assertSkipped(findings, key, conf.resolve("eth0").resolve(key) + ": no such file");
        }
    }

    @Test
    void arpSocketFailureIsWhatUpWouldEndWith() throws Exception {
        arpSocket.openFailure = new IOException("cannot open a packet socket for ARP on eth0: EMFILE (24)");
        List<Finding> findings = examineEth0();

        assertFails(findings, Doctor.ARP_SOCKET, ExitCode.ANNOUNCE_FAILED);
        assertEquals(arpSocket.openFailure.getMessage(), find(findings, Doctor.ARP_SOCKET).detail());
    }

    @Test
    void exitCodeIsTheFirstFailuresCode() throws Exception {
        List<Finding> findings = examine(hostWithAddresses(true, true), "eth9");
        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, Doctor.exitCode(findings), findings::toString);

        capabilities("0000000000000000");
        findings = examine(hostWithAddresses(true, true), "eth9");
        assertEquals(2, findings.stream().filter(finding -> finding.status() == Status.FAIL).count(), findings::toString);
        assertEquals(ExitCode.NOT_PRIVILEGED, Doctor.exitCode(findings), "privileges come first");
    }

    @Test
    void otherOperatingSystemsFailWithoutTouchingTheHost() {
        List<Finding> findings = Doctor.examine("SunOS", status, new Ipv4Conf(conf),
                () -> fail("must not open a network OS"), arpSocket, "eth0", lockDirectory);

        assertEquals(Doctor.CHECKS, findings.stream().map(Finding::check).collect(Collectors.toList()));
        assertFails(findings, Doctor.OS, ExitCode.UNSUPPORTED_OS);
        for (String check : Doctor.CHECKS.subList(1, Doctor.CHECKS.size())) {
            assertSkipped(findings, check, "vipctl does not run on SunOS");
        }
        assertEquals(ExitCode.UNSUPPORTED_OS, Doctor.exitCode(findings));
    }

    @Test
    void missingLockDirectoryIsFineWhenItCanBeCreatedAndIsNotCreated() throws Exception {
        lockDirectory = temp.resolve("run").resolve("vipctl");
        Finding finding = find(examineEth0(), Doctor.LOCK_DIRECTORY);

        assertEquals(Status.OK, finding.status(), finding::toString);
        assertTrue(finding.detail().contains("does not exist yet"), finding::toString);
        assertFalse(Files.exists(temp.resolve("run")), "the doctor creates nothing");
    }

    @Test
    void lockDirectoryThatCannotBeCreatedFails() throws Exception {
        // A file where a directory must be: no privilege helps, so this holds for root too. Root may write and, with
        // an execute bit, search anything: only the file type tells this apart from a usable directory.
        Path file = Files.createFile(temp.resolve("run"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        lockDirectory = file.resolve("vipctl");
        List<Finding> findings = examineEth0();

        assertFails(findings, Doctor.LOCK_DIRECTORY, ExitCode.NOT_PRIVILEGED);
        assertTrue(find(findings, Doctor.LOCK_DIRECTORY).detail().endsWith(file + " is not a directory"));
        assertEquals(ExitCode.NOT_PRIVILEGED, Doctor.exitCode(findings));
    }

    @Test
    void sysctlNamesOfVlanInterfacesUseSlashes() {
        assertEquals("net.ipv4.conf.eth0.arp_ignore", Doctor.sysctlName("eth0", "arp_ignore"));
        assertEquals("net/ipv4/conf/eth0.100/arp_ignore", Doctor.sysctlName("eth0.100", "arp_ignore"));
    }


    private static final class FakeArpSocket implements Doctor.ArpSocket {
        IOException openFailure;
        final List<String> opened = new ArrayList<>();

        @Override
        public void openAndClose(String interfaceName) throws IOException {
            opened.add(interfaceName);
            if (openFailure != null) {
                throw openFailure;
            }
        }
    }
}
