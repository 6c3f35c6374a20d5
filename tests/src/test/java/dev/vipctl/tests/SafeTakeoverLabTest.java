package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The safe takeover on a real wire: the RFC 5227 release check before 'up' (free, released while waiting, still held
 * with --on-conflict fail or takeover, also when the holder's first reply is lost), the verification after it, the defend window, --verify-peer and 'vipctl probe'.
 * Each scenario runs the real launcher in the namespaces of one lab, and checks the exit code, the message, the JSON
 * and what the kernels really hold afterwards. Waits are bounded and synchronised on frames seen on the wire (tcpdump),
 * never on sleeps.
 */
class SafeTakeoverLabTest {
    private static final String VIP = NamespaceLab.VIP_WITH_PREFIX;
    private static final String VIP_ADDRESS = NamespaceLab.VIP;
    private static final String EXACT_VIP = "inet " + VIP + " ";
    /** One round, so that each test sends few frames; the pacing itself is covered by TakeoverLabTest. */
    private static final String[] FAST_GARP = {"--garp-count", "1", "--garp-interval-ms", "50"};
    /** Bound of every wait for a process or a frame: generous, since the machine may be loaded; reaching it fails the test. */
    private static final long WAIT_SECONDS = 30;

    @RegisterExtension
    static final LabExtension LAB = new LabExtension();
    private static String macA;
    private static String macB;
    private static String macClient;


    @TempDir
    Path dir;

    @BeforeAll
    static void readMacs() {
        macA = LAB.lab().hostA().mac().toString();
        macB = LAB.lab().hostB().mac().toString();
        macClient = LAB.lab().client().mac().toString();
    }

    /** Each test starts with the VIP on neither host and no neighbour entry for it on the client. */
    @BeforeEach
    void resetLab() {
        LAB.removeVip();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 1. The old primary still holds the VIP.

    @Test
    void aVipStillHeldElsewhereIsRefusedWithOnConflictFailAndTakenOverWithASplitBrainByDefault() {
        LAB.lab().hostA().run("ip", "addr", "add", VIP, "dev", NamespaceLab.INTERFACE, "label", "eth0:1");
        String before = addresses(LAB.lab().hostB());

        Ran refused = up(LAB.lab().hostB(), "--on-conflict", "fail");
        assertEquals(10, refused.exitCode, refused.describe());
        assertTrue(refused.stderr.contains(macA), "names the holder's MAC: " + refused.stderr);
        assertTrue(refused.stderr.contains("nothing was changed"), refused.stderr);
        assertFalse(refused.stderr.contains(macB), "only the holder is named: " + refused.stderr);
        assertEquals(before, addresses(LAB.lab().hostB()), "host-b unchanged");
        assertTrue(holdsExactVip(LAB.lab().hostA()), "host-a still holds it: " + addresses(LAB.lab().hostA()));

        Ran refusedJson = up(LAB.lab().hostB(), "--on-conflict", "fail", "--json");
        assertEquals(10, refusedJson.exitCode, refusedJson.describe());
        Map<String, Object> json = refusedJson.json();
        assertEquals("CONFLICT", at(json, "exitName"));
        assertEquals(false, at(json, "changed"));
        assertEquals("fail", at(json, "wire", "onConflict"));
        assertEquals("held", at(json, "wire", "releaseCheck", "result"));
        assertEquals(List.of(macA), at(json, "wire", "releaseCheck", "holders"));
        assertTrue(number(json, "wire", "releaseCheck", "probes") >= 1, refusedJson.stdout);
        assertEquals(0L, at(json, "announcement", "framesSent"), "refused before any announcement");
        assertEquals(before, addresses(LAB.lab().hostB()), "host-b unchanged");
        assertTrue(holdsExactVip(LAB.lab().hostA()), "host-a still holds it: " + addresses(LAB.lab().hostA()));

        Ran takeover = up(LAB.lab().hostB(), "--json");
        assertEquals(11, takeover.exitCode, takeover.describe());
        assertTrue(holdsExactVip(LAB.lab().hostB()), "host-b holds exactly " + VIP + " label eth0:1: " + addresses(LAB.lab().hostB()));
        assertTrue(holdsExactVip(LAB.lab().hostA()), "nobody took it from host-a: " + addresses(LAB.lab().hostA()));
        assertTrue(addresses(LAB.lab().hostB()).contains("inet " + LAB.lab().hostB().address() + "/24"), "host-b's own address stays");
        assertTrue(takeover.stderr.contains("split brain") && takeover.stderr.contains(macA), takeover.stderr);
        json = takeover.json();
        assertEquals("SPLIT_BRAIN", at(json, "exitName"));
        assertEquals(true, at(json, "changed"));
        assertEquals("eth0:1", at(json, "configured", "label"));
        assertEquals("held", at(json, "wire", "releaseCheck", "result"));
        assertEquals(List.of(macA), claimantMacs(json));
        assertTrue(((String) at(json, "wire", "claimedByOthers", 0, "firstFrame")).contains(macA), takeover.stdout);
        assertTrue(number(json, "wire", "claimedByOthers", 0, "frames") >= 1, takeover.stdout);
        List<?> warnings = (List<?>) at(json, "warnings");
        assertTrue(warnings.stream().anyMatch(w -> ((String) w).contains("conflict") && ((String) w).contains(macA)),
                "warns of the conflict, naming the holder: " + warnings);

        // From the client, which holds nothing: both kernels answer its probes.
        Ran probe = probe(LAB.lab().client());
        assertEquals(11, probe.exitCode, probe.describe());
        assertTrue(probe.stderr.contains(macA) && probe.stderr.contains(macB) && probe.stderr.contains("split brain"), probe.stderr);
    }

    @Test
    void aHolderWhoseFirstReplyIsLostIsStillFoundUnderBothPolicies() throws Exception {
        LAB.lab().hostA().run("ip", "addr", "add", VIP, "dev", NamespaceLab.INTERFACE, "label", "eth0:1");
        String before = addresses(LAB.lab().hostB());

        Ran refused;
        try (FirstReplyLost lost = FirstReplyLost.on(LAB.lab().hostA(), dir)) {
            refused = up(LAB.lab().hostB(), "--on-conflict", "fail", "--json");
            assertEquals(1, lost.dropped(), "host-a's kernel answered, and its first reply was dropped: " + refused.describe());
        }
        assertEquals(10, refused.exitCode, refused.describe());
        Map<String, Object> json = refused.json();
        assertEquals("held", at(json, "wire", "releaseCheck", "result"));
        assertEquals(List.of(macA), at(json, "wire", "releaseCheck", "holders"));
        assertEquals(false, at(json, "changed"));
        assertEquals(before, addresses(LAB.lab().hostB()), "host-b unchanged");
        assertTrue(holdsExactVip(LAB.lab().hostA()), "host-a still holds it: " + addresses(LAB.lab().hostA()));

        Ran takeover;
        try (FirstReplyLost lost = FirstReplyLost.on(LAB.lab().hostA(), dir)) {
            takeover = up(LAB.lab().hostB(), "--json");
            assertEquals(1, lost.dropped(), "host-a's kernel answered, and its first reply was dropped: " + takeover.describe());
        }
        assertEquals(11, takeover.exitCode, takeover.describe());
        json = takeover.json();
        assertEquals("held", at(json, "wire", "releaseCheck", "result"), "found before the takeover, not only after it");
        assertEquals(List.of(macA), at(json, "wire", "releaseCheck", "holders"));
        assertTrue(((List<?>) at(json, "warnings")).stream().anyMatch(w -> ((String) w).contains("conflict") && ((String) w).contains(macA)),
                takeover.stdout);
        assertTrue(holdsExactVip(LAB.lab().hostB()), addresses(LAB.lab().hostB()));
        assertTrue(holdsExactVip(LAB.lab().hostA()), addresses(LAB.lab().hostA()));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 2. The old primary lets go while the new one probes.

    @Test
    void aVipReleasedDuringTheReleaseWaitIsTakenOverCleanly() throws Exception {
        LAB.lab().hostA().run("ip", "addr", "add", VIP, "dev", NamespaceLab.INTERFACE, "label", "eth0:1");
        try (Capture onA = Capture.start(LAB.lab().hostA(), "arp and ether src " + macB)) {
            // A long release wait: the test deletes the VIP once it has seen the first probe, and the check ends at
            // the first unanswered probe, so the length only bounds how late that delete may come on a loaded machine.
            Background b = launch(LAB.lab().hostB(), upArgs("--release-wait-ms", "20000", "--json"));
            onA.await(0, line -> line.isProbe() && line.fromMac.equals(macB), "host-b's first probe");
            LAB.lab().hostA().run("ip", "addr", "del", VIP, "dev", NamespaceLab.INTERFACE);
            Ran ran = b.await();

            assertEquals(0, ran.exitCode, ran.describe());
            Map<String, Object> json = ran.json();
            assertEquals("released", at(json, "wire", "releaseCheck", "result"), ran.stdout);
            assertEquals(List.of(macA), at(json, "wire", "releaseCheck", "holders"));
            assertTrue(number(json, "wire", "releaseCheck", "probes") >= 2, "answered at first, then unanswered: " + ran.stdout);
            assertEquals(List.of(), claimantMacs(json));
            assertEquals(List.of(), at(json, "warnings"));
            assertFalse(ran.stderr.contains("conflict"), ran.stderr);
            assertTrue(ran.stdout.contains("release check: released"), ran.stdout);
            assertTrue(holdsExactVip(LAB.lab().hostB()), addresses(LAB.lab().hostB()));
            assertFalse(holdsVip(LAB.lab().hostA()), addresses(LAB.lab().hostA()));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 3. Nobody holds the VIP.

    @Test
    void aFreeVipIsTakenOverAfterThreeUnansweredProbes() {
        Ran ran = up(LAB.lab().hostB(), "--json");
        assertEquals(0, ran.exitCode, ran.describe());
        Map<String, Object> json = ran.json();
        assertEquals("free", at(json, "wire", "releaseCheck", "result"));
        assertEquals(3L, at(json, "wire", "releaseCheck", "probes"));
        assertEquals(List.of(), at(json, "wire", "releaseCheck", "holders"));
        assertEquals(List.of(), claimantMacs(json));
        assertEquals(List.of(), at(json, "warnings"));
        assertTrue(ran.stderr.isEmpty(), ran.stderr);
        assertTrue(holdsExactVip(LAB.lab().hostB()), addresses(LAB.lab().hostB()));
        assertFalse(holdsVip(LAB.lab().hostA()), addresses(LAB.lab().hostA()));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 4. Another host claims the VIP inside the defend window.

    @Test
    void aClaimInsideTheDefendWindowIsAnsweredAndMovesTheClientBack() throws Exception {
        assertOk(up(LAB.lab().hostB()));
        assertTrue(clientReachesVip(), "the client reaches the VIP at host-b");
        assertTrue(clientNeighbourEntry().contains(macB), clientNeighbourEntry());

        try (Capture onClient = Capture.start(LAB.lab().client(), "arp")) {
            // 10 s, not less: host-a's whole launcher run (a JVM start) must fall inside the window on a loaded machine.
            Background b = launch(LAB.lab().hostB(), "up", "--interface", NamespaceLab.INTERFACE, "--vip", VIP,
                    "--garp-count", "1", "--defend-ms", "10000", "--json");
            // host-b's announcement, then its verification probe: the defend window opens one probe wait (30 ms) after
            // that probe, far sooner than host-a's launcher can send anything.
            int announced = onClient.await(0, line -> line.fromMac.equals(macB) && line.isReply() && VIP_ADDRESS.equals(line.senderIp),
                    "host-b's announcement");
            onClient.await(announced + 1, line -> line.fromMac.equals(macB) && line.isProbe(), "host-b's verification probe");

            // host-a claims the VIP without probing. One frame only (--garp-mode request): with 'both' its reply, sent
            // right after its request, could in principle reach the client after host-b's defence (which answers the
            // first frame, and at most once per 10 s), and the client's entry would then end at host-a.
            Ran claim = vipctl(LAB.lab().hostA(), "up", "--vip", VIP, "--probe-wait-ms", "0", "--garp-count", "1", "--garp-mode", "request");
            assertOk(claim);
            Ran ran = b.await();

            assertEquals(11, ran.exitCode, ran.describe());
            assertTrue(ran.stderr.contains("split brain") && ran.stderr.contains(macA), ran.stderr);
            Map<String, Object> json = ran.json();
            assertEquals(List.of(macA), claimantMacs(json));
            assertEquals("request who-has " + VIP_ADDRESS + " tell " + VIP_ADDRESS + " at " + macA,
                    at(json, "wire", "claimedByOthers", 0, "firstFrame"));
            assertTrue(number(json, "wire", "claimedByOthers", 0, "afterTakeoverMicros") > 0, ran.stdout);
            assertEquals("free", at(json, "wire", "releaseCheck", "result"));
            assertEquals(10000L, at(json, "wire", "defendMs"));
            assertTrue(number(json, "wire", "defences") >= 1, ran.stdout);

            // On the client's wire: host-a's claim, then host-b's defence (a fresh announcement from the VIP).
            int claimed = onClient.await(0, line -> line.fromMac.equals(macA) && VIP_ADDRESS.equals(line.senderIp), "host-a's claim");
            int defended = onClient.await(claimed + 1, line -> line.fromMac.equals(macB) && line.isGratuitous(VIP_ADDRESS),
                    "host-b's defence after host-a's claim");
            onClient.await(defended + 1, line -> line.fromMac.equals(macB) && line.isReply() && VIP_ADDRESS.equals(line.senderIp),
                    "the defence's second frame");
            List<ArpLine> fromVip = onClient.frames(line -> VIP_ADDRESS.equals(line.senderIp));
            assertEquals(macB, fromVip.get(fromVip.size() - 1).fromMac, "host-b spoke last for the VIP: " + onClient.lines());

            String entry = clientNeighbourEntry();
            assertTrue(entry.contains("lladdr " + macB), "the defence moved the client back to host-b: " + entry + "\n" + onClient.lines());
            assertTrue(holdsExactVip(LAB.lab().hostB()), "host-b keeps the VIP: " + addresses(LAB.lab().hostB()));
            assertTrue(holdsExactVip(LAB.lab().hostA()), "host-a added it too: " + addresses(LAB.lab().hostA()));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 5. vipctl probe.

    @Test
    void probeSaysWhoAnswersForTheVip() {
        Ran nobody = probe(LAB.lab().client());
        assertEquals(8, nobody.exitCode, nobody.describe());
        assertTrue(nobody.stdout.contains("nobody answers for " + VIP_ADDRESS), nobody.stdout);

        LAB.lab().hostA().run("ip", "addr", "add", VIP, "dev", NamespaceLab.INTERFACE, "label", "eth0:1");
        Ran held = probe(LAB.lab().client());
        assertEquals(0, held.exitCode, held.describe());
        assertTrue(held.stdout.contains(macA + " (answered in "), held.stdout);
        assertFalse(held.stdout.contains(macB), held.stdout);

        Ran json = probe(LAB.lab().client(), "--json");
        assertEquals(0, json.exitCode, json.describe());
        List<?> answers = (List<?>) at(json.json(), "answers");
        assertEquals(1, answers.size(), json.stdout);
        assertEquals(macA, at(json.json(), "answers", 0, "mac"));
        assertTrue(number(json.json(), "answers", 0, "replyMicros") >= 0, json.stdout);
        assertFalse(holdsVip(LAB.lab().client()), "probe changed nothing on the client: " + addresses(LAB.lab().client()));
        assertTrue(holdsExactVip(LAB.lab().hostA()), addresses(LAB.lab().hostA()));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 6. --verify-peer.

    @Test
    void verifyPeerAsksThroughTheVipAndASilentPeerLeavesTheVipUp() {
        Ran answered = up(LAB.lab().hostB(), "--verify-peer", LAB.lab().client().address().toString(), "--json");
        assertEquals(0, answered.exitCode, answered.describe());
        Map<String, Object> json = answered.json();
        assertEquals(LAB.lab().client().address().toString(), at(json, "wire", "peer", "address"));
        assertEquals(true, at(json, "wire", "peer", "answered"));
        assertEquals(macClient, at(json, "wire", "peer", "mac"));
        assertTrue(number(json, "wire", "peer", "replyMicros") >= 0, answered.stdout);
        assertTrue(((String) at(json, "message")).contains("peer " + LAB.lab().client().address() + " (" + macClient + ") answered in"),
                answered.stdout);
        assertTrue(holdsExactVip(LAB.lab().hostB()), addresses(LAB.lab().hostB()));

        // Afresh, so that the silent peer is seen after a real add.
        Shell.run(LAB.lab().hostB().command("ip", "addr", "del", VIP, "dev", NamespaceLab.INTERFACE));
        Ran silent = up(LAB.lab().hostB(), "--verify-peer", "198.51.100.99", "--json");
        assertEquals(13, silent.exitCode, silent.describe());
        json = silent.json();
        assertEquals("PEER_SILENT", at(json, "exitName"));
        assertEquals(true, at(json, "changed"));
        assertEquals(false, at(json, "wire", "peer", "answered"));
        assertFalse(((Map<?, ?>) at(json, "wire", "peer")).containsKey("mac"), silent.stdout);
        assertTrue(silent.stderr.contains("198.51.100.99 did not answer"), silent.stderr);
        assertTrue(holdsExactVip(LAB.lab().hostB()), "the VIP stays up: " + addresses(LAB.lab().hostB()));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Running the launcher.

    /** A finished launcher run. */
    private static final class Ran {
        final int exitCode;
        final String stdout;
        final String stderr;

        Ran(int exitCode, String stdout, String stderr) {
            this.exitCode = exitCode;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        String describe() {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }

        /** The one JSON object on stdout. */
        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            String text = stdout.trim();
            assertEquals(1, text.split("\n").length, "one JSON line: " + describe());
            Object value = JsonReader.parse(text);
            assertTrue(value instanceof Map, text);
            return (Map<String, Object>) value;
        }
    }

    private static Ran vipctl(NamespaceLab.Host host, String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--interface", NamespaceLab.INTERFACE));
        args.addAll(Arrays.asList(more));
        Shell.Result result = Launcher.run(host, args.toArray(new String[0]));
        return new Ran(result.exitCode, result.stdout, result.stderr);
    }

    private static String[] upArgs(String... more) {
        List<String> args = new ArrayList<>(List.of("up", "--interface", NamespaceLab.INTERFACE, "--vip", VIP));
        args.addAll(Arrays.asList(FAST_GARP));
        args.addAll(Arrays.asList(more));
        return args.toArray(new String[0]);
    }

    private static Ran up(NamespaceLab.Host host, String... more) {
        String[] args = upArgs(more);
        return vipctl(host, args[0], Arrays.copyOfRange(args, 3, args.length));
    }

    private static Ran probe(NamespaceLab.Host host, String... more) {
        List<String> args = new ArrayList<>(List.of("--vip", VIP_ADDRESS));
        args.addAll(Arrays.asList(more));
        return vipctl(host, "probe", args.toArray(new String[0]));
    }

    private static void assertOk(Ran ran) {
        assertEquals(0, ran.exitCode, ran.describe());
    }

    /** A launcher run in the background, its output in files. */
    private final class Background {
        private final Process process;
        private final Path out;
        private final Path err;

        Background(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        /** Waits (bounded) for the run to end. */
        Ran await() throws InterruptedException, IOException {
            if (!process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("the background vipctl did not end within " + WAIT_SECONDS + " s; stdout so far: " + Files.readString(out)
                        + "\nstderr: " + Files.readString(err));
            }
            return new Ran(process.exitValue(), Files.readString(out), Files.readString(err));
        }
    }

    private Background launch(NamespaceLab.Host host, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Launcher.PATH.toString()));
        command.addAll(Arrays.asList(args));
        Path out = Files.createTempFile(dir, "vipctl", ".out");
        Path err = Files.createTempFile(dir, "vipctl", ".err");
        Process process = new ProcessBuilder(host.command(command.toArray(new String[0])))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        LAB.killAfterTest(process);
        return new Background(process, out, err);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The real state.

    private static String addresses(NamespaceLab.Host host) {
        return host.run("ip", "-4", "-o", "addr", "show", "dev", NamespaceLab.INTERFACE);
    }

    private static List<String> vipLines(NamespaceLab.Host host) {
        List<String> lines = new ArrayList<>();
        for (String line : addresses(host).split("\n")) {
            if (line.contains("inet " + VIP_ADDRESS + "/")) {
                lines.add(line);
            }
        }
        return lines;
    }

    private static boolean holdsVip(NamespaceLab.Host host) {
        return !vipLines(host).isEmpty();
    }

    /** Exactly one copy of the VIP, as 198.51.100.100/24 with label eth0:1 ('ip -o' ends the label with a backslash). */
    private static boolean holdsExactVip(NamespaceLab.Host host) {
        List<String> lines = vipLines(host);
        return lines.size() == 1 && lines.get(0).contains(EXACT_VIP) && lines.get(0).matches(".* eth0:1\\\\.*");
    }

    private static String clientNeighbourEntry() {
        return LAB.lab().client().run("ip", "neigh", "show", VIP_ADDRESS, "dev", NamespaceLab.INTERFACE).trim();
    }

    private static boolean clientReachesVip() {
        return Shell.run(LAB.lab().client().command("ping", "-c", "1", "-W", "1", VIP_ADDRESS)).exitCode == 0;
    }

    /**
     * An nftables rule in a host's namespace that drops the first ARP reply its kernel sends for the VIP and lets the
     * later ones pass: one lost frame, made by the real kernel. Removed on close.
     */
    private static final class FirstReplyLost implements AutoCloseable {
        private static final String TABLE = "vipctl_first_reply_lost";
        /** The replies' running count starts at 0 ('numgen inc'), so only the first reply matches (in a million). */
        private static final String RULESET = "table arp " + TABLE + " {\n"
                + "  chain out {\n"
                + "    type filter hook output priority 0; policy accept;\n"
                + "    arp operation reply arp saddr ip " + VIP_ADDRESS + " numgen inc mod 1000000 0 counter drop\n"
                + "  }\n"
                + "}\n";
        private static final Pattern DROPPED = Pattern.compile("counter packets (\\d+) bytes \\d+ drop");

        private final NamespaceLab.Host host;

        private FirstReplyLost(NamespaceLab.Host host) {
            this.host = host;
        }

        static FirstReplyLost on(NamespaceLab.Host host, Path dir) throws IOException {
            Tools.require("nft", "nftables");
            Path ruleset = Files.writeString(Files.createTempFile(dir, "first-reply-lost", ".nft"), RULESET);
            host.run("nft", "-f", ruleset.toString());
            return new FirstReplyLost(host);
        }

        /** Replies dropped so far. */
        int dropped() {
            String table = host.run("nft", "list", "table", "arp", TABLE);
            Matcher counter = DROPPED.matcher(table);
            assertTrue(counter.find(), table);
            return Integer.parseInt(counter.group(1));
        }

        @Override
        public void close() {
            host.run("nft", "delete", "table", "arp", TABLE);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The wire, through tcpdump.

    /** One ARP frame as 'tcpdump -n -e' prints it. */
    private static final class ArpLine {
        private static final Pattern REQUEST = Pattern.compile(
                "^\\S+ (\\S+) > (\\S+), ethertype ARP .*: Request who-has (\\S+)(?: \\(\\S+\\))? tell (\\S+), .*");
        private static final Pattern REPLY = Pattern.compile("^\\S+ (\\S+) > (\\S+), ethertype ARP .*: Reply (\\S+) is-at (\\S+), .*");

        final String raw;
        final String fromMac;
        final String opcode;
        final String senderIp;
        final String targetIp;

        private ArpLine(String raw, String fromMac, String opcode, String senderIp, String targetIp) {
            this.raw = raw;
            this.fromMac = fromMac;
            this.opcode = opcode;
            this.senderIp = senderIp;
            this.targetIp = targetIp;
        }

        static ArpLine parse(String line) {
            Matcher request = REQUEST.matcher(line);
            if (request.matches()) {
                return new ArpLine(line, request.group(1), "request", request.group(4), request.group(3));
            }
            Matcher reply = REPLY.matcher(line);
            if (reply.matches()) {
                return new ArpLine(line, reply.group(1), "reply", reply.group(3), null);
            }
            return new ArpLine(line, "", "other", null, null);
        }

        /** An RFC 5227 probe for the VIP: a request from 0.0.0.0. */
        boolean isProbe() {
            return "request".equals(opcode) && "0.0.0.0".equals(senderIp) && VIP_ADDRESS.equals(targetIp);
        }

        boolean isReply() {
            return "reply".equals(opcode);
        }

        /** A gratuitous request for {@code address} (sender and target both the address). */
        boolean isGratuitous(String address) {
            return "request".equals(opcode) && address.equals(senderIp) && address.equals(targetIp);
        }

        @Override
        public String toString() {
            return raw;
        }
    }

    /** tcpdump in a lab host's namespace, every line it prints kept in order. */
    private static final class Capture implements AutoCloseable {
        private final Process process;
        private final List<String> lines = new ArrayList<>();
        private final StringBuffer errors = new StringBuffer();
        private final CountDownLatch listening = new CountDownLatch(1);

        private Capture(Process process) {
            this.process = process;
        }

        /** Starts the capture and returns once tcpdump says it is listening (its filter is then in place). */
        static Capture start(NamespaceLab.Host host, String filter) throws InterruptedException {
            Tools.require("tcpdump", "tcpdump");
            Process process;
            try {
                process = new ProcessBuilder(host.command("tcpdump", "-l", "--immediate-mode", "-n", "-e", "-i", NamespaceLab.INTERFACE, filter))
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start tcpdump: " + e.getMessage(), e);
            }
            Capture capture = new Capture(process);
            capture.read(process.getInputStream(), capture::addLine);
            capture.read(process.getErrorStream(), line -> {
                capture.errors.append(line).append('\n');
                if (line.startsWith("listening on")) {
                    capture.listening.countDown();
                }
            });
            if (!capture.listening.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                capture.close();
                fail("tcpdump in " + host + " did not start listening: " + capture.errors);
            }
            return capture;
        }

        private void read(java.io.InputStream stream, java.util.function.Consumer<String> sink) {
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        sink.accept(line);
                    }
                } catch (IOException ended) {
                    // tcpdump was stopped.
                }
            }, "tcpdump-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private synchronized void addLine(String line) {
            lines.add(line);
            notifyAll();
        }

        /** Waits (bounded) for a frame at index {@code from} or later that {@code wanted} accepts; returns its index. */
        synchronized int await(int from, Predicate<ArpLine> wanted, String what) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            int next = from;
            while (true) {
                for (; next < lines.size(); next++) {
                    if (wanted.test(ArpLine.parse(lines.get(next)))) {
                        return next;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive()) {
                    fail("not seen on the wire within " + WAIT_SECONDS + " s: " + what + "; captured:\n" + String.join("\n", lines)
                            + "\ntcpdump: " + errors);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }

        synchronized List<ArpLine> frames(Predicate<ArpLine> wanted) {
            List<ArpLine> frames = new ArrayList<>();
            for (String line : lines) {
                ArpLine frame = ArpLine.parse(line);
                if (wanted.test(frame)) {
                    frames.add(frame);
                }
            }
            return frames;
        }

        synchronized String lines() {
            return String.join("\n", lines);
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The launcher's JSON.

    /** The value at {@code path} (keys for objects, indexes for arrays); fails the test if it is not there. */
    private static Object at(Object json, Object... path) {
        Object value = json;
        for (Object step : path) {
            if (step instanceof Integer && value instanceof List && (Integer) step < ((List<?>) value).size()) {
                value = ((List<?>) value).get((Integer) step);
            } else if (step instanceof String && value instanceof Map && ((Map<?, ?>) value).containsKey(step)) {
                value = ((Map<?, ?>) value).get(step);
            } else {
                return fail("no " + Arrays.toString(path) + " in " + JsonReader.describe(json));
            }
        }
        return value;
    }

    private static long number(Object json, Object... path) {
        Object value = at(json, path);
        assertTrue(value instanceof Long, Arrays.toString(path) + " is a whole number: " + value);
        return (Long) value;
    }

    /** The MACs of wire.claimedByOthers, in order. */
    private static List<String> claimantMacs(Map<String, Object> json) {
        List<String> macs = new ArrayList<>();
        for (Object claim : (List<?>) at(json, "wire", "claimedByOthers")) {
            macs.add((String) at(claim, "mac"));
        }
        return macs;
    }
}
