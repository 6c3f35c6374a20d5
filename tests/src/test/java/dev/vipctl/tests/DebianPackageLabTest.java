package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The package's vipctl and maintainer scripts at work, as root, without installing the package: vipctl from an
 * unpacked copy moves the VIP in a namespace lab, and postinst and postrm run in a mount namespace of their own, where
 * /etc is an overlay and /var/cache and /var/log are empty tmpfs mounts: what they make and remove there (the system
 * user vipctl too) is gone with the namespace.
 */
class DebianPackageLabTest {
    private static final String VIP = NamespaceLab.VIP_WITH_PREFIX;

    @RegisterExtension
    static final LabExtension LAB = new LabExtension();

    @TempDir
    static Path tree;
    @TempDir
    static Path control;
    @TempDir
    static Path scratch;

    @BeforeAll
    static void unpack() {
        DebianPackage.assertBuilt();
        DebianPackage.extract(tree);
        DebianPackage.extractControl(control);
    }

    private static Shell.Result vipctl(NamespaceLab.Host host, String... args) {
        List<String> command = new ArrayList<>(List.of(tree.resolve("usr/bin/vipctl").toString()));
        command.addAll(List.of(args));
        return Shell.run(host.command(command.toArray(new String[0])));
    }

    @Test
    void theUnpackedVipctlMovesTheVip() {
        LAB.removeVip();
        NamespaceLab.Host a = LAB.lab().hostA();
        Shell.Result up = vipctl(a, "up", "--interface", NamespaceLab.INTERFACE, "--vip", VIP, "--garp-count", "2", "--garp-interval-ms", "50");
        assertEquals(0, up.exitCode, Launcher.describe(up));
        assertTrue(a.run("ip", "-4", "-o", "addr", "show", "dev", NamespaceLab.INTERFACE).contains("inet " + VIP));
        assertEquals(0, Shell.run(LAB.lab().client().command("ping", "-c", "1", "-W", "1", NamespaceLab.VIP)).exitCode, "the client reaches the VIP");
        String entry = LAB.lab().client().run("ip", "neigh", "show", NamespaceLab.VIP, "dev", NamespaceLab.INTERFACE);
        assertTrue(entry.contains(a.mac().toString()), "at host-a's MAC: " + entry);

        Shell.Result down = vipctl(a, "down", "--interface", NamespaceLab.INTERFACE, "--vip", VIP);
        assertEquals(0, down.exitCode, Launcher.describe(down));
        assertFalse(a.run("ip", "-4", "-o", "addr", "show", "dev", NamespaceLab.INTERFACE).contains(NamespaceLab.VIP + "/"));
    }

    /**
     * Runs {@code steps} (sh) in a private system ({@link DebianPackage#PRIVATE_SYSTEM}), PATH starting at the unpacked
     * usr/bin as dpkg's PATH has /usr/bin; $1 is the unpacked tree, $2 the control directory.
     */
    private static Shell.Result inPrivateSystem(Map<String, String> environment, String steps) {
        Tools.require("adduser", "adduser"); // postinst makes the system user vipctl
        String script = DebianPackage.PRIVATE_SYSTEM + "PATH=$1/usr/bin:$PATH; " + steps;
        return Shell.run(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", tree.toString(), control.toString(),
                scratch.toString()), environment, 300);
    }

    @Test
    void postinstBuildsTheStartUpCacheThatVipctlUsesAndPostrmRemovesIt() {
        // A cache left by another Java build, then configure; vipctl must then start with the cache or not at all
        // (-Xshare:on, -XX:AOTMode=on); the trigger's run rebuilds it; remove, then purge.
        Shell.Result result = inPrivateSystem(Map.of(),
                "mkdir /var/cache/vipctl; touch /var/cache/vipctl/java-0-stale.jsa; sh $2/postinst configure; ls /var/cache/vipctl; stat -c 'log %a %U' /var/log/vipctl;"
                        + " for cache in /var/cache/vipctl/*; do case $cache in *.aot) use=-XX:AOTMode=on ;; *) use=-Xshare:on ;; esac; done;"
                        + " VIPCTL_JAVA_OPTS=$use vipctl status --interface lo --vip 203.0.113.9/32 || echo status=$?;"
                        + " sh $2/postinst triggered /usr/lib/jvm; ls /var/cache/vipctl;"
                        + " sh $2/postrm remove; test ! -e /var/cache/vipctl && echo cache removed; test -d /var/log/vipctl && echo log kept;"
                        + " sh $2/postrm purge; test ! -e /var/log/vipctl && echo log purged");
        assertEquals(0, result.exitCode, Launcher.describe(result));
        List<String> lines = List.of(result.stdout.split("\n"));
        assertTrue(lines.get(0).startsWith("vipctl: start-up cache for Java "), Launcher.describe(result));
        String cache = lines.get(1);
        assertTrue(cache.matches("java-.+\\.(jsa|aot)") && !cache.contains("stale"), "one cache, the stale one gone: " + Launcher.describe(result));
        assertEquals("log 750 root", lines.get(2));
        assertTrue(lines.contains("203.0.113.9/32 is not configured on lo"), "vipctl ran with the cache: " + Launcher.describe(result));
        assertTrue(lines.contains("status=8"), Launcher.describe(result));
        assertEquals(List.of(cache, "cache removed", "log kept", "log purged"), lines.subList(lines.size() - 4, lines.size()), Launcher.describe(result));
    }

    @Test
    void aCacheThatCannotBeBuiltDoesNotFailTheInstallation() {
        Shell.Result result = inPrivateSystem(Map.of("JAVA_HOME", "/nonexistent"), "sh $2/postinst configure; ls -A /var/cache/vipctl | wc -l");
        assertEquals(0, result.exitCode, Launcher.describe(result));
        assertEquals("0", result.stdout.trim(), "no cache: " + Launcher.describe(result));
        assertTrue(result.stderr.contains("vipctl: JAVA_HOME is /nonexistent"), "vipctl's own reason: " + Launcher.describe(result));
    }
}
