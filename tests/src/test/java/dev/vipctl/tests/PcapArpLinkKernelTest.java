package dev.vipctl.tests;

import dev.vipctl.agent.arp.ArpFrames;
import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.agent.arp.PcapArpLink;
import dev.vipctl.lab.NamespaceLab;
import org.junit.jupiter.api.Test;

import java.io.IOException;

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

    @Override
    String withoutCapNetRaw() {
        return "cannot open interface eth0 to send gratuitous ARP (socket: Operation not permitted): run as root, "
                    + "or give the java binary CAP_NET_RAW (setcap cap_net_raw+ep, or systemd AmbientCapabilities=CAP_NET_RAW)\n";
    }

}
