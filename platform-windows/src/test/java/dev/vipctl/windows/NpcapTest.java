package dev.vipctl.windows;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Npcap's device names and where vipctl looks for its DLLs (docs/windows.md#the-wire), without Windows. */
class NpcapTest {
    private static final String SYSTEM32 = "C:\\Windows\\System32";

    @Test
    void theDeviceOfAResolvedAdapterIsNpfFollowedByItsGuidOnX64AndX86() throws Exception {
        for (boolean x64 : new boolean[] {true, false}) {
            WindowsNetworkOs os = new WindowsNetworkOs(new DocumentedIpHelper(x64), x64 ? IpHelperLayout.X64 : IpHelperLayout.X86, millis -> { });
            // DocumentedIpHelper lays out "Ethernet" with AdapterName {4D36E972-E325-11CE-BFC1-08002BE10318}.
            assertEquals("\\Device\\NPF_{4D36E972-E325-11CE-BFC1-08002BE10318}", os.resolve("Ethernet").captureDevice());
            assertEquals("\\Device\\NPF_{4D36E972-E325-11CE-BFC1-08002BE10319}", os.resolve("Ethernet 2").captureDevice());
        }
    }

    @Test
    void withBothDllsInItsFolderWpcapIsLoadedFromThere() {
        List<String> lookedAt = new ArrayList<>();
        Npcap npcap = Npcap.in(SYSTEM32, file -> lookedAt.add(file));

        assertEquals(List.of("C:\\Windows\\System32\\Npcap\\wpcap.dll", "C:\\Windows\\System32\\Npcap\\Packet.dll"), lookedAt);
        assertTrue(npcap.isInstalled());
        assertEquals("C:\\Windows\\System32\\Npcap\\wpcap.dll", npcap.wpcap());
        assertNull(npcap.missing());
    }

    @Test
    void aSystemDirectoryElsewhereIsFollowed() {
        Npcap npcap = Npcap.in("D:\\WINNT\\system32", Set.of("D:\\WINNT\\system32\\Npcap\\wpcap.dll", "D:\\WINNT\\system32\\Npcap\\Packet.dll")::contains);

        assertEquals("D:\\WINNT\\system32\\Npcap\\wpcap.dll", npcap.wpcap());
    }

    @Test
    void withoutWpcapNpcapIsMissingAndSaysWhere() {
        Npcap npcap = Npcap.in(SYSTEM32, file -> false);

        assertFalse(npcap.isInstalled());
        assertEquals("Npcap is not installed: no C:\\Windows\\System32\\Npcap\\wpcap.dll", npcap.missing());
        IllegalStateException e = assertThrows(IllegalStateException.class, npcap::wpcap);
        assertEquals(npcap.missing(), e.getMessage());
    }

    @Test
    void wpcapWithoutPacketDllIsMissingToo() {
        // wpcap.dll only in the system directory itself (WinPcap's place) does not count either: vipctl looks in Npcap's folder.
        Npcap npcap = Npcap.in(SYSTEM32, Set.of("C:\\Windows\\System32\\Npcap\\wpcap.dll", "C:\\Windows\\System32\\Packet.dll")::contains);

        assertFalse(npcap.isInstalled());
        assertEquals("Npcap is not installed: no C:\\Windows\\System32\\Npcap\\Packet.dll", npcap.missing());
    }
}
