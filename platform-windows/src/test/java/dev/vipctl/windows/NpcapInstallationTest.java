package dev.vipctl.windows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Npcap's folder under the system directory, and wpcap.dll in it. */
class NpcapInstallationTest {
    @Test
    void wpcapInTheNpcapFolderOfTheSystemDirectoryIsAnInstallation(@TempDir Path system32) throws IOException {
        Path npcap = NpcapInstallation.dllDirectory(system32);
        assertEquals(system32.resolve("Npcap"), npcap);
        assertFalse(NpcapInstallation.installedIn(npcap), "no folder");

        Files.createDirectory(npcap);
        Files.createDirectory(npcap.resolve("wpcap.dll"));
        assertFalse(NpcapInstallation.installedIn(npcap), "a directory named wpcap.dll");

        Files.delete(npcap.resolve("wpcap.dll"));
        Files.write(npcap.resolve("wpcap.dll"), new byte[] {'M', 'Z'});
        assertTrue(NpcapInstallation.installedIn(npcap));
    }
}
