package dev.vipctl.agent.arp;

import dev.vipctl.agent.ThisOs;
import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapHandle.BlockingMode;
import org.pcap4j.core.PcapHandle.PcapDirection;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * One interface's link layer through libpcap (via pcap4j), which reaches it on every platform vipctl targets: sends
 * raw Ethernet frames, and receives the ARP frames that come in from other hosts. The kernel filter "arp" keeps all
 * other traffic out of the capture ring from the moment the link is opened; of the ARP in it, libpcap skips what this
 * host sends (direction "in"): its kernel's frames as well as ours, though Linux never hands a frame back to the
 * socket that sent it anyway.
 *
 * <p>Loading libpcap: pcap4j asks JNA for the library {@code pcap}. Where only the runtime package is installed
 * (Debian/Ubuntu {@code libpcap0.8}: {@code libpcap.so.0.8} and {@code libpcap.so.1.10.3}, but no {@code libpcap.so},
 * which comes with {@code -dev}), {@code dlopen("libpcap.so")} fails and JNA 5.17 then looks through its own search
 * path (the multiarch directories and what {@code ldconfig -p} lists) for a versioned {@code libpcap.so.N}, loading
 * the newest. So no system property is needed; {@code -Dorg.pcap4j.core.pcapLibName=/path/to/libpcap.so.N} still
 * picks a file explicitly.
 *
 * <p>Only pcap4j's handle is used, frames go out as the bytes given and come in as raw bytes, so pcap4j's packet
 * factories never load.
 */
public final class PcapArpLink implements ArpLink {
    // Only ARP is captured: 64 bytes hold a whole ARP frame (42, 60 padded), and the ring holds hundreds of them.
    private static final int SNAPLEN_BYTES = 64;
    private static final int BUFFER_BYTES = 64 * 1024;
    /** tcpdump's word for EtherType 0x0806. */
    private static final String ARP_FILTER = "arp";
    /**
     * How long {@link #receive} sleeps between looks at the ring, and so how late it may see a frame or return after
     * its deadline. It looks because it cannot wait: on Linux, libpcap 1.10 keeps poll()ing in a blocking read until
     * a frame comes, whatever the read timeout, and pcap4j offers neither the descriptor to poll nor a timed read.
     */
    private static final long LOOK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    // pcap_activate() results, pcap/pcap.h.
    private static final int PCAP_ERROR_NO_SUCH_DEVICE = -5;
    private static final int PCAP_ERROR_PERM_DENIED = -8;
    private static final int PCAP_ERROR_IFACE_NOT_UP = -9;

    private final String interfaceName;
    private final PcapHandle handle;

    private PcapArpLink(String interfaceName, PcapHandle handle) {
        this.interfaceName = interfaceName;
        this.handle = handle;
    }

    /**
     * Opens {@code interfaceName} to send frames and receive ARP. Needs root or CAP_NET_RAW.
     *
     * @throws IOException naming the cause and its fix: libpcap missing, no privilege, interface missing or down
     */
    public static PcapArpLink open(String interfaceName) throws IOException {
        PcapHandle handle;
        try {
            // The Builder opens the named device directly: Pcaps.findAllDevs would enumerate every interface first.
            // Immediate mode hands each frame over as it arrives rather than in batches.
            handle = new PcapHandle.Builder(interfaceName)
                    .snaplen(SNAPLEN_BYTES)
                    .bufferSize(BUFFER_BYTES)
                    .immediateMode(true)
                    .build();
        } catch (PcapNativeException e) {
            throw failure("cannot open interface " + interfaceName + " to send gratuitous ARP", interfaceName, e);
        } catch (LinkageError e) {
            throw libpcapMissing(e);
        }
        // Set on the open handle rather than through the Builder, which would leave the handle open if one failed.
        try {
            // 3-6 ms on a cold JVM, nearly all of it pcap4j loading classes (its ByteArrays compiles regexes); the
            // native pcap_compile and pcap_setfilter take 0.2 ms.
            handle.setFilter(ARP_FILTER, BpfCompileMode.OPTIMIZE);
            handle.setDirection(PcapDirection.IN);
            handle.setBlockingMode(BlockingMode.NONBLOCKING);
        } catch (PcapNativeException e) {
            handle.close();
            throw failure("cannot set up interface " + interfaceName + " to receive ARP", interfaceName, e);
        } catch (NotOpenException e) {
            throw new AssertionError("the handle was closed while being set up", e);
        }
        return new PcapArpLink(interfaceName, handle);
    }

