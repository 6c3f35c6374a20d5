package dev.vipctl.tests;

import dev.vipctl.agent.arp.ArpFrames;
import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.agent.arp.PcapArpLink;
import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import dev.vipctl.os.MacAddress;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** ARP through libpcap (pcap4j), the link for platforms without AF_PACKET, on a real kernel. */
class PcapArpLinkKernelTest extends ArpLinkKernelTest {
    @Override
    ArpLink open(String interfaceName) throws IOException {
        return PcapArpLink.open(interfaceName);
    }

    @Test
    void failuresNameTheInterfaceAndTheFix() throws Exception {
        Root.assumeRoot();
        try (NamespaceLab lab = NamespaceLab.create()) {
            NamespaceLab.Host hostA = lab.hostA();
            IOException missing = assertThrows(IOException.class, () -> openInNamespace(hostA.namespace(), "vipctl-none"));
            assertEquals("cannot open interface vipctl-none to send gratuitous ARP (No such device exists): "
                    + "interface vipctl-none does not exist (any more); check the interface name", missing.getMessage());

            hostA.run("ip", "link", "add", "vgone", "type", "veth", "peer", "name", "vgone-peer");
            IOException down = assertThrows(IOException.class, () -> openInNamespace(hostA.namespace(), "vgone"));
            assertEquals("cannot open interface vgone to send gratuitous ARP (That device is not up): "
                    + "interface vgone is down; bring it up first", down.getMessage());

            hostA.run("ip", "link", "set", "vgone", "up");
            try (ArpLink link = openInNamespace(hostA.namespace(), "vgone")) {
                hostA.run("ip", "link", "del", "vgone");
                IOException gone = assertThrows(IOException.class, () -> link.send(ArpFrames.announcementRequest(hostA.mac(), VIP)));
                assertEquals("cannot send a frame on interface vgone (Error occurred in pcap_sendpacket(): send: No such device or address): "
                        + "interface vgone does not exist (any more); check the interface name", gone.getMessage());
                IOException goneWhileReceiving = assertThrows(IOException.class, () -> link.receive(System.nanoTime()));
                assertEquals("cannot receive ARP frames on interface vgone (Error occurred in pcap_next_ex(): The interface disappeared): "
                        + "interface vgone does not exist (any more); check the interface name", goneWhileReceiving.getMessage());
            }
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
            assertEquals("cannot open interface eth0 to send gratuitous ARP (socket: Operation not permitted): run as root, "
                    + "or give the java binary CAP_NET_RAW (setcap cap_net_raw+ep, or systemd AmbientCapabilities=CAP_NET_RAW)\n",
                    unprivileged.stdout);
        }
    }

    /** Run in a child JVM: opens the interface, sends one announcement frame, and says "sent" or why not. */
    static final class OpenAndSend {
        public static void main(String[] args) {
            try (PcapArpLink sender = PcapArpLink.open(args[0])) {
                sender.send(ArpFrames.announcementRequest(MacAddress.parse("02:00:00:00:00:0a"), VIP));
                System.out.println("sent");
            } catch (IOException e) {
                System.out.println(e.getMessage());
            }
        }
    }

}
