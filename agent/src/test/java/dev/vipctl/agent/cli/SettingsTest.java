package dev.vipctl.agent.cli;

import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.TakeoverException;
import dev.vipctl.agent.Vip;
import dev.vipctl.agent.WireChecks;
import dev.vipctl.agent.arp.GarpMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {
    @TempDir
    Path dir;

    @Test
    void upWithDefaults() throws Exception {
        Settings settings = Settings.parse(new String[] {"up", "--interface", "eth0", "--vip", "198.51.100.100/24"});
        assertEquals(Settings.Command.UP, settings.command);
        assertEquals("eth0", settings.interfaceName);
        assertEquals("198.51.100.100/24", settings.vip.toString());
        assertEquals("eth0:1", settings.label);
        assertEquals(3, settings.profile.count());
        assertEquals(GarpMode.BOTH, settings.profile.mode());
        assertFalse(settings.json);
    }

    @Test
    void upWithEveryOption() throws Exception {
        Path log = dir.resolve("takeover.log");
        Settings settings = Settings.parse(new String[] {"up", "-i", "eth0", "--vip", "198.51.100.100/32", "--label", "eth0:sip",
                "--garp-count", "5", "--garp-interval-ms", "200", "--garp-mode", "reply", "--json", "--quiet", "--log-file", log.toString()});
        assertEquals("eth0:sip", settings.label);
        assertEquals(5, settings.profile.count());
        assertEquals(200, settings.profile.intervalMillis());
        assertEquals(GarpMode.REPLY, settings.profile.mode());
        assertTrue(settings.json);
        assertTrue(settings.quiet);
        assertEquals(log, settings.logFile);
    }

    @Test
    void downNeedsThePrefixUnlessForced() throws Exception {
        TakeoverException unnamed = assertThrows(TakeoverException.class,
                () -> Settings.parse(new String[] {"down", "--interface", "eth0", "--vip", "198.51.100.100"}));
        assertEquals(ExitCode.BAD_INPUT, unnamed.exitCode());

        Settings forced = Settings.parse(new String[] {"down", "--interface", "eth0", "--vip", "198.51.100.100", "--force"});
        assertEquals(Settings.Command.DOWN, forced.command);
        assertFalse(forced.vip.hasPrefix());
        assertTrue(forced.force);
        assertNull(forced.label);
        assertNull(forced.profile);
    }

    @Test
    void upTakesTheWireChecksAndTheLock() throws Exception {
        Settings settings = Settings.parse(new String[] {"up", "-i", "eth0", "--vip", "198.51.100.100/24", "--on-conflict", "fail",
                "--probe-wait-ms", "50", "--release-wait-ms", "2000", "--verify-peer", "198.51.100.1", "--defend-ms", "3000",
                "--lock-timeout-ms", "100", "--lock-dir", dir.toString()});
        assertEquals(WireChecks.OnConflict.FAIL, settings.checks.onConflict());
        assertEquals(50, settings.checks.probeWaitMillis());
        assertEquals(2000, settings.checks.releaseWaitMillis());
        assertEquals("198.51.100.1", settings.checks.verifyPeer().toString());
        assertEquals(3000, settings.checks.defendMillis());
        assertEquals(100, settings.lockTimeoutMillis);
        assertEquals(dir, settings.lockDirectory);
    }

    @Test
    void upDefaultsAreSubSecondChecksAndTheRunLock() throws Exception {
        Settings settings = Settings.parse(new String[] {"up", "-i", "eth0", "--vip", "198.51.100.100/24"});
        assertEquals(WireChecks.OnConflict.TAKEOVER, settings.checks.onConflict());
        assertEquals(WireChecks.DEFAULT_PROBE_WAIT_MILLIS, settings.checks.probeWaitMillis());
        assertEquals(WireChecks.DEFAULT_RELEASE_WAIT_MILLIS, settings.checks.releaseWaitMillis());
        assertNull(settings.checks.verifyPeer());
        assertEquals(0, settings.checks.defendMillis());
        assertNull(settings.lockDirectory, "the OS's default, which VipLock finds");
    }

    @Test
    void probeWaitsLongerByDefaultAndNeedsNoPrefix() throws Exception {
        Settings settings = Settings.parse(new String[] {"probe", "-i", "eth0", "--vip", "198.51.100.100"});
        assertEquals(Settings.DEFAULT_PROBE_COMMAND_WAIT_MILLIS, settings.checks.probeWaitMillis());
    }

    @ParameterizedTest
    @CsvSource({
        "198.51.100.1, 198.51.100.100/32, 198.51.100.1",
        "203.0.113.9, 198.51.100.100/32, 203.0.113.9",
        "198.51.100.254, 198.51.100.100/24, 198.51.100.254",
    })
    void verifyPeerIsAHostOnTheVipsSegment(String peer, String vip, String expected) {
        assertEquals(expected, Settings.verifyPeer(peer, Vip.parse(vip, true)).toString());
    }

    @ParameterizedTest
    @CsvSource({
        "198.51.100.100, 198.51.100.100/24, the VIP itself",
        "203.0.113.1, 198.51.100.100/24, outside the VIP's subnet",
        "198.51.100.0, 198.51.100.100/24, network or broadcast",
        "198.51.100.255, 198.51.100.100/24, network or broadcast",
        "gateway, 198.51.100.100/24, --verify-peer",
    })
    void verifyPeerRejects(String peer, String vip, String words) {
        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class, () -> Settings.verifyPeer(peer, Vip.parse(vip, true)));
        assertTrue(failure.getMessage().contains(words), failure.getMessage());
    }

    @Test
    void benchInTheLabOrOnAnInterface() throws Exception {
        Settings lab = Settings.parse(new String[] {"bench", "--lab", "--compare-shell", "--switchovers", "3", "--csv"});
        assertTrue(lab.bench.lab && lab.bench.compareShell && lab.bench.csv);
        assertEquals(Settings.DEFAULT_CYCLES, lab.bench.cycles);
        assertEquals(Settings.DEFAULT_RUNS, lab.bench.runs);
        assertEquals(3, lab.bench.switchovers);
        assertNull(lab.bench.report);

        Path report = dir.resolve("bench.html");
        Settings onInterface = Settings.parse(new String[] {"bench", "--interface", "eth0", "--vip", "198.51.100.100/24", "--compare-shell",
                "--cycles", "7", "--runs", "2", "--json", "--report", report.toString()});
        assertFalse(onInterface.bench.lab);
        assertEquals("eth0", onInterface.bench.interfaceName);
        assertEquals("198.51.100.100/24", onInterface.bench.vip.toString());
        assertTrue(onInterface.bench.compareShell && onInterface.bench.json);
        assertEquals(7, onInterface.bench.cycles);
        assertEquals(2, onInterface.bench.runs);
        assertEquals(0, onInterface.bench.switchovers, "no client on a given interface");
        assertEquals(report, onInterface.bench.report);
    }

    @Test
    void benchScaleTakesIncreasingCountsInTheLabOnly() throws Exception {
        Settings scale = Settings.parse(new String[] {"bench", "--lab", "--scale", "0, 10,1000", "--cycles", "5"});
        assertArrayEquals(new int[] {0, 10, 1000}, scale.bench.scale);
        assertEquals(5, scale.bench.cycles);
        assertNull(Settings.parse(new String[] {"bench", "--lab"}).bench.scale);

        for (String[] bad : new String[][] {
                {"--scale 10,1: give the numbers in increasing order, each once", "bench", "--lab", "--scale", "10,1"},
                {"--scale 1,1: give the numbers in increasing order, each once", "bench", "--lab", "--scale", "1,1"},
                {"is outside 0-10000", "bench", "--lab", "--scale", "1,10001"},
                {"'' is not a whole number", "bench", "--lab", "--scale", "1,,2"},
                {"--scale needs --lab", "bench", "--interface", "eth0", "--vip", "198.51.100.100/24", "--scale", "1"},
                {"--scale replaces the other measurements, so --runs would do nothing", "bench", "--lab", "--scale", "1", "--runs", "2"}}) {
            TakeoverException e = assertThrows(TakeoverException.class, () -> Settings.parse(java.util.Arrays.copyOfRange(bad, 1, bad.length)), bad[0]);
            assertEquals(ExitCode.BAD_INPUT, e.exitCode());
            assertTrue(e.getMessage().contains(bad[0]), e.getMessage());
        }
    }

    @Test
    void configFileFillsWhatTheCommandLineLeavesOut() throws Exception {
        Path config = dir.resolve("vip.properties");
        Files.writeString(config, "# SIP VIP\ninterface=eth0\nvip=198.51.100.100/24\nlabel=eth0:sip\ngarp-count=2\njson=true\n");
        Settings up = Settings.parse(new String[] {"up", "--config", config.toString(), "--garp-count", "4"});
        assertEquals("eth0", up.interfaceName);
        assertEquals("eth0:sip", up.label);
        assertEquals(4, up.profile.count(), "the command line wins");
        assertTrue(up.json);

        Settings down = Settings.parse(new String[] {"down", "--config", config.toString()});
        assertEquals("198.51.100.100/24", down.vip.toString(), "a shared file's up-only keys do not stop 'down'");
    }

    @Test
    void helpAndVersionNeedNothingElse() throws Exception {
        assertTrue(Settings.parse(new String[] {"--help"}).help);
        assertTrue(Settings.parse(new String[] {"--version"}).version);
        assertTrue(Settings.parse(new String[] {"up", "--help"}).help);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no command|",
            "unknown command|upp --interface eth0 --vip 198.51.100.100/24",
            "extra argument|up now --interface eth0 --vip 198.51.100.100/24",
            "unknown option|up --interface eth0 --vip 198.51.100.100/24 --force",
            "missing interface|up --vip 198.51.100.100/24",
            "missing vip|up --interface eth0",
            "missing option value|up --interface eth0 --vip",
            "up without prefix|up --interface eth0 --vip 198.51.100.100",
            "prefix over 32|up --interface eth0 --vip 198.51.100.100/33",
            "malformed address|up --interface eth0 --vip 198.51.100.300/24",
            "hostname as vip|up --interface eth0 --vip sip.example/24",
            "label too long|up --interface eth0 --vip 198.51.100.100/24 --label eth0:1234567890a",
            "label of another interface|up --interface eth0 --vip 198.51.100.100/24 --label eth1:1",
            "interface name with slash|up --interface ../eth0 --vip 198.51.100.100/24",
            "interface name too long|up --interface abcdefghijklmnop --vip 198.51.100.100/24",
            "label as interface|up --interface eth0:1 --vip 198.51.100.100/24",
            "garp count not a number|up --interface eth0 --vip 198.51.100.100/24 --garp-count many",
            "garp count over 100|up --interface eth0 --vip 198.51.100.100/24 --garp-count 101",
            "negative interval|up --interface eth0 --vip 198.51.100.100/24 --garp-interval-ms -5",
            "unknown garp mode|up --interface eth0 --vip 198.51.100.100/24 --garp-mode gratuitous",
            "label on down|down --interface eth0 --vip 198.51.100.100/24 --label eth0:1",
            "garp option on status|status --interface eth0 --vip 198.51.100.100 --garp-count 1",
            "missing config file|up --config /nonexistent/vipctl.properties",
            "log file in missing directory|up --interface eth0 --vip 198.51.100.100/24 --log-file /nonexistent/dir/takeover.log",
            "log file is a directory|up --interface eth0 --vip 198.51.100.100/24 --log-file /tmp",
    })
    void badInputIsAUsageError(String name, String commandLine) {
        String[] args = commandLine == null ? new String[0] : commandLine.split(" ");
        TakeoverException failure = assertThrows(TakeoverException.class, () -> Settings.parse(args));
        assertEquals(ExitCode.BAD_INPUT, failure.exitCode());
        assertFalse(failure.getMessage().isBlank());
    }

    @Test
    void configFileWithUnknownKeyOrBadFlagIsAUsageError() throws Exception {
        Path unknownKey = dir.resolve("unknown.properties");
        Files.writeString(unknownKey, "interface=eth0\nvip=198.51.100.100/24\ngarp_count=3\n");
        TakeoverException failure = assertThrows(TakeoverException.class,
                () -> Settings.parse(new String[] {"up", "--config", unknownKey.toString()}));
        assertTrue(failure.getMessage().contains("garp_count"), failure.getMessage());

        Path badFlag = dir.resolve("flag.properties");
        Files.writeString(badFlag, "interface=eth0\nvip=198.51.100.100/24\njson=yes please\n");
        assertThrows(TakeoverException.class, () -> Settings.parse(new String[] {"up", "--config", badFlag.toString()}));

        Path nested = dir.resolve("nested.properties");
        Files.writeString(nested, "config=/etc/other.properties\n");
        assertThrows(TakeoverException.class, () -> Settings.parse(new String[] {"up", "--config", nested.toString()}));
    }
}