    /** libpcap's own version text; loads libpcap if nothing did yet. */
    public static String libraryVersion() throws IOException {
        try {
            return Pcaps.libVersion();
        } catch (LinkageError e) {
            throw libpcapMissing(e);
        }
    }

    /**
     * A failure to load libpcap as the operator's message: loading fails with UnsatisfiedLinkError the first time and,
     * since the class whose static initializer loads it is then unusable, NoClassDefFoundError after. Any other
     * linkage error is a bug and is rethrown.
     */
    private static IOException libpcapMissing(LinkageError e) {
        boolean loadFailed = e instanceof UnsatisfiedLinkError
                || e instanceof NoClassDefFoundError && String.valueOf(e.getMessage()).contains("org.pcap4j.core.NativeMappings");
        if (!loadFailed) {
            throw e;
        }
        // JNA's message goes on to list every directory and jar it searched: its first line says enough.
        String firstLine = String.valueOf(e.getMessage()).split("\n", 2)[0];
        return new IOException("cannot load libpcap, which gratuitous ARP needs (" + firstLine + "): " + (ThisOs.isWindows()
                ? "reinstall Npcap (https://npcap.com)" : "install it (Debian/Ubuntu: apt-get install libpcap0.8; RHEL/SUSE: libpcap)"), e);
    }

    @Override
    public void send(byte[] frame) throws IOException {
        try {
            handle.sendPacket(frame);
        } catch (PcapNativeException e) {
            throw failure("cannot send a frame on interface " + interfaceName, interfaceName, e);
        } catch (NotOpenException e) {
            throw new IllegalStateException("the ARP link on " + interfaceName + " was already closed", e);
        }
    }

    /**
     * {@inheritDoc} Each frame is a fresh array the caller may keep. Looks at least once, even past the deadline.
     * An interface that is down yields no frames and no error: libpcap reports only one that has disappeared.
     *
     * @throws InterruptedIOException if the thread is interrupted while waiting; its interrupt status stays set
     */
    @Override
    public byte[] receive(long deadlineNanos) throws IOException {
        while (true) {
            byte[] frame = nextFrame();
            if (frame != null) {
                return frame;
            }
            long remainingNanos = deadlineNanos - System.nanoTime();
            if (remainingNanos <= 0) {
                return null;
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("interrupted while waiting for ARP frames on interface " + interfaceName);
            }
            LockSupport.parkNanos(Math.min(remainingNanos, LOOK_INTERVAL_NANOS));
        }
    }

    /** The oldest frame in the ring, or null if it is empty. */
    private byte[] nextFrame() throws IOException {
        try {
            return handle.getNextRawPacketEx();
        } catch (TimeoutException e) {
            // In non-blocking mode pcap_next_ex() says "no frame" as a timeout.
            return null;
        } catch (PcapNativeException e) {
            throw failure("cannot receive ARP frames on interface " + interfaceName, interfaceName, e);
        } catch (NotOpenException e) {
            throw new IllegalStateException("the ARP link on " + interfaceName + " was already closed", e);
        }
    }

    private static IOException failure(String action, String interfaceName, PcapNativeException e) {
        String detail = e.getMessage();
        int code = e.getReturnCode() == null ? 0 : e.getReturnCode();
        String fix;
        // Open failures come with a pcap_activate() code; send and receive failures only with a text: the OS's
        // strerror, or libpcap's own words for an interface that went away.
        if (code == PCAP_ERROR_PERM_DENIED || detail.contains("not permitted") || detail.contains("ermission denied")) {
            fix = ThisOs.isWindows() ? "run from an elevated prompt: Npcap may have been installed to let only Administrators capture"
                    : "run as root, or give the java binary CAP_NET_RAW (setcap cap_net_raw+ep, or systemd AmbientCapabilities=CAP_NET_RAW)";
        } else if (code == PCAP_ERROR_NO_SUCH_DEVICE || detail.contains("No such device") || detail.contains("interface disappeared")) {
            fix = "interface " + interfaceName + " does not exist (any more); check the interface name";
        } else if (code == PCAP_ERROR_IFACE_NOT_UP || detail.contains("Network is down")) {
            fix = "interface " + interfaceName + " is down; bring it up first";
        } else {
            return new IOException(action + ": " + detail, e);
        }
        return new IOException(action + " (" + detail + "): " + fix, e);
    }

    /** Closes the handle; further sends and receives fail. Closing twice is harmless. */
    @Override
    public void close() {
        handle.close();
    }
}
