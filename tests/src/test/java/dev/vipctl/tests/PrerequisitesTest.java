package dev.vipctl.tests;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's one install command and what .ci/run installs on a fresh clone are the same packages. */
class PrerequisitesTest {
    @Test
    void theReadmesInstallLineIsWhatCiInstalls() throws Exception {
        Matcher line = Pattern.compile("\nsudo apt-get install -y ([a-z0-9. -]+)\n").matcher(Files.readString(Path.of("..", "README.md")));
        assertTrue(line.find(), "README: one line 'sudo apt-get install -y PACKAGES'");
        Set<String> readme = new TreeSet<>(Arrays.asList(line.group(1).trim().split(" +")));

        Set<String> ci = new TreeSet<>();
        Matcher need = Pattern.compile("need\\+=\\(([a-z0-9.-]+)\\)").matcher(Files.readString(Path.of("..", ".ci", "run")));
        while (need.find()) {
            ci.add(need.group(1));
        }
        assertEquals(ci, readme, "README's install line against .ci/run");
    }
}
