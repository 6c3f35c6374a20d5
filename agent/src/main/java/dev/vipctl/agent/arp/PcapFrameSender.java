package dev.vipctl.agent.arp;

import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;

import java.io.IOException;

/**
 * Sends raw Ethernet frames on one interface through libpcap (via pcap4j), which reaches the link layer on every
 * platform vipctl targets.
 *
 * <p>Loading libpcap: pcap4j asks JNA for the library {@code pcap}. Where only the runtime package is installed
 * (Debian/Ubuntu {@code libpcap0.8}: {@code libpcap.so.0.8} and {@code libpcap.so.1.10.3}, but no {@code libpcap.so},
 * which comes with {@code -dev}), {@code dlopen("libpcap.so")} fails and JNA 5.17 then looks through its own search
 * path (the multiarch directories and what {@code ldconfig -p} lists) for a versioned {@code libpcap.so.N}, loading
 * the newest. So no system property is needed; {@code -Dorg.pcap4j.core.pcapLibName=/path/to/libpcap.so.N} still
 * picks a file explicitly.
 *
 * <p>Only pcap4j's handle is used and frames go out as the bytes given, so pcap4j's packet factories never load.
 */
public final class PcapFrameSender implements FrameSender {
    // The handle only sends, but the kernel still copies received frames into its ring: keep both small.
    private static final int SNAPLEN_BYTES = 64;
    private static final int BUFFER_BYTES = 64 * 1024;
    // pcap_activate() results, pcap/pcap.h.
    private static final int PCAP_ERROR_NO_SUCH_DEVICE = -5;
    private static final int PCAP_ERROR_PERM_DENIED = -8;
    private static final int PCAP_ERROR_IFACE_NOT_UP = -9;

    private final String interfaceName;
    private final PcapHandle handle;

    private PcapFrameSender(String interfaceName, PcapHandle handle) {
        this.interfaceName = interfaceName;
        this.handle = handle;
    }

    /**
     * Opens {@code interfaceName} for sending. Needs root or CAP_NET_RAW.
     *
     * @throws IOException naming the cause and its fix: libpcap missing, no privilege, interface missing or down
     */
    public static PcapFrameSender open(String interfaceName) throws IOException {
        PcapHandle handle;
        try {
            // The Builder opens the named device directly: Pcaps.findAllDevs would enumerate every interface first.
            handle = new PcapHandle.Builder(interfaceName)
                    .snaplen(SNAPLEN_BYTES)
                    .bufferSize(BUFFER_BYTES)
                    .immediateMode(true)
                    .build();
        } catch (PcapNativeException e) {
            throw failure("cannot open interface " + interfaceName + " to send gratuitous ARP", interfaceName, e);
        } catch (UnsatisfiedLinkError e) {
            throw libpcapMissing(e);
        } catch (NoClassDefFoundError e) {
            // The JVM reports a class whose static initializer failed once (here: loading libpcap) this way after.
            if (String.valueOf(e.getMessage()).contains("org.pcap4j.core.NativeMappings")) {
                throw libpcapMissing(e);
            }
            throw e;
        }
        return new PcapFrameSender(interfaceName, handle);
    }

    private static IOException libpcapMissing(LinkageError e) {
        // JNA's message goes on to list every directory and jar it searched: its first line says enough.
        String firstLine = String.valueOf(e.getMessage()).split("\n", 2)[0];
        return new IOException("cannot load libpcap, which gratuitous ARP needs (" + firstLine + "): "
                + "install it (Debian/Ubuntu: apt-get install libpcap0.8; RHEL/SUSE: libpcap)", e);
    }

    @Override
    public void send(byte[] frame) throws IOException {
        try {
            handle.sendPacket(frame);
        } catch (PcapNativeException e) {
            throw failure("cannot send a frame on interface " + interfaceName, interfaceName, e);
        } catch (NotOpenException e) {
            throw new IllegalStateException("the frame sender on " + interfaceName + " was already closed", e);
        }
    }

    private static IOException failure(String action, String interfaceName, PcapNativeException e) {
        String detail = e.getMessage();
        int code = e.getReturnCode() == null ? 0 : e.getReturnCode();
        String fix;
        // Open failures come with a pcap_activate() code; send failures only with the OS's strerror text.
        if (code == PCAP_ERROR_PERM_DENIED || detail.contains("not permitted") || detail.contains("ermission denied")) {
            fix = "run as root, or give the java binary CAP_NET_RAW (setcap cap_net_raw+ep, or systemd AmbientCapabilities=CAP_NET_RAW)";
        } else if (code == PCAP_ERROR_NO_SUCH_DEVICE || detail.contains("No such device")) {
            fix = "interface " + interfaceName + " does not exist (any more); check the interface name";
        } else if (code == PCAP_ERROR_IFACE_NOT_UP || detail.contains("Network is down")) {
            fix = "interface " + interfaceName + " is down; bring it up first";
        } else {
            return new IOException(action + ": " + detail, e);
        }
        return new IOException(action + " (" + detail + "): " + fix, e);
    }

    /** Closes the handle; further sends fail. Closing twice is harmless. */
    @Override
    public void close() {
        handle.close();
    }
}
