package dev.vipctl.agent.cli;

import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.TakeoverException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who may hand the resident agent what: {@link ResidentAgent#decide}, before anything runs or is answered. */
class ResidentAgentTest {
    private static final int ROOT = 0;
    private static final int MEMBER = 1000;
    private static final String GROUP = "adm";

    @TempDir
    Path dir;

    private ResidentAgent agent;

    @BeforeEach
    void startAgentForEth0() throws TakeoverException {
        agent = new ResidentAgent(Settings.parse(new String[] {"agent", "--interface", "eth0", "--agent-group", GROUP}), System.out);
    }

    @Test
    void rootMayGiveEveryOptionOfUpAndDown() throws Exception {
        Path log = dir.resolve("root.log");
        Path locks = dir.resolve("locks");
        Path config = Files.writeString(dir.resolve("vip.properties"), "garp-count=1\n");

        Seen up = decide(ROOT, "up", "--interface", "eth0", "--vip", "198.51.100.100/24", "--log-file", log.toString(),
                "--lock-dir", locks.toString(), "--config", config.toString(), "--lock-timeout-ms", "100", "--json");
        up.assertRuns();
        assertEquals(log, up.settings.logFile);
        assertEquals(locks, up.settings.lockDirectory);
        assertEquals(1, up.settings.profile.count(), "read from root's --config");
        assertTrue(Files.exists(log), "parsing opened root's --log-file, as a run in its own JVM would");

        Seen down = decide(ROOT, "down", "-i", "eth0", "--vip", "198.51.100.100", "--force", "-c", config.toString(),
                "--lock-dir", locks.toString());
        down.assertRuns();
        assertTrue(down.settings.force);
    }

    @Test
    void rootsConfigIsReadAndItsInterfaceCounts() throws Exception {
        Path config = Files.writeString(dir.resolve("eth1.properties"), "interface=eth1\nvip=198.51.100.100/24\n");

        Seen seen = decide(ROOT, "up", "--config", config.toString());
        assertEquals(AgentProtocol.Decline.INTERFACE, seen.decline);
        assertEquals("this agent serves eth0, not eth1", seen.sentence);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--log-file X", "--log-file=X", "--log X", "--log=X", "--log-f X", "-log-file X"})
    void aMemberMayNotNameALogFileInAnySpelling(String spelling) throws Exception {
        Path log = dir.resolve("member.log");
        Seen seen = decide(MEMBER, withPath(upCommandLine(), spelling, log));

        seen.assertRefused("--log-file");
        assertFalse(Files.exists(log), "decide() created the member's --log-file as root");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--config X", "--config=X", "--conf X", "--conf=X", "-c X", "-cX", "-c=X", "-config X", "-qc X"})
    void aMemberMayNotNameAConfigFileInAnySpelling(String spelling) throws Exception {
        // If parsed, this file would make root create a log file and would show its content in a message.
        Path logNamedInConfig = dir.resolve("named-in-config.log");
        Path config = Files.writeString(dir.resolve("member.properties"),
                "log-file=" + logNamedInConfig + "\nvip=203.0.113.77/24\nsecret-key=s3cr3t-value\n");
        Seen seen = decide(MEMBER, withPath(upCommandLine(), spelling, config));

        seen.assertRefused("--config");
        assertFalse(seen.refusal.contains("203.0.113.77") || seen.refusal.contains("s3cr3t"), seen.refusal);
        assertFalse(Files.exists(logNamedInConfig), "decide() read the member's --config as root");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--lock-dir X", "--lock-dir=X", "--lock-d X", "-lock-dir X"})
    void aMemberMayNotNameALockDirectoryInAnySpelling(String spelling) throws Exception {
        Path locks = dir.resolve("member-locks");
        Seen seen = decide(MEMBER, withPath(upCommandLine(), spelling, locks));

        seen.assertRefused("--lock-dir");
        assertFalse(Files.exists(locks));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--force", "--forc", "--f", "-force"})
    void aMemberMayNotForceADown(String spelling) {
        Seen seen = decide(MEMBER, "down", "--interface", "eth0", "--vip", "198.51.100.100", spelling);
        seen.assertRefused("--force");
    }

    @Test
    void aMemberIsToldEveryOptionItMayNotGive() {
        Path log = dir.resolve("member.log");
        Path config = dir.resolve("missing.properties");
        Seen seen = decide(MEMBER, "down", "--interface", "eth0", "--vip", "198.51.100.100", "--force", "--log-file", log.toString(),
                "-c", config.toString(), "--lock-dir", dir.resolve("locks").toString());

        seen.assertRefused("--config, --force, --lock-dir, --log-file");
        assertFalse(Files.exists(log));

        // What the agent answers with it: exit 2 and the refusal on the caller's stderr.
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main main = new Main(new PrintStream(OutputStream.nullOutputStream()), new PrintStream(err, true, UTF_8), Main.SERVED_BY_AGENT, null);
        assertEquals(ExitCode.BAD_INPUT.code(), main.refuse(seen.refusal));
        assertEquals("vipctl: " + seen.refusal + System.lineSeparator(), err.toString(UTF_8));
    }

    @Test
    void aMemberMayGiveTheOptionsThatTouchNoFileAndLiftNoRule() {
        Seen up = decide(MEMBER, "up", "--interface", "eth0", "--vip", "198.51.100.100/24", "--label", "eth0:sip", "--garp-count", "2",
                "--garp-interval-ms", "10", "--garp-mode", "reply", "--on-conflict", "fail", "--probe-wait-ms", "20",
                "--release-wait-ms", "40", "--verify-peer", "198.51.100.1", "--defend-ms", "100", "--lock-timeout-ms", "100",
                "--json", "--quiet");
        up.assertRuns();
        assertEquals("eth0:sip", up.settings.label);
        assertEquals(100, up.settings.lockTimeoutMillis);
        assertTrue(up.settings.json && up.settings.quiet);

        Seen shortSpellings = decide(MEMBER, "down", "-i", "eth0", "--vip", "198.51.100.100/24", "-q", "--lock-t", "0");
        shortSpellings.assertRuns();
        assertEquals(0, shortSpellings.settings.lockTimeoutMillis);

        decide(MEMBER, "up", "--help").assertRuns();
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"status", "probe", "doctor", "agent", "demo", "bench", "upp", "UP", ""})
    void onlyUpAndDownAreServed(String command) {
        String[] args = command.isEmpty() ? new String[0] : new String[] {command, "--interface", "eth0", "--vip", "198.51.100.100"};
        for (int uid : new int[] {ROOT, MEMBER}) {
            Seen seen = decide(uid, args);
            assertEquals("the resident agent runs 'up' and 'down' only, not '" + command + "'", seen.refusal, "uid " + uid);
            assertNull(seen.decline);
            assertNull(seen.settings);
        }
    }

    @Test
    void aRequestForAnotherInterfaceIsDeclinedForAnotherAgent() {
        for (int uid : new int[] {ROOT, MEMBER}) {
            Seen seen = decide(uid, "up", "--interface", "eth1", "--vip", "198.51.100.100/24");
            assertEquals(AgentProtocol.Decline.INTERFACE, seen.decline, "uid " + uid);
            assertEquals("this agent serves eth0, not eth1", seen.sentence);
            assertNull(seen.refusal);
            assertNull(seen.badInput);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "up --interface eth0",
            "up --interface eth0 --vip 198.51.100.100",
            "up --interface eth0 --vip 198.51.100.100/24 --bogus",
            "up --interface eth0 --vip 198.51.100.100/24 --lock 5",
            "down --interface eth0 --vip 198.51.100.100/24 --label eth0:1",
            "up now --interface eth0 --vip 198.51.100.100/24",
    })
    void aRequestThatDoesNotParseIsBadInputNotARefusal(String commandLine) {
        for (int uid : new int[] {ROOT, MEMBER}) {
            Seen seen = decide(uid, commandLine.split(" "));
            assertNotNull(seen.badInput, "uid " + uid);
            assertEquals(ExitCode.BAD_INPUT, seen.badInput.exitCode());
            assertNull(seen.refusal, "uid " + uid + ": " + seen.refusal);
            assertNull(seen.decline);
            assertNull(seen.settings);
        }
    }

    @Test
    void aMembersUnparsableRequestNamingALogFileCreatesNothing() {
        // optionsGiven() sees nothing in a line that does not parse; parsing must then stop before the --log-file.
        Path log = dir.resolve("member.log");
        Seen seen = decide(MEMBER, "up", "--interface", "eth0", "--vip", "198.51.100.100/24", "--log-file", log.toString(), "--bogus");
        assertNotNull(seen.badInput);
        assertFalse(Files.exists(log));
    }

    private static String[] upCommandLine() {
        return new String[] {"up", "--interface", "eth0", "--vip", "198.51.100.100/24"};
    }

    /** {@code base} followed by {@code spelling}'s words, with its X replaced by {@code path}. */
    private static String[] withPath(String[] base, String spelling, Path path) {
        List<String> args = new ArrayList<>(List.of(base));
        for (String word : spelling.split(" ")) {
            args.add(word.replace("X", path.toString()));
        }
        return args.toArray(new String[0]);
    }

    private Seen decide(int uid, String... args) {
        return new Seen(agent.decide(uid, args));
    }

    /** A ResidentAgent.Decision, with what the tests ask of it. */
    private static final class Seen {
        final AgentProtocol.Decline decline;
        final String sentence;
        final String refusal;
        final TakeoverException badInput;
        final Settings settings;

        Seen(ResidentAgent.Decision decision) {
            decline = decision.decline;
            sentence = decision.sentence;
            refusal = decision.refusal;
            badInput = decision.badInput;
            settings = decision.settings;
        }

        /** Parsed, for this agent's interface, and neither refused nor declined: the agent runs it. */
        void assertRuns() {
            assertNull(refusal, refusal);
            assertNull(badInput, () -> badInput.getMessage());
            assertNull(decline, sentence);
            assertNotNull(settings);
        }

        /** Refused (exit 2) before parsing, naming what the member may not give and the group. */
        void assertRefused(String options) {
            assertNotNull(refusal, "not refused");
            assertTrue(refusal.startsWith("through the resident agent, a member of group " + GROUP + " may not give " + options + ": "), refusal);
            assertTrue(refusal.endsWith("ask root to run it"), refusal);
            assertNull(decline);
            assertNull(badInput);
            assertNull(settings, "a refused request is not parsed");
        }
    }
}
