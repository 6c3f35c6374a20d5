package dev.vipctl.tests;

import dev.vipctl.agent.arp.ArpFrames;
import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.agent.arp.PacketSocketArpLink;
import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import dev.vipctl.os.MacAddress;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ARP through an AF_PACKET socket, the link vipctl uses on Linux, on a real kernel. */
class PacketSocketArpLinkKernelTest extends ArpLinkKernelTest {
    @Override
    ArpLink open(String interfaceName) throws IOException {
        return PacketSocketArpLink.open(interfaceName);
    }

    @Test
    void failuresNameTheInterfaceAndTheFix() throws Exception {
        Root.assumeRoot();
        try (NamespaceLab lab = NamespaceLab.create()) {
            NamespaceLab.Host hostA = lab.hostA();
            IOException missing = assertThrows(IOException.class, () -> openInNamespace(hostA.namespace(), "vipctl-none"));
            assertEquals("cannot open interface vipctl-none for ARP (ENODEV (19)): interface vipctl-none does not exist (any more);"
                    + " check the interface name", missing.getMessage());

            hostA.run("ip", "link", "add", "vgone", "type", "veth", "peer", "name", "vgone-peer");
            try (ArpLink link = openInNamespace(hostA.namespace(), "vgone")) {
                IOException down = assertThrows(IOException.class, () -> link.send(ArpFrames.announcementRequest(hostA.mac(), VIP)));
                assertEquals("cannot send a frame on interface vgone (ENETDOWN (100)): interface vgone is down; bring it up first", down.getMessage());
                hostA.run("ip", "link", "del", "vgone");
                IOException gone = assertThrows(IOException.class, () -> link.send(ArpFrames.announcementRequest(hostA.mac(), VIP)));
                assertTrue(gone.getMessage().startsWith("cannot send a frame on interface vgone (")
                        && gone.getMessage().endsWith("interface vgone does not exist (any more); check the interface name"), gone.getMessage());
            }
        }
    }

    @Test
    void anInterruptedWaitEndsWithInterruptedIoException() throws Exception {
        Root.assumeRoot();
        try (NamespaceLab lab = NamespaceLab.create(); ArpLink link = openInNamespace(lab.hostB().namespace(), NamespaceLab.INTERFACE)) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    link.receive(System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            waiter.start();
            Thread.sleep(100);
            waiter.interrupt();
            waiter.join(5000);
            assertTrue(thrown.get() instanceof InterruptedIOException, String.valueOf(thrown.get()));
        }
    }

    /** Child JVMs, because only a whole process shows what reaches its stdout/stderr, and capabilities are per process. */
    @Test
    void sendingPrintsNothingAndWithoutCapNetRawTheMessageSaysSo() throws Exception {
        Root.assumeRoot();
        try (NamespaceLab lab = NamespaceLab.create()) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> child = List.of(java, "-cp", System.getProperty("java.class.path"), OpenAndSend.class.getName(), NamespaceLab.INTERFACE);

            Shell.Result privileged = Shell.run(lab.hostA().command(child.toArray(new String[0])));
            assertEquals("", privileged.stderr, "stderr");
            assertEquals("sent\n", privileged.stdout, "stdout");

            List<String> withoutNetRaw = new ArrayList<>(List.of("setpriv", "--inh-caps=-net_raw", "--bounding-set=-net_raw"));
            withoutNetRaw.addAll(child);
            Shell.Result unprivileged = Shell.run(lab.hostA().command(withoutNetRaw.toArray(new String[0])));
            assertEquals("", unprivileged.stderr, "stderr");
            assertEquals("cannot open a packet socket for ARP on eth0 (EPERM (1)): run as root, or give the java binary CAP_NET_RAW"
                    + " (setcap cap_net_raw+ep, or systemd AmbientCapabilities=CAP_NET_RAW)\n", unprivileged.stdout);
        }
    }

    /** Run in a child JVM: opens the interface, sends one announcement frame, and says "sent" or why not. */
    static final class OpenAndSend {
        public static void main(String[] args) {
            try (ArpLink sender = PacketSocketArpLink.open(args[0])) {
                sender.send(ArpFrames.announcementRequest(MacAddress.parse("02:00:00:00:00:0a"), VIP));
                System.out.println("sent");
            } catch (IOException e) {
                System.out.println(e.getMessage());
            }
        }
    }
}
