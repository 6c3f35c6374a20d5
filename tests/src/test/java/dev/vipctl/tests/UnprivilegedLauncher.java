package dev.vipctl.tests;

import dev.vipctl.lab.Shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/** The packaged launcher, as users without any privilege (group members, an agent's own user) can run it. */
final class UnprivilegedLauncher {
    private UnprivilegedLauncher() {
    }

    /**
     * The packaged launcher when uid 65534 can run it (it and its JVM read agent/target/vipctl); else a world-readable
     * copy of bin/ and lib/ in {@code shared} (like VipLockTest.worldReadableCopyOf does for classes). The start-up cache
     * is left out of the copy: it names the original's class path.
     */
    static String path(Path shared) throws IOException {
        Tools.require("setpriv", "util-linux");
        Path home = Launcher.PATH.getParent().getParent();
        Shell.Result check = Shell.run(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c",
                "test -x \"$1/bin/vipctl\" && for jar in \"$1\"/lib/*.jar; do test -r \"$jar\" || exit 1; done && test -x \"$1/lib/jna\"",
                "sh", home.toString()));
        if (check.exitCode == 0) {
            return Launcher.PATH.toString();
        }
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path copy = Files.createDirectory(shared.resolve("vipctl"));
        Shell.check("cp", "-R", home.resolve("bin").toString(), home.resolve("lib").toString(), copy.toString());
        Shell.check("chmod", "-R", "a+rX", copy.toString());
        return copy.resolve("bin").resolve("vipctl").toString();
    }
}
