package dev.vipctl.tests;

import dev.vipctl.lab.Shell;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Debian package the agent module builds (agent/target/vipctl_VERSION_all.deb), read with dpkg-deb. */
final class DebianPackage {
    static final Path PATH = Path.of(System.getProperty("vipctl.deb", "../agent/target/vipctl_0.1.0_all.deb")).toAbsolutePath();
    static final String VERSION = System.getProperty("vipctl.version", "0.1.0");

    /** One line of {@code dpkg-deb -c}: {@code -rwxr-xr-x root/root 13097 2026-12-01 05:21 ./usr/bin/x[ -> target]}. */
    private static final Pattern CONTENTS_LINE = Pattern.compile("([-dlrwxst]{10}) (\\S+) +\\d+ \\S+ \\S+ \\.(/\\S*?)/?(?: -> (\\S+))?");

    /** A file, directory or link of the package: its mode as ls shows it, its owner/group, and a link's target. */
    static final class Entry {
        final String mode;
        final String owner;
        final String linkTarget;

        Entry(String mode, String owner, String linkTarget) {
            this.mode = mode;
            this.owner = owner;
            this.linkTarget = linkTarget;
        }

        @Override
        public String toString() {
            return mode + " " + owner + (linkTarget == null ? "" : " -> " + linkTarget);
        }
    }

    private DebianPackage() {
    }

    static void assertBuilt() {
        Tools.require("dpkg-deb", "dpkg");
        assertTrue(Files.isRegularFile(PATH), PATH + " is missing: the agent module's package phase builds it");
    }

    /** Every entry of the data archive by its absolute path ("/usr/bin/vipctl"; "/" for the root). */
    static Map<String, Entry> contents() {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (String line : Shell.check("dpkg-deb", "-c", PATH.toString()).split("\n")) {
            Matcher matcher = CONTENTS_LINE.matcher(line);
            assertTrue(matcher.matches(), "a line of dpkg-deb -c: " + line);
            entries.put(matcher.group(3), new Entry(matcher.group(1), matcher.group(2), matcher.group(4)));
        }
        return entries;
    }

    /** The package unpacked into {@code dir} (dpkg-deb -x: files only, no maintainer script runs); returns dir. */
    static Path extract(Path dir) {
        Shell.check("dpkg-deb", "-x", PATH.toString(), dir.toString());
        return dir;
    }

    /** The control archive (control, conffiles, maintainer scripts, ...) unpacked into {@code dir}; returns dir. */
    static Path extractControl(Path dir) {
        Shell.check("dpkg-deb", "-e", PATH.toString(), dir.toString());
        return dir;
    }

    /**
     * Shell steps that give what follows them, in a mount namespace of its own (unshare --mount --propagation private),
     * a system to change: /etc and /usr as overlays whose changes land in a tmpfs mounted on the directory {@code "$3"},
     * and empty tmpfs mounts on /run, /var/cache and /var/log. All of it goes with the namespace: the machine's users,
     * files and services stay as they were.
     */
    static final String PRIVATE_SYSTEM = "set -e; mount -t tmpfs tmpfs \"$3\";"
            + " for dir in etc usr; do mkdir \"$3/$dir\" \"$3/$dir.work\";"
            + " mount -t overlay overlay -o \"lowerdir=/$dir,upperdir=$3/$dir,workdir=$3/$dir.work\" \"/$dir\"; done;"
            + " mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /var/cache; mount -t tmpfs tmpfs /var/log; ";

    /** The fields of the control file, by name. */
    static Map<String, String> fields() {
        Map<String, String> fields = new LinkedHashMap<>();
        String last = null;
        for (String line : Shell.check("dpkg-deb", "-f", PATH.toString()).split("\n")) {
            if (line.startsWith(" ")) {
                fields.put(last, fields.get(last) + "\n" + line);
            } else {
                int colon = line.indexOf(':');
                assertTrue(colon > 0, "a control field: " + line);
                last = line.substring(0, colon);
                assertEquals(null, fields.put(last, line.substring(colon + 1).trim()), "field " + last + " once");
            }
        }
        return fields;
    }
}
