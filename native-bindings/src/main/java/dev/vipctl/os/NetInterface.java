package dev.vipctl.os;

/** A network interface as the OS reports it when it is resolved by name. */
public final class NetInterface {
    private final String name;
    private final int index;
    private final MacAddress mac;
    private final boolean up;
    private final boolean running;

    /**
     * @param up      administratively up (IFF_UP)
     * @param running operationally up, i.e. carrier present (IFF_RUNNING)
     */
    public NetInterface(String name, int index, MacAddress mac, boolean up, boolean running) {
        this.name = name;
        this.index = index;
        this.mac = mac;
        this.up = up;
        this.running = running;
    }

    public String name() {
        return name;
    }

    public int index() {
        return index;
    }

    public MacAddress mac() {
        return mac;
    }

    public boolean isUp() {
        return up;
    }

    public boolean isRunning() {
        return running;
    }

    @Override
    public String toString() {
        return name + " (index " + index + ", " + mac + (up ? ", up" : ", down") + (running ? ", running" : "") + ")";
    }
}
