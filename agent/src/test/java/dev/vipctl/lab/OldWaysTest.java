package dev.vipctl.lab;

import dev.vipctl.agent.Vip;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The old ways' commands never hand an operator's input to a shell as code. */
class OldWaysTest {
    /** A valid Linux interface name (no '/', ':' or white space, under 16 bytes) that is a command to a shell. */
    private static final String HOSTILE_NAME = "x;touch${IFS}M";

    @Test
    void anInterfaceNameWithShellMetacharactersReachesTheToolsAsOneArgumentAndRunsNothing(@TempDir Path dir) throws Exception {
        // Stand-ins for ip and arping that write down the arguments they got, one per line.
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Path calls = dir.resolve("calls");
        for (String tool : new String[] {"ip", "arping"}) {
            Path script = bin.resolve(tool);
            Files.writeString(script, "#!/bin/sh\necho \"" + tool + "\" >> \"$CALLS\"\nfor a; do echo \"$a\" >> \"$CALLS\"; done\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        }
        Bench.Way way = OldWays.forThisOs(HOSTILE_NAME, Vip.parse("198.51.100.100/24", false)).get(0);

        Shell.Result result = runIn(dir, way.up, Map.of("PATH", bin + ":/usr/bin:/bin", "CALLS", calls.toString()));

        assertEquals(0, result.exitCode, result.stderr);
        assertFalse(Files.exists(dir.resolve("M")), "the name ran as a command");
        assertEquals(List.of("ip", "addr", "add", "198.51.100.100/24", "dev", HOSTILE_NAME, "label", HOSTILE_NAME + ":1",
                "arping", "-q", "-U", "-c", "1", "-I", HOSTILE_NAME, "198.51.100.100"), Files.readAllLines(calls));
    }

    @Test
    void windowsTakesTheVendorsNetshWayWithTheAliasAsOneArgument() {
        List<Bench.Way> ways = OldWays.forOs("Windows Server 2022", "Local Area Connection", Vip.parse("198.51.100.100/24", false));

        assertEquals(1, ways.size());
        Bench.Way netsh = ways.get(0);
        assertEquals(List.of("netsh", "interface", "ipv4", "add", "address", "name=Local Area Connection", "address=198.51.100.100",
                "mask=255.255.255.0"), netsh.up);
        assertEquals(List.of("netsh", "interface", "ipv4", "delete", "address", "name=Local Area Connection", "address=198.51.100.100"),
                netsh.down);
        assertFalse(netsh.announces, "netsh sends no gratuitous ARP of its own");
    }

    @Test
    void aNetshMaskFollowsThePrefix() {
        Bench.Way netsh = OldWays.forOs("Windows 11", "Ethernet", Vip.parse("203.0.113.5/29", false)).get(0);

        assertEquals("mask=255.255.255.248", netsh.up.get(7));
    }

    @Test
    void aHostileAliasIsOneNetshArgumentAndOneWithADoubleQuoteIsRefused() {
        // No cmd.exe starts netsh: '&', '%' and '^' are characters of the one argument.
        String hostile = "x & calc.exe %PATH% ^| del";
        Bench.Way netsh = OldWays.forOs("Windows 10", hostile, Vip.parse("198.51.100.100/24", false)).get(0);
        assertEquals("name=" + hostile, netsh.up.get(5));
        assertEquals(8, netsh.up.size());
        assertEquals("name=" + hostile, netsh.down.get(5));

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> OldWays.forOs("Windows 10", "x\" store=persistent", Vip.parse("198.51.100.100/24", false)));
        assertTrue(refused.getMessage().contains("double quote"), refused.getMessage());
    }

    @Test
    void otherSystemsSayWhatIsNotImplemented() {
        IllegalStateException aix = assertThrows(IllegalStateException.class,
                () -> OldWays.forOs("AIX", "en0", Vip.parse("198.51.100.100/24", false)));
        assertTrue(aix.getMessage().contains("AIX 'ifconfig IF alias|delete'"), aix.getMessage());
        assertFalse(OldWays.NOT_IMPLEMENTED.contains("Windows"), OldWays.NOT_IMPLEMENTED);
    }

    /** Runs a command in {@code directory}, so that whatever it might create lands there. */
    private static Shell.Result runIn(Path directory, List<String> command, Map<String, String> environment)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(environment);
        Process process = builder.start();
        String stderr = new String(process.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new Shell.Result(process.waitFor(), "", stderr);
    }
}
