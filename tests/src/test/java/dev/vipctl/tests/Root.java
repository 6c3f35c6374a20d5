package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import org.junit.jupiter.api.Assumptions;

/** Tests that build namespace labs need root; elsewhere they skip and say why. */
final class Root {
    private Root() {
    }

    static void assumeRoot() {
        Assumptions.assumeTrue(NamespaceLab.isRoot(), "skipped: needs root to create network namespaces (run as root, as CI does)");
    }
}
