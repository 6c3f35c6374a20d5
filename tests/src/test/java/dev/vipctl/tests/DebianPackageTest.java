package dev.vipctl.tests;

import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Debian package as dpkg would install it: its files with their modes and owners, its control fields, conffiles
 * and maintainer scripts, lintian's verdict, and vipctl run from an unpacked copy. Nothing is installed on this machine.
 */
class DebianPackageTest {
    private static final String RUNNABLE = "-rwxr-xr-x";
    private static final String READABLE = "-rw-r--r--";

    /** What the package installs besides the jars and JNA's native part, with each one's mode (or link target). */
    private static final Map<String, String> FILES = Map.ofEntries(
            Map.entry("/usr/share/vipctl/bin/vipctl", RUNNABLE),
            Map.entry("/usr/bin/vipctl", "-> ../share/vipctl/bin/vipctl"),
            Map.entry("/usr/share/vipctl/cache", "-> /var/cache/vipctl"),
            Map.entry("/usr/share/vipctl/lib/jna", "-> ../../../lib/vipctl/jna"),
            Map.entry("/usr/share/man/man1/vipctl.1.gz", READABLE),
            Map.entry("/usr/share/doc/vipctl/copyright", READABLE),
            Map.entry("/usr/share/doc/vipctl/changelog.gz", READABLE),
            Map.entry("/usr/share/lintian/overrides/vipctl", READABLE),
            Map.entry("/usr/lib/ocf/resource.d/vipctl/vipctl", RUNNABLE),
            Map.entry("/usr/libexec/vipctl/vipctl-keepalived-notify", RUNNABLE),
            Map.entry("/usr/libexec/vipctl/vip-up", RUNNABLE),
            Map.entry("/usr/libexec/vipctl/vip-down", RUNNABLE),
            Map.entry("/lib/systemd/system/vipctl-agent@.service", READABLE),
            Map.entry("/lib/systemd/system-generators/vipctl-agent-generator", RUNNABLE),
            Map.entry("/etc/vipctl/sip-primary.properties", READABLE),
            Map.entry("/etc/vipctl/sip-backup.properties", READABLE),
            Map.entry("/etc/vipctl/vi_1.properties", READABLE),
            Map.entry("/usr/share/doc/vipctl/integrations/keepalived/keepalived.conf", READABLE),
            Map.entry("/usr/share/doc/vipctl/integrations/keepalived/README.md", READABLE),
            Map.entry("/usr/share/doc/vipctl/integrations/lca/README.md", READABLE),
            Map.entry("/usr/share/doc/vipctl/integrations/pacemaker/README.md", READABLE),
            Map.entry("/usr/share/doc/vipctl/integrations/ucarp/README.md", READABLE));

    @TempDir
    static Path tree;
    @TempDir
    static Path control;

    @BeforeAll
    static void unpack() {
        DebianPackage.assertBuilt();
        DebianPackage.extract(tree);
        DebianPackage.extractControl(control);
    }

    @Test
    void installsItsFilesWithTheirModesOwnedByRoot() throws IOException {
        Map<String, DebianPackage.Entry> contents = DebianPackage.contents();
        Set<String> expected = new TreeSet<>(FILES.keySet());
        Path home = Launcher.PATH.getParent().getParent();
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            jars.filter(jar -> jar.toString().endsWith(".jar")).forEach(jar -> expected.add("/usr/share/vipctl/lib/" + jar.getFileName()));
        }
        // JNA's native part for every Linux the tarball has, and none of Windows'.
        try (Stream<Path> natives = Files.list(home.resolve("lib/jna"))) {
            natives.map(dir -> dir.getFileName().toString()).filter(name -> name.startsWith("linux-"))
                    .forEach(name -> expected.add("/usr/lib/vipctl/jna/" + name + "/libjnidispatch.so"));
        }
        assertTrue(expected.contains("/usr/lib/vipctl/jna/linux-x86-64/libjnidispatch.so"), "the distribution has x86-64's: " + expected);

