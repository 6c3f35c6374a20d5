package dev.vipctl.agent;

import dev.vipctl.linux.Ipv4Conf;
import dev.vipctl.linux.LinuxNetworkOs;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code vipctl doctor}: finds what would stop or weaken a takeover on one interface of this host, each with its fix.
 * It only looks: it sets nothing, creates nothing, adds no address and sends no frame (the ARP socket check opens
 * the interface and closes it again).
 *
 * <p>Every run reports the same checks in the same order. A check that an earlier failure makes meaningless, or whose
 * source cannot be read, comes out {@link Status#SKIPPED} with the reason rather than with a guessed result.
 */
public final class Doctor {
    public static final String OS = "os";
    public static final String PRIVILEGES = "privileges";
    public static final String INTERFACE = "interface";
    public static final String CARRIER = "carrier";
    public static final String ADDRESSES = "addresses";
    public static final String ARP_SOCKET = "arp-socket";
    // The sysctl checks are named after their key in net.ipv4.conf.<interface>.
    public static final String ARP_IGNORE = "arp_ignore";
    public static final String ARP_ANNOUNCE = "arp_announce";
    public static final String PROMOTE_SECONDARIES = "promote_secondaries";
    public static final String ARP_ACCEPT = "arp_accept";
    public static final String LOCK_DIRECTORY = "lock-directory";
    /** Every run reports these checks, in this order. */
    public static final List<String> CHECKS = List.of(OS, PRIVILEGES, INTERFACE, CARRIER, ADDRESSES, ARP_SOCKET,
            ARP_IGNORE, ARP_ANNOUNCE, PROMOTE_SECONDARIES, ARP_ACCEPT, LOCK_DIRECTORY);
    /** The checks that look at the interface once it is resolved. */
    private static final List<String> INTERFACE_CHECKS = CHECKS.subList(CHECKS.indexOf(CARRIER), CHECKS.indexOf(LOCK_DIRECTORY));

    private static final Path PROC_SELF_STATUS = Path.of("/proc/self/status");
    /** arp_ignore 8, kernel Documentation/networking/ip-sysctl.rst: "do not reply for all local addresses". */
    private static final int ARP_IGNORE_NEVER_REPLY = 8;

    /** How a check came out. */
    public enum Status {
        OK,
        /** A takeover works, but less well than it could: the fix says how to do better. */
        WARN,
        /** {@code vipctl up} would stop here, or achieve nothing: {@link Finding#exitCode()} says with which code. */
        FAIL,
        /**
         * Not examined, because an earlier check failed (its id is named) or the source could not be read. Neither a
         * weakness nor health, so it is neither WARN nor OK; the failure that caused it is reported once, as FAIL.
         */
        SKIPPED
    }

    /** The outcome of one check. */
    public static final class Finding {
        private final String check;
        private final Status status;
        private final String detail;
        private final String fix;
        private final ExitCode exitCode;

        private Finding(String check, Status status, String detail, String fix, ExitCode exitCode) {
            this.check = check;
            this.status = status;
            this.detail = detail;
            this.fix = fix;
            this.exitCode = exitCode;
        }

        /** The check's stable id, one of the constants of {@link Doctor}. */
        public String check() {
            return check;
        }

        public Status status() {
            return status;
        }

        /** What was found, with the concrete values; for SKIPPED, "not checked: " and why. */
        public String detail() {
            return detail;
        }

        /** A command or setting that removes the problem (for WARN and FAIL); null for OK and SKIPPED. */
        public String fix() {
            return fix;
        }

        /** For FAIL, the code {@code vipctl up} would end with; null otherwise. */
        public ExitCode exitCode() {
            return exitCode;
        }

        @Override
        public String toString() {
            return check + " " + status + ": " + detail + (fix == null ? "" : " [fix: " + fix + "]");
        }
    }

    /** Opens the network configuration to look at: rtnetlink in production. */
    interface NetworkOsOpener {
        NetworkOs open() throws OsException;
    }

    /** Opens an interface for raw frames as {@code vipctl up} does, and closes it again. */
    interface ArpSocket {
        /** @param captureDevice the interface's {@link NetInterface#captureDevice()}: its name on Linux */
        void openAndClose(String captureDevice) throws IOException;
    }

    /** The ARP link {@code vipctl up} uses. */
    static final ArpSocket ARP_LINK = new ArpSocket() {
        @Override
        public void openAndClose(String captureDevice) throws IOException {
            Platforms.ARP_LINKS.open(captureDevice).close();
        }
    };

    private final Path processStatus;
    private final Ipv4Conf ipv4Conf;
    private final ArpSocket arpSocket;
    private final String interfaceName;
    private final List<Finding> findings = new ArrayList<>();

    private Doctor(Path processStatus, Ipv4Conf ipv4Conf, ArpSocket arpSocket, String interfaceName) {
        this.processStatus = processStatus;
        this.ipv4Conf = ipv4Conf;
        this.arpSocket = arpSocket;
        this.interfaceName = interfaceName;
    }

    /**
     * Examines this host for a takeover on {@code interfaceName} with locks in {@code lockDirectory} (null: the
     * default).
     */
    public static List<Finding> examine(String interfaceName, Path lockDirectory) {
        String osName = System.getProperty("os.name", "");
        if (ThisOs.isWindows()) {
            return examineWindows(osName, interfaceName, lockDirectory);
        }
        // A lambda rather than LinuxNetworkOs::open: the class is then resolved only when it is called, on Linux.
        return examine(osName, PROC_SELF_STATUS, Ipv4Conf.system(), () -> LinuxNetworkOs.open(),
                ARP_LINK, interfaceName, lockDirectory == null ? VipLock.LINUX_DIRECTORY : lockDirectory);
    }

    /**
     * On Windows: the IP Helper API must load (a Windows without it, or another OS calling itself Windows, fails the OS
     * check and skips the rest), then {@link WindowsDoctor}'s checks. Only here are the Windows classes resolved.
     */
    private static List<Finding> examineWindows(String osName, String interfaceName, Path lockDirectory) {
        try {
            WindowsPlatform.requireIpHelper();
        } catch (TakeoverException e) {
            Doctor doctor = new Doctor(null, null, ARP_LINK, null);
            doctor.add(fail(OS, e.getMessage(), "run vipctl on Windows with its IP Helper API (iphlpapi.dll), or on Linux", e.exitCode()));
            for (String check : CHECKS.subList(1, CHECKS.size())) {
                doctor.add(skipped(check, "vipctl cannot run here (see " + OS + ")"));
            }
            return Collections.unmodifiableList(doctor.findings);
        }
        return WindowsDoctor.examine(osName, WindowsDoctorHost.create(), ARP_LINK, interfaceName, lockDirectory);
    }

    /**
     * Examines the host the sources describe: {@code processStatus} is read like /proc/self/status. The sources are
     * not touched unless {@code osName} is Linux; a NetworkOs that is opened is closed again.
     */
    static List<Finding> examine(String osName, Path processStatus, Ipv4Conf ipv4Conf, NetworkOsOpener networkOs,
                                 ArpSocket arpSocket, String interfaceName, Path lockDirectory) {
        Doctor doctor = new Doctor(processStatus, ipv4Conf, arpSocket, interfaceName);
        if (!osName.startsWith("Linux")) {
            doctor.add(fail(OS, "this is " + osName + "; vipctl runs on Linux and Windows", "run vipctl on Linux or Windows",
                    ExitCode.UNSUPPORTED_OS));
            for (String check : CHECKS.subList(1, CHECKS.size())) {
                doctor.add(skipped(check, "vipctl does not run on " + osName + " (see " + OS + ")"));
            }
        } else {
            doctor.add(ok(OS, osName));
            doctor.examineLinux(networkOs, lockDirectory);
        }
        return Collections.unmodifiableList(doctor.findings);
    }

    /** The first FAIL's exit code, in the order of the checks; OK if nothing failed. */
    public static ExitCode exitCode(List<Finding> findings) {
        for (Finding finding : findings) {
            if (finding.status == Status.FAIL) {
                return finding.exitCode;
            }
        }
        return ExitCode.OK;
    }

    private void examineLinux(NetworkOsOpener networkOs, Path lockDirectory) {
        String noRawFrames = checkPrivileges();
        try (NetworkOs os = networkOs.open()) {
            examineInterface(os, noRawFrames);
        } catch (OsException e) {
            // Only the opening throws: the interface checks report their own failures.
            add(fail(INTERFACE, "cannot open the kernel's routing socket: " + e.getMessage(),
                    "allow vipctl netlink and packet sockets (systemd: RestrictAddressFamilies= must include AF_NETLINK and AF_PACKET)",
                    ExitCode.INTERNAL_ERROR));
            skipInterfaceChecks("the routing socket could not be opened (see " + INTERFACE + ")");
        }
        add(lockDirectory(lockDirectory));
    }

    /**
     * CAP_NET_ADMIN adds and removes addresses, CAP_NET_RAW sends the announcement (docs/linux.md#privileges). Returns why
     * raw frames cannot be sent, or null.
     */
    private String checkPrivileges() {
        long effective;
        try {
            effective = Platforms.effectiveCapabilities(Files.readAllLines(processStatus));
        } catch (IOException e) {
            add(skipped(PRIVILEGES, "cannot read " + IoErrors.describe(e)));
            return null; // Unknown: the ARP socket check then finds out whether raw frames are allowed.
        } catch (IllegalArgumentException e) {
            add(skipped(PRIVILEGES, "cannot read the capabilities in " + processStatus + ": " + e.getMessage()));
            return null;
        }
        String held = String.format("effective capabilities (CapEff) %016x", effective);
        List<String> missing = Platforms.missingCapabilities(effective, true, true);
        if (missing.isEmpty()) {
            add(ok(PRIVILEGES, held + " include CAP_NET_ADMIN and CAP_NET_RAW"));
            return null;
        }
        Path javaHome = Path.of(System.getProperty("java.home"));
        add(fail(PRIVILEGES, held + " lack " + String.join(" and ", missing)
                        + " (CAP_NET_ADMIN adds and removes addresses, CAP_NET_RAW sends gratuitous ARP)",
                "run vipctl as root, or grant the capabilities: systemd AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW, or setcap"
                        + " cap_net_admin,cap_net_raw+ep " + javaHome.resolve("bin/java") + " (file capabilities make the loader"
                        + " ignore java's $ORIGIN library path: list " + javaHome.resolve("lib") + " in /etc/ld.so.conf.d/ and run ldconfig)",
                ExitCode.NOT_PRIVILEGED));
        return missing.contains("CAP_NET_RAW") ? "this process lacks CAP_NET_RAW (see " + PRIVILEGES + ")" : null;
    }

    private void examineInterface(NetworkOs os, String noRawFrames) {
        NetInterface nic;
        try {
            nic = os.resolve(interfaceName);
        } catch (OsException e) {
            add(fail(INTERFACE, e.getMessage(), "name an existing interface: ip -br link lists them", ExitCode.of(e.reason())));
            skipInterfaceChecks("interface " + interfaceName + " could not be looked up (see " + INTERFACE + ")");
            return;
        }
        if (nic.arp() != NetInterface.Arp.ON) {
            // The rest would judge ARP settings and a socket for ARP frames on an interface where ARP does not run.
            add(fail(INTERFACE, TakeoverEngine.whyNoArp(nic), TakeoverEngine.noArpFix(nic), ExitCode.INTERFACE_UNAVAILABLE));
            skipInterfaceChecks(interfaceName + " does not run ARP (see " + INTERFACE + ")");
            return;
        }
        String down = null;
        if (nic.isUp()) {
            add(ok(INTERFACE, nic.toString()));
            checkCarrier(nic);
        } else {
            down = interfaceName + " is administratively down (see " + INTERFACE + ")";
            add(fail(INTERFACE, nic + " is administratively down: vipctl up refuses it",
                    "ip link set " + interfaceName + " up", ExitCode.INTERFACE_UNAVAILABLE));
            add(skipped(CARRIER, down));
        }
        checkAddresses(os, nic);
        checkArpSocket(firstNonNull(noRawFrames, down));
        checkSysctls();
    }

    private void checkCarrier(NetInterface nic) {
        if (nic.isRunning()) {
            add(ok(CARRIER, interfaceName + " has carrier"));
            return;
        }
        // vipctl up itself would not refuse (it checks only the administrative state), but no frame would arrive.
        add(fail(CARRIER, interfaceName + " is up but has no carrier (NO-CARRIER): vipctl up would add the VIP, but neither"
                        + " its announcement nor any traffic for it would reach the network",
                "connect the link: check the cable and the switch port (for a veth or bridge, bring up its other end)",
                ExitCode.INTERFACE_UNAVAILABLE));
    }

    private void checkAddresses(NetworkOs os, NetInterface nic) {
        List<InterfaceAddress> addresses;
        try {
            addresses = os.addresses(nic);
        } catch (OsException e) {
            add(fail(ADDRESSES, e.getMessage(), "none known: vipctl up lists the addresses the same way and would stop there;"
                    + " please report the message", ExitCode.of(e.reason())));
            return;
        }
        if (addresses.isEmpty()) {
            add(ok(ADDRESSES, interfaceName + " has no IPv4 address"));
            return;
        }
        List<String> listed = new ArrayList<>();
        for (InterfaceAddress address : addresses) {
            listed.add(address + (TakeoverEngine.isOwnAddress(address, interfaceName) ? " (" + interfaceName + "'s own address)" : ""));
        }
        add(ok(ADDRESSES, String.join("; ", listed)));
    }

    private void checkArpSocket(String skipReason) {
        if (skipReason != null) {
            add(skipped(ARP_SOCKET, skipReason));
            return;
        }
        try {
            arpSocket.openAndClose(interfaceName);
            add(ok(ARP_SOCKET, "opened " + interfaceName + " for ARP frames and closed it again"));
        } catch (IOException e) {
            add(fail(ARP_SOCKET, e.getMessage(), "remove the cause named; systemd: RestrictAddressFamilies= must include AF_PACKET",
                    ExitCode.ANNOUNCE_FAILED));
        }
    }

    /**
     * The ARP and address settings, judged by their meanings in the kernel's Documentation/networking/ip-sysctl.rst
     * and combined as include/linux/inetdevice.h combines "all" with the interface's own value.
     */
    private void checkSysctls() {
        int[] arpIgnore = readSysctl(ARP_IGNORE);
        if (arpIgnore != null) {
            add(judgeArpIgnore(arpIgnore[0], arpIgnore[1]));
        }
        int[] arpAnnounce = readSysctl(ARP_ANNOUNCE);
        if (arpAnnounce != null) {
            add(judgeArpAnnounce(arpAnnounce[0], arpAnnounce[1]));
        }
        int[] promoteSecondaries = readSysctl(PROMOTE_SECONDARIES);
        if (promoteSecondaries != null) {
            add(judgePromoteSecondaries(promoteSecondaries[0], promoteSecondaries[1]));
        }
        int[] arpAccept = readSysctl(ARP_ACCEPT);
        if (arpAccept != null) {
            add(judgeArpAccept(arpAccept[0], arpAccept[1]));
        }
    }

    /** The values for "all" and for the interface; null, with the key reported SKIPPED, if either cannot be read. */
    private int[] readSysctl(String key) {
        try {
            return new int[] {ipv4Conf.read("all", key), ipv4Conf.read(interfaceName, key)};
        } catch (IOException e) {
            add(skipped(key, "cannot read " + IoErrors.describe(e)));
            return null;
        }
    }

    /**
     * IN_DEV_MAXCONF. The kernel (net/ipv4/arp.c, arp_ignore()) answers for the VIP under 0-7: 1 and 2 need it on the
     * receiving interface (2 also a sender in its subnet, or 0.0.0.0 as in a probe), 3 skips only host-scope addresses
     * (vipctl adds global ones), 4-7 are reserved and answer like 0. Only 8 answers nothing, so the peer's release
     * check and the neighbours' ARP requests find nobody here while the VIP is up.
     */
    private Finding judgeArpIgnore(int all, int own) {
        int effective = Math.max(all, own);
        String values = values(all, own, effective + " (the larger applies)");
        if (effective == ARP_IGNORE_NEVER_REPLY) {
            List<String> settings = new ArrayList<>();
            if (all == ARP_IGNORE_NEVER_REPLY) {
                settings.add(sysctlName("all", ARP_IGNORE) + "=1");
            }
            if (own == ARP_IGNORE_NEVER_REPLY) {
                settings.add(sysctlName(interfaceName, ARP_IGNORE) + "=1");
            }
            return warn(ARP_IGNORE, values + ": this host answers no ARP request for any of its addresses, so while the VIP"
                    + " is here the peer's release check and the neighbours' ARP requests for it find nobody", sysctlFix(settings));
        }
        String meaning;
        switch (effective) {
            case 0:
                meaning = "answers for any local address on any interface (the default); 1 would answer only for addresses"
                        + " on the receiving interface, which still includes the VIP";
                break;
            case 1:
                meaning = "answers only for addresses on the receiving interface, the VIP on " + interfaceName + " included";
                break;
            case 2:
                meaning = "answers only for addresses on the receiving interface and only senders in a subnet there (or"
                        + " probes from 0.0.0.0): neighbours outside the VIP's subnets get no answer";
                break;
            case 3:
                meaning = "answers for all but host-scope addresses; vipctl adds the VIP with global scope, so it is answered";
                break;
            default:
                meaning = "4-7 are reserved and higher values undefined: the kernel answers as with 0";
        }
        return ok(ARP_IGNORE, values + ": " + meaning);
    }

    /**
     * IN_DEV_MAXCONF. Which local address becomes the sender address of the host's own ARP requests (net/ipv4/arp.c,
     * arp_solicit(); values above 2 act as 0). No value stops a takeover. With 0 a request for traffic sourced from the
     * VIP carries the VIP, out of any interface, telling that link the VIP is at this MAC; 2 takes the outgoing
     * interface's primary address for the target's subnet instead.
     */
    private Finding judgeArpAnnounce(int all, int own) {
        int effective = Math.max(all, own);
        String values = values(all, own, effective + " (the larger applies)");
        switch (effective) {
            case 1:
                return ok(ARP_ANNOUNCE, values + ": ARP requests avoid sender addresses outside the target's subnet on the"
                        + " outgoing interface");
            case 2:
                return ok(ARP_ANNOUNCE, values + ": ARP requests are sent from the outgoing interface's primary address for"
                        + " the target's subnet, not from the address the traffic came from");
            default:
                return ok(ARP_ANNOUNCE, values + ": ARP requests may be sent from any local address, the VIP included, out of"
                        + " any interface (the default); 2 sends them from the interface's primary address for the target's subnet instead");
        }
    }

    /**
     * IN_DEV_ORCONF. Off, removing a subnet's primary address deletes all its secondaries (docs/linux.md#primary-and-secondary-addresses): a VIP
     * added in the host's subnet goes with the host's own address, whoever removes it (DHCP, a network manager).
     */
    private Finding judgePromoteSecondaries(int all, int own) {
        boolean on = all != 0 || own != 0;
        String values = values(all, own, (on ? "on" : "off") + " (either one turns it on)");
        if (on) {
            return ok(PROMOTE_SECONDARIES, values + ": removing a subnet's primary address promotes one of its secondary"
                    + " addresses instead of deleting them");
        }
        return warn(PROMOTE_SECONDARIES, values + ": removing a subnet's primary address from " + interfaceName
                        + " also deletes every secondary address of that subnet, so a VIP in the host's subnet disappears"
                        + " with the host's own address",
                sysctlFix(List.of(sysctlName("all", PROMOTE_SECONDARIES) + "=1")));
    }

    /**
     * IN_DEV_MAXCONF (IN_DEV_ORCONF before the value 2 was added, which agrees for 0 and 1). It governs what this
     * host learns from the peer's announcements; the neighbours' own arp_accept governs what they learn from ours: with
     * 0 a Linux neighbour updates an existing entry from gratuitous ARP but creates none (docs/linux.md#gratuitous-arp-request-and-reply).
     */
    private Finding judgeArpAccept(int all, int own) {
        int effective = Math.max(all, own);
        String meaning;
        switch (effective) {
            case 0:
                meaning = "gratuitous ARP updates existing neighbour entries here but creates none (the default)";
                break;
            case 1:
                meaning = "gratuitous ARP creates neighbour entries here too";
                break;
            case 2:
                meaning = "gratuitous ARP creates neighbour entries here only for senders in a subnet of the receiving interface";
                break;
            default:
                meaning = "a value the kernel does not define";
        }
        return ok(ARP_ACCEPT, values(all, own, effective + " (the larger applies)") + ": " + meaning + ". A hint for the peers:"
                + " the same setting on a Linux neighbour decides whether this host's announcement creates an entry there"
                + " or only updates one it has");
    }

    private String values(int all, int own, String effective) {
        return "all=" + all + ", " + interfaceName + "=" + own + ", effective " + effective;
    }

    /** sysctl(8) sets several at once; only a file in /etc/sysctl.d/ keeps them after a reboot. */
    private static String sysctlFix(List<String> settings) {
        return "sysctl -w " + String.join(" ", settings) + " (and the same in a file in /etc/sysctl.d/ to keep it after a reboot)";
    }

    /**
     * The name sysctl(8) accepts: dotted, or with slashes when the interface name has a dot (a VLAN such as eth0.100),
     * where procps reads the dots literally.
     */
    static String sysctlName(String interfaceName, String key) {
        return interfaceName.contains(".") ? "net/ipv4/conf/" + interfaceName + "/" + key : "net.ipv4.conf." + interfaceName + "." + key;
    }

    private void skipInterfaceChecks(String reason) {
        for (String check : INTERFACE_CHECKS) {
            add(skipped(check, reason));
        }
    }

    /** The directory must take lock files, or be creatable; the doctor does not create it. */
    static Finding lockDirectory(Path lockDirectory) {
        Path directory = lockDirectory.toAbsolutePath();
        String user = System.getProperty("user.name");
        String asUser = "user " + user;
        String otherwise = " (as root), or run vipctl as root, or pass --lock-dir with a directory " + asUser + " can write";
        if (Files.isDirectory(directory)) {
            if (mayCreateFilesIn(directory)) {
                return ok(LOCK_DIRECTORY, directory + " exists and " + asUser + " may create lock files in it");
            }
            return fail(LOCK_DIRECTORY, directory + " exists, but " + asUser + " may not create files in it",
                    "chown " + user + " " + directory + otherwise, ExitCode.NOT_PRIVILEGED);
        }
        if (Files.exists(directory)) {
            return fail(LOCK_DIRECTORY, directory + " exists but is not a directory",
                    "remove " + directory + ", or pass --lock-dir with another directory", ExitCode.NOT_PRIVILEGED);
        }
        Path existing = directory.getParent();
        while (!Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (Files.isDirectory(existing) && mayCreateFilesIn(existing)) {
            return ok(LOCK_DIRECTORY, directory + " does not exist yet; vipctl can create it, as " + asUser + " may write " + existing);
        }
        return fail(LOCK_DIRECTORY, directory + " does not exist, and " + asUser + " cannot create it: " + existing
                        + (Files.isDirectory(existing) ? " is not writable" : " is not a directory"),
                "mkdir -p " + directory + " && chown " + user + " " + directory + otherwise, ExitCode.NOT_PRIVILEGED);
    }

    /** Creating a file needs write and search permission on the directory. */
    private static boolean mayCreateFilesIn(Path directory) {
        return Files.isWritable(directory) && Files.isExecutable(directory);
    }

    private static String firstNonNull(String first, String second) {
        return first != null ? first : second;
    }

    private void add(Finding finding) {
        findings.add(finding);
    }

    static Finding ok(String check, String detail) {
        return new Finding(check, Status.OK, detail, null, null);
    }

    static Finding warn(String check, String detail, String fix) {
        return new Finding(check, Status.WARN, detail, fix, null);
    }

    static Finding fail(String check, String detail, String fix, ExitCode exitCode) {
        return new Finding(check, Status.FAIL, detail, fix, exitCode);
    }

    static Finding skipped(String check, String reason) {
        return new Finding(check, Status.SKIPPED, "not checked: " + reason, null, null);
    }
}
