package dev.vipctl.agent.arp;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A machine without libpcap, played by a child JVM whose pcap4j is pointed at a library that does not exist
 * (pcap4j reads the name once per JVM, so this cannot run in the test's own).
 */
class PcapArpLinkWithoutLibpcapTest {
    private static final String EXPECTED_START = "cannot load libpcap, which gratuitous ARP needs (Unable to load library 'vipctl-no-such-pcap':";
    private static final String EXPECTED_FIX = "install it (Debian/Ubuntu: apt-get install libpcap0.8; RHEL/SUSE: libpcap)";

    /** Opens twice: the first attempt fails loading the library, the second finds pcap4j's class already failed. */
    public static void main(String[] args) {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                PcapArpLink.open("eth0").close();
                System.out.println("opened");
            } catch (IOException e) {
                System.out.println(e.getMessage());
            }
        }
    }

    @Test
    void openSaysWhichPackageToInstallAndPrintsNothingElse() throws Exception {
        Path stderr = Files.createTempFile("vipctl-no-libpcap", ".err");
        try {
            Process child = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dorg.pcap4j.core.pcapLibName=vipctl-no-such-pcap",
                    "-cp", System.getProperty("java.class.path"),
                    PcapArpLinkWithoutLibpcapTest.class.getName())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(stderr.toFile())
                    .start();
            String stdout = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");

            List<String> lines = stdout.lines().collect(Collectors.toList());
            assertEquals(2, lines.size(), stdout);
            for (String line : lines) {
                assertTrue(line.startsWith("cannot load libpcap, which gratuitous ARP needs ("), line);
                assertTrue(line.endsWith(EXPECTED_FIX), line);
            }
            assertTrue(lines.get(0).startsWith(EXPECTED_START), lines.get(0));
            assertTrue(lines.get(1).contains("org.pcap4j.core.NativeMappings"), lines.get(1));
            assertEquals("", Files.readString(stderr), "nothing on stderr");
            assertEquals(0, child.exitValue());
        } finally {
            Files.delete(stderr);
        }
    }
}