        Set<String> notDirectories = contents.entrySet().stream().filter(entry -> !entry.getValue().mode.startsWith("d"))
                .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, notDirectories, "the package's files and links");
        for (Map.Entry<String, DebianPackage.Entry> entry : contents.entrySet()) {
            String path = entry.getKey();
            DebianPackage.Entry it = entry.getValue();
            assertEquals("root/root", it.owner, path);
            if (it.mode.startsWith("d")) {
                assertEquals("drwxr-xr-x", it.mode, path);
            } else if (it.mode.startsWith("l")) {
                assertEquals(FILES.get(path), "-> " + it.linkTarget, path);
            } else {
                assertEquals(FILES.getOrDefault(path, READABLE), it.mode, path);
            }
        }
    }

    @Test
    void theManPageIsTheOneTheBuildGenerated() throws IOException {
        Path built = Launcher.PATH.getParent().getParent().resolve("share/man/man1/vipctl.1");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tree.resolve("usr/share/man/man1/vipctl.1.gz")))) {
            assertArrayEquals(Files.readAllBytes(built), in.readAllBytes());
        }
    }

    @Test
    void itsControlFieldsNameTheRuntimeItNeeds() {
        Map<String, String> fields = DebianPackage.fields();
        assertEquals("vipctl", fields.get("Package"));
        assertEquals(DebianPackage.VERSION, fields.get("Version"));
        assertEquals("all", fields.get("Architecture"));
        assertEquals("net", fields.get("Section"));
        assertEquals("optional", fields.get("Priority"));
        assertEquals(Set.of("default-jre-headless (>= 2:1.11) | java11-runtime-headless", "libc6", "libpcap0.8", "iproute2", "adduser"),
                Set.of(fields.get("Depends").split(", ")), fields.get("Depends"));
        assertNotNull(fields.get("Maintainer"));
        assertTrue(fields.get("Description").contains("\n"), "a synopsis and a long description: " + fields.get("Description"));
        assertTrue(Integer.parseInt(fields.get("Installed-Size")) > 0, fields.get("Installed-Size"));
    }

    @Test
    void theExampleConfigurationIsConffilesAndTheJvmDirectoryATrigger() throws IOException {
        try (Stream<Path> files = Files.list(control)) {
            assertEquals(Set.of("control", "md5sums", "conffiles", "triggers", "postinst", "prerm", "postrm"),
                    files.map(file -> file.getFileName().toString()).collect(Collectors.toSet()));
        }
        assertEquals(Set.of("/etc/vipctl/sip-primary.properties", "/etc/vipctl/sip-backup.properties", "/etc/vipctl/vi_1.properties"),
                Set.copyOf(Files.readAllLines(control.resolve("conffiles"))));
        assertEquals(List.of("interest-noawait /usr/lib/jvm"), Files.readAllLines(control.resolve("triggers")));
    }

    @Test
    void theMaintainerScriptsArePosixShWithSetE() throws IOException {
        for (String script : List.of("postinst", "prerm", "postrm")) {
            Path path = control.resolve(script);
            assertTrue(Files.isExecutable(path), script);
            List<String> lines = Files.readAllLines(path);
            assertEquals("#!/bin/sh", lines.get(0), script);
            assertTrue(lines.contains("set -e"), script + " stops at the first failure");
            Shell.Result syntax = Shell.run(List.of("sh", "-n", path.toString()));
            assertEquals(0, syntax.exitCode, script + ": " + Launcher.describe(syntax));
            if (Shell.onPath("checkbashisms")) {
                Shell.Result bashisms = Shell.run(List.of("checkbashisms", path.toString()));
                assertEquals(0, bashisms.exitCode, script + ": " + Launcher.describe(bashisms));
            }
        }
    }

    @Test
    void lintianFindsNoErrorOrWarning() {
        Tools.require("lintian", "lintian");
        Shell.Result lintian = Shell.run(List.of("lintian", "--fail-on", "error,warning", DebianPackage.PATH.toString()), 300);
        assertEquals(0, lintian.exitCode, Launcher.describe(lintian));
        assertFalse(lintian.stdout.contains("unused-override"), "every override still applies: " + lintian.stdout);
    }

    @Test
    void theUnpackedVipctlRunsThroughItsLinkInUsrBin() {
        Path link = tree.resolve("usr/bin/vipctl");
        assertTrue(Files.isSymbolicLink(link), link + " is a link");
        Shell.Result version = Shell.run(List.of(link.toString(), "--version"));
        assertEquals(0, version.exitCode, Launcher.describe(version));
        assertEquals("vipctl " + DebianPackage.VERSION, version.stdout.trim());
    }
}
