package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The system tools the tests run, each named with the Debian package that installs it (the README's install line has
 * them all). A missing tool fails the test as root, where every test is meant to run (CI), and skips it otherwise.
 */
final class Tools {
    private Tools() {
    }

    static void require(String tool, String debianPackage) {
        if (onPath(tool)) {
            return;
        }
        String message = "needs '" + tool + "', which is not installed: apt-get install " + debianPackage
                + " (the README's install line has every tool the tests use)";
        if (NamespaceLab.isRoot()) {
            Assertions.fail(message);
        }
        Assumptions.abort("skipped: " + message);
    }

    private static boolean onPath(String tool) {
        for (String directory : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(directory, tool))) {
                return true;
            }
        }
        return false;
    }
}
