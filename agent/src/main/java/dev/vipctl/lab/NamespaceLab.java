package dev.vipctl.lab;

import dev.vipctl.agent.VipLock;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A throwaway lab of network namespaces: two HA hosts and a client, each with an {@code eth0} plugged into a
 * bridge that lives in a fourth, "switch" namespace. Everything is created inside the lab's own namespaces, so
 * the machine's own interfaces are never touched, and only 198.51.100.0/24 (TEST-NET-2) is used.
 * {@link #close()} deletes every namespace (and with them every veth and the bridge); a shutdown hook does the same
 * if the JVM is stopped with Ctrl-C first.
 */
public final class NamespaceLab implements AutoCloseable {
    /** Interface name of every lab host. */
    public static final String INTERFACE = "eth0";
    /** The virtual IP the lab moves between its hosts. */
    public static final String VIP = "198.51.100.100";
    public static final int PREFIX = 24;
    /** {@link #VIP} with its prefix, as {@code --vip} takes it. */
    public static final String VIP_WITH_PREFIX = VIP + "/" + PREFIX;

    /** One namespace with its {@code eth0}. */
    public static final class Host {
        private final String role;
        private final String namespace;
        private final MacAddress mac;
        private final IpAddress address;
        private final NamespaceLab lab;

        Host(NamespaceLab lab, String role, String namespace, MacAddress mac, IpAddress address) {
            this.lab = lab;
            this.role = role;
            this.namespace = namespace;
            this.mac = mac;
            this.address = address;
        }

        public String role() {
            return role;
        }

        public String namespace() {
            return namespace;
        }

        public MacAddress mac() {
            return mac;
        }

        /** The host's own (unique) address on eth0, /24. */
        public IpAddress address() {
            return address;
        }

        /** The command, run inside this host's namespace. */
        public List<String> command(String... command) {
            List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
            full.addAll(List.of(command));
            return full;
        }

        /**
         * Starts a long-running command in this host's namespace, stdout piped to the caller, stderr discarded;
         * the lab destroys it on {@link #close()}.
         */
        public Process start(String... command) {
            try {
                Process process = new ProcessBuilder(command(command))
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                lab.background.add(process);
                return process;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + command[0] + " in " + namespace + ": " + e.getMessage(), e);
            }
        }

        /** Runs a command in this host's namespace and returns its stdout; fails on a non-zero exit. */
        public String run(String... command) {
            return Shell.check(command(command).toArray(new String[0]));
        }

        @Override
        public String toString() {
            return role + " (" + namespace + ", " + mac + ", " + address + ")";
        }
    }

    private final String id;
    private final String switchNamespace;
    private final Host hostA;
    private final Host hostB;
    private final Host client;
    private final List<String> created = new ArrayList<>();
    private final List<Process> background = new CopyOnWriteArrayList<>();
    private final Thread cleanupOnExit = new Thread(this::deleteNamespaces, "vipctl-lab-cleanup");

    private NamespaceLab(String id) {
        this.id = id;
        this.switchNamespace = "vipctl-" + id + "-sw";
        this.hostA = host("host-a", "a", "02:00:00:00:00:0a", "198.51.100.11");
        this.hostB = host("host-b", "b", "02:00:00:00:00:0b", "198.51.100.12");
        this.client = host("client", "c", "02:00:00:00:00:0c", "198.51.100.20");
    }

    private Host host(String role, String suffix, String mac, String address) {
        return new Host(this, role, "vipctl-" + id + "-" + suffix, MacAddress.parse(mac), IpAddress.parseIpv4(address));
    }

    /**
     * How the name of every namespace of the labs that process {@code pid} builds starts, and no other's: each run's
     * labs are its own, so a test can tell them from a demo's or another checkout's.
     */
    public static String namePrefixOf(long pid) {
        return "vipctl-" + Long.toString(pid, 36) + "-";
    }

    /** Builds the lab. Needs root and iproute2. On any failure, what was built so far is removed again. */
    public static NamespaceLab create() {
        String id = Long.toString(ProcessHandle.current().pid(), 36) + "-" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
        NamespaceLab lab = new NamespaceLab(id);
        Runtime.getRuntime().addShutdownHook(lab.cleanupOnExit);
        try {
            lab.build();
            return lab;
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    private void build() {
        addNamespace(switchNamespace);
        Shell.check("ip", "-n", switchNamespace, "link", "add", "br0", "type", "bridge");
        Shell.check("ip", "-n", switchNamespace, "link", "set", "br0", "up");
        int port = 0;
        for (Host host : List.of(hostA, hostB, client)) {
            addNamespace(host.namespace);
            String switchPort = "p" + port++;
            // The veth pair is made inside the switch namespace and one end moved straight into the host:
            // nothing ever appears in the machine's own namespace.
            Shell.check("ip", "-n", switchNamespace, "link", "add", switchPort, "type", "veth",
                    "peer", "name", INTERFACE, "netns", host.namespace);
            Shell.check("ip", "-n", switchNamespace, "link", "set", switchPort, "master", "br0", "up");
            Shell.check("ip", "-n", host.namespace, "link", "set", INTERFACE, "address", host.mac.toString());
            Shell.check("ip", "-n", host.namespace, "addr", "add", host.address + "/" + PREFIX, "dev", INTERFACE);
            Shell.check("ip", "-n", host.namespace, "link", "set", INTERFACE, "up");
            Shell.check("ip", "-n", host.namespace, "link", "set", "lo", "up");
        }
    }

    private void addNamespace(String name) {
        Shell.check("ip", "netns", "add", name);
        created.add(name);
    }

    /** Whether this process runs as root (effective uid 0), which creating namespaces needs. */
    public static boolean isRoot() {
        try {
            // /proc/self/status "Uid: real effective saved fs"
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return "0".equals(line.split("\\s+")[2]);
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    public Host hostA() {
        return hostA;
    }

    public Host hostB() {
        return hostB;
    }

    public Host client() {
        return client;
    }

    @Override
    public void close() {
        deleteNamespaces();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
        } catch (IllegalStateException alreadyExiting) {
            // Called from the shutdown hook itself, or while the JVM exits: the hook does the work.
        }
    }

    private synchronized void deleteNamespaces() {
        for (Process process : background) {
            process.destroyForcibly();
        }
        background.clear();
        for (int i = created.size() - 1; i >= 0; i--) {
            removeLockFilesOf(created.get(i));
            Shell.run(List.of("ip", "netns", "del", created.get(i)));
        }
        created.clear();
    }

    /**
     * The VIP lock files of a namespace about to go: a vipctl killed while it held one leaves it for the next holder
     * of that VIP in that namespace, and there will be none.
     */
    private static void removeLockFilesOf(String namespace) {
        try {
            Object inode = Files.getAttribute(Path.of("/run/netns", namespace), "unix:ino");
            try (DirectoryStream<Path> locks = Files.newDirectoryStream(VipLock.LINUX_DIRECTORY, "vip-*-net" + inode + ".lock")) {
                for (Path lock : locks) {
                    Files.deleteIfExists(lock);
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            // no namespace file or no lock directory: nothing of the lab's to remove
        }
    }
}
