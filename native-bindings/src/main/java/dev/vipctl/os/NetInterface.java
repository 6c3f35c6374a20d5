package dev.vipctl.os;

/** A network interface as the OS reports it when it is resolved by name. */
public final class NetInterface {
    /** Whether ARP runs on an interface, and if not, why not. */
    public enum Arp {
        /** An Ethernet interface with ARP on: gratuitous ARP can announce a VIP and probes can find its holder. */
        ON,
        /** A loopback interface: it has no link layer, so no frame leaves the host. */
        LOOPBACK,
        /** Not Ethernet (a tunnel, WireGuard, a TUN device): ARP does not exist there. */
        NOT_ETHERNET,
        /** An Ethernet interface with ARP turned off ({@code ip link set dev IF arp off}): it neither sends nor answers ARP. */
        OFF
    }

    private final String name;
    private final int index;
    private final MacAddress mac;
    private final boolean up;
    private final boolean running;
    private final Arp arp;
    private final String captureDevice;

    /**
     * An interface that a packet-capture library opens by its name, as libpcap and AF_PACKET do on Linux.
     *
     * @param mac     the 6-byte hardware address; null on an interface without one (a tunnel)
     * @param up      administratively up (IFF_UP)
     * @param running operationally up, i.e. carrier present (IFF_RUNNING)
     */
    public NetInterface(String name, int index, MacAddress mac, boolean up, boolean running, Arp arp) {
        this(name, index, mac, up, running, arp, name);
    }

    /** @param captureDevice the name a packet-capture library opens the interface by (Npcap: {@code \Device\NPF_{GUID}}) */
    public NetInterface(String name, int index, MacAddress mac, boolean up, boolean running, Arp arp, String captureDevice) {
        if (arp == Arp.ON && mac == null) {
            throw new IllegalArgumentException("ARP needs the interface's MAC address: " + name);
        }
        this.name = name;
        this.index = index;
        this.mac = mac;
        this.up = up;
        this.running = running;
        this.arp = arp;
        this.captureDevice = captureDevice;
    }

    public String name() {
        return name;
    }

    public int index() {
        return index;
    }

    /** The 6-byte hardware address; null on an interface without one, never where {@link #arp()} is {@link Arp#ON}. */
    public MacAddress mac() {
        return mac;
    }

    public boolean isUp() {
        return up;
    }

    public boolean isRunning() {
        return running;
    }

    public Arp arp() {
        return arp;
    }

    /**
     * The name a packet-capture library opens this interface by, to send and receive ARP: the interface's name on
     * Linux; on Windows Npcap's device, {@code \Device\NPF_} followed by the adapter's GUID, whatever its alias.
     */
    public String captureDevice() {
        return captureDevice;
    }

    @Override
    public String toString() {
        return name + " (index " + index + ", " + (mac == null ? "no MAC" : mac) + (up ? ", up" : ", down") + (running ? ", running" : "")
                + (arp == Arp.LOOPBACK ? ", loopback" : arp == Arp.NOT_ETHERNET ? ", not Ethernet" : arp == Arp.OFF ? ", ARP off" : "") + ")";
    }
}
