package dev.vipctl.tests;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Tests that build namespace labs need root; elsewhere they skip and say why. */
final class Root {
    private Root() {
    }

    static void assumeRoot() {
        Assumptions.assumeTrue(isRoot(), "skipped: needs root to create network namespaces (run as root, as CI does)");
    }

    private static boolean isRoot() {
        try {
            // /proc/self/status "Uid: real effective saved fs"; the effective uid decides.
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return "0".equals(line.split("\\s+")[2]);
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
