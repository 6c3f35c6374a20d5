package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The system tools the tests run, each named with the Debian package that installs it (the README's install line has
 * them all). A missing tool fails the test as root, where every test is meant to run (CI), and skips it otherwise.
 */
final class Tools {
    private Tools() {
    }

    static void require(String tool, String debianPackage) {
        if (Shell.onPath(tool)) {
            return;
        }
        String message = "needs '" + tool + "', which is not installed: apt-get install " + debianPackage
                + " (the README's install line has every tool the tests use)";
        if (NamespaceLab.isRoot()) {
            Assertions.fail(message);
        }
        Assumptions.abort("skipped: " + message);
    }
}
