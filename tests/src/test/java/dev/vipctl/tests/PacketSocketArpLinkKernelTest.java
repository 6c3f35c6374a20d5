package dev.vipctl.tests;

import dev.vipctl.agent.arp.ArpFrames;
import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.agent.arp.PacketSocketArpLink;
import dev.vipctl.lab.NamespaceLab;
import org.junit.jupiter.api.Test;

import java.io.IOException;

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

    @Override
    String withoutCapNetRaw() {
        return "cannot open a packet socket for ARP on eth0 (EPERM (1)): run as root, or give the java binary CAP_NET_RAW"
                    + " (setcap cap_net_raw+ep, or systemd AmbientCapabilities=CAP_NET_RAW)\n";
    }
}
