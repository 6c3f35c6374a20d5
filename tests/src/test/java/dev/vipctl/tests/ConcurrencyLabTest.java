package dev.vipctl.tests;

import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.lab.Shell;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Many real vipctl processes on one VIP of one host at once, and vipctl processes killed with SIGKILL at every point
 * of their life: the per-VIP lock must serialise them (the log's order is the order of the changes), a timed-out
 * waiter must change nothing, and a killed vipctl must leave neither a half-done address nor a stale lock.
 */
class ConcurrencyLabTest {
    private static final String VIP = NamespaceLab.VIP_WITH_PREFIX;
    private static final String LABEL = NamespaceLab.INTERFACE + ":1";
    /** 128 + SIGKILL: how {@link Process#exitValue()} reports a process that SIGKILL ended. */
    private static final int KILLED_BY_SIGKILL = 128 + 9;
    private static final int KILLED_BY_SIGTERM = 128 + 15;
    /** Only against a hang: never reached by a working vipctl, and not a statement about its speed. */
    private static final long HANG_GUARD_MINUTES = 5;
    private static final Pattern LOG_LINE = Pattern.compile("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} vipctl\\[(\\d+)\\] (.*)");

    @RegisterExtension
    static final LabExtension LAB = new LabExtension();


    /** Each test starts with the VIP on neither host. */
    @BeforeEach
    void resetLab() {
        LAB.removeVip();
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void twentyConcurrentUpsAndDownsTakeTurnsAndTheLastLoggedOneWins(@TempDir Path dir) throws Exception {
        long seed = Long.getLong("vipctl.concurrency.seed", System.nanoTime());
        String why = "seed " + seed + " (rerun with -Dvipctl.concurrency.seed=" + seed + ")";
        System.out.println("ConcurrencyLabTest concurrent mix: " + why);
        Random random = new Random(seed);
        Path log = dir.resolve("Takeover.log");
        int count = 20;

        List<String> commands = new ArrayList<>();
        List<ProcessBuilder> builders = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean up = random.nextBoolean();
            commands.add(up ? "up" : "down");
            List<String> args = new ArrayList<>(List.of(up ? "up" : "down", "--interface", NamespaceLab.INTERFACE, "--vip", VIP));
            if (up) {
                args.addAll(List.of("--garp-count", "1", "--probe-wait-ms", "0"));
            }
            args.addAll(List.of("--log-file", log.toString(), "--lock-timeout-ms", "120000", "--quiet"));
            builders.add(builder(LAB.lab().hostB(), dir.resolve("run-" + i), args));
        }

        // All threads are ready before any starts its process: the starts are as close together as the machine allows.
        Process[] processes = new Process[count];
        CyclicBarrier ready = new CyclicBarrier(count);
        List<Throwable> startFailures = new CopyOnWriteArrayList<>();
        List<Thread> starters = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int index = i;
            Thread starter = new Thread(() -> {
                try {
                    ready.await();
                    processes[index] = builders.get(index).start();
                    LAB.killAfterTest(processes[index]);
                } catch (Exception e) {
                    startFailures.add(e);
                }
            }, "start-vipctl-" + i);
            starters.add(starter);
            starter.start();
        }
        for (Thread starter : starters) {
            starter.join();
        }
        assertTrue(startFailures.isEmpty(), "every process started: " + startFailures + "; " + why);

        Map<Long, String> commandOfPid = new HashMap<>();
        for (int i = 0; i < count; i++) {
            Process process = processes[i];
            assertTrue(process.waitFor(HANG_GUARD_MINUTES, TimeUnit.MINUTES), "run " + i + " hangs; " + why);
            assertEquals(0, process.exitValue(), "run " + i + " (" + commands.get(i) + ", pid " + process.pid() + ") exits 0; " + why
                    + "\n" + output(dir.resolve("run-" + i)));
            commandOfPid.put(process.pid(), commands.get(i));
        }

        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String logText = why + "\nlog:\n" + String.join("\n", lines);

        // The log, cut into blocks of consecutive lines of one pid: one block per run, or a run's lines interleave.
        List<Long> blockPids = new ArrayList<>();
        List<List<String>> blocks = new ArrayList<>();
        for (String line : lines) {
            Matcher matcher = LOG_LINE.matcher(line);
            assertTrue(matcher.matches(), "a timestamped vipctl[pid] line: " + line + "\n" + logText);
            long pid = Long.parseLong(matcher.group(1));
            if (blockPids.isEmpty() || blockPids.get(blockPids.size() - 1) != pid) {
                assertFalse(blockPids.contains(pid), "the lines of pid " + pid + " are not contiguous\n" + logText);
                blockPids.add(pid);
                blocks.add(new ArrayList<>());
            }
            blocks.get(blocks.size() - 1).add(line);
        }
        assertEquals(commandOfPid.keySet(), new HashSet<>(blockPids), "one block of lines for each run, from its pid\n" + logText);

        // Replaying the blocks in log order must give each run the outcome it reported: the log is the order of the changes.
        boolean vipUp = false;
        int waited = 0;
        for (int b = 0; b < blocks.size(); b++) {
            List<String> block = blocks.get(b);
            if (b > 0) {
                // The start line is noted once the lock is held: the log's times follow its order.
                List<String> previous = blocks.get(b - 1);
                assertTrue(stamp(block.get(0)).compareTo(stamp(previous.get(previous.size() - 1))) >= 0, "times in log order: " + logText);
            }
            String command = commandOfPid.get(blockPids.get(b));
            String invocation = command + " " + NamespaceLab.INTERFACE + " " + VIP + (command.equals("up") ? " label " + LABEL : "");
            String where = "block " + b + " (pid " + blockPids.get(b) + ", " + command + ")\n" + logText;
            String start = text(block.get(0));
            assertTrue(start.equals(invocation + ": start") || start.startsWith(invocation + ": start (waited "), where);
            if (start.contains("(waited ")) {
                waited++; // it waited for the lock another run held
            }
            String last = text(block.get(block.size() - 1));
            assertTrue(last.startsWith(invocation + ": OK (exit 0): "), "ends with its OK line: " + where);
            String expected = command.equals("up")
                    ? (vipUp ? "(no change; " : "(added; ")
                    : (vipUp ? "(removed)" : "(was not configured)");
            assertTrue(last.contains(expected), "after the runs logged before it, expected '" + expected + "': " + where);
            vipUp = command.equals("up");
        }

        System.out.println("ConcurrencyLabTest concurrent mix: " + count + " runs, " + Collections.frequency(commands, "up") + " up, "
                + waited + " of them waited for the lock; " + why);
        assertTrue(waited > 0, "the runs overlapped (else nothing was concurrent): " + logText);

        String lastCommand = commandOfPid.get(blockPids.get(blockPids.size() - 1));
        assertEquals(vipUp, lastCommand.equals("up"));
        assertDesiredState(LAB.lab().hostB(), lastCommand, "final state after the last logged run (" + lastCommand + "); " + logText);
        assertTrue(vipLines(LAB.lab().hostA()).isEmpty(), "host-a was never touched: " + addresses(LAB.lab().hostA()));
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    void aWaiterGivesUpAfterTheLockTimeoutAndChangesNothing(@TempDir Path dir) throws Exception {
        NamespaceLab.Host host = LAB.lab().hostB();
        // Defends long enough to outlive the waiter on a loaded machine; it is killed below anyway.
        Process holder = start(host, dir.resolve("holder"), List.of("up", "--interface", NamespaceLab.INTERFACE, "--vip", VIP,
                "--garp-count", "1", "--defend-ms", "60000"));
        // The VIP appears under the lock: from then on the holder holds it until it exits.
        while (vipLines(host).isEmpty()) {
            assertTrue(holder.isAlive(), "the holder is still running: " + output(dir.resolve("holder")));
            Thread.sleep(20);
        }
        assertDesiredState(host, "up", "the holder added the VIP");

        Shell.Result waiter = Launcher.run(host, "down", "--interface", NamespaceLab.INTERFACE, "--vip", VIP, "--lock-timeout-ms", "300");
        assertTrue(holder.isAlive(), "the holder still held the lock during the whole wait (else the test proves nothing): "
                + output(dir.resolve("holder")));

        assertEquals(12, waiter.exitCode, Launcher.describe(waiter));
        String lockFile = LabExtension.lockFile(host, NamespaceLab.VIP).toString();
        assertTrue(waiter.stderr.contains(lockFile), "names the lock " + lockFile + ": " + waiter.stderr);
        assertTrue(waiter.stderr.contains("--lock-timeout-ms"), "names the option: " + waiter.stderr);
        assertTrue(waiter.stderr.contains("300 ms"), "names the timeout: " + waiter.stderr);
        assertDesiredState(host, "up", "the timed-out 'down' changed nothing");

        holder.destroyForcibly();
        assertTrue(holder.waitFor(HANG_GUARD_MINUTES, TimeUnit.MINUTES));
        assertEquals(KILLED_BY_SIGKILL, holder.exitValue(), "destroyForcibly sent SIGKILL");

        Shell.Result down = Launcher.run(host, "down", "--interface", NamespaceLab.INTERFACE, "--vip", VIP, "--lock-timeout-ms", "0");
        assertEquals(0, down.exitCode, "no stale lock after kill -9: " + Launcher.describe(down));
        assertDesiredState(host, "down", "the 'down' after the kill");
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** SIGTERM, as a Management Layer stops a helper that overruns: the log still tells what the run had done. */
    @Test
    void aRunStoppedBySigtermStillLogsWhatItChanged(@TempDir Path dir) throws Exception {
        NamespaceLab.Host host = LAB.lab().hostB();
        Path log = dir.resolve("takeover.log");
        Process up = start(host, dir.resolve("up"), List.of("up", "--interface", NamespaceLab.INTERFACE, "--vip", VIP,
                "--garp-count", "1", "--defend-ms", "60000", "--log-file", log.toString()));
        while (vipLines(host).isEmpty()) {
            assertTrue(up.isAlive(), "still running: " + output(dir.resolve("up")));
            Thread.sleep(20);
        }

        up.destroy();
        assertTrue(up.waitFor(HANG_GUARD_MINUTES, TimeUnit.MINUTES));
        assertEquals(KILLED_BY_SIGTERM, up.exitValue(), "Process.destroy sent SIGTERM");

        List<String> lines = Files.readAllLines(log);
        String where = String.join("\n", lines);
        assertEquals(2, lines.size(), where);
        assertEquals("up " + NamespaceLab.INTERFACE + " " + VIP + " label " + LABEL + ": start", text(lines.get(0)), where);
        assertEquals("up " + NamespaceLab.INTERFACE + " " + VIP + " label " + LABEL
                + ": stopped by a signal before it finished; changes made: added", text(lines.get(1)), where);
        assertDesiredState(host, "up", "the VIP it had added stays, whole");
    }

    @Test
    void killedAtAnyPointAVipctlLeavesAWholeStateAndNoStaleLock(@TempDir Path dir) throws Exception {
        NamespaceLab.Host host = LAB.lab().hostB();
        int perCommand = 20;
        Map<String, List<String>> argsOf = new LinkedHashMap<>();
        // Default-ish announcement: the process lives on for a while after the address changed.
        argsOf.put("up", List.of("up", "--interface", NamespaceLab.INTERFACE, "--vip", VIP, "--garp-count", "3", "--garp-interval-ms", "300"));
        argsOf.put("down", List.of("down", "--interface", NamespaceLab.INTERFACE, "--vip", VIP));

        // The kills sweep 0..125 % of a whole run's life, measured on this machine now (and re-measured after every
        // kill), so that they land in the launcher, the JVM start, before and after the change, and after the exit.
        Map<String, Double> lifeMillis = new HashMap<>();
        for (String command : argsOf.keySet()) {
            lifeMillis.put(command, (double) runToCompletion(host, dir.resolve("calibrate-" + command), argsOf.get(command), command));
        }
        assertDesiredState(host, "down", "calibration ends with down");

        Map<String, int[]> counts = new LinkedHashMap<>(); // before the change, after it (still running), after the exit
        counts.put("up", new int[3]);
        counts.put("down", new int[3]);
        List<String> trace = new ArrayList<>();
        for (int i = 0; i < 2 * perCommand; i++) {
            String command = i % 2 == 0 ? "up" : "down";
            String before = command.equals("up") ? "down" : "up";
            int step = i / 2;
            long delay = Math.round(step * 1.25 * lifeMillis.get(command) / (perCommand - 1));
            Path files = dir.resolve("kill-" + i);
            String where = "iteration " + i + " (" + command + ", killed after " + delay + " ms)";

            Process process = start(host, files, argsOf.get(command));
            if (delay > 0) {
                Thread.sleep(delay);
            }
            process.destroyForcibly();
            assertTrue(process.waitFor(HANG_GUARD_MINUTES, TimeUnit.MINUTES), where + " hangs after SIGKILL");
            int exit = process.exitValue();

            String addresses = addresses(host);
            String state = wholeState(host, addresses);
            assertNotNull(state, where + ": half-done state on host-b:\n" + addresses);
            int landed;
            if (exit == KILLED_BY_SIGKILL) {
                landed = state.equals(before) ? 0 : 1;
            } else {
                assertEquals(0, exit, where + ": exited on its own before the kill, so with 0: " + output(files));
                assertEquals(command, state, where + ": exited 0, so the VIP is " + command);
                landed = 2;
            }
            counts.get(command)[landed]++;
            trace.add(command + "@" + delay + "ms:" + new String[] {"before", "after", "exited"}[landed]);

            long life = runToCompletion(host, files.resolveSibling("complete-" + i), argsOf.get(command), where
                    + " then run again with --lock-timeout-ms 0 (a stale lock would make it exit 12)");
            lifeMillis.put(command, (lifeMillis.get(command) + life) / 2);
        }

        int killedBefore = counts.get("up")[0] + counts.get("down")[0];
        int killedAfter = counts.get("up")[1] + counts.get("down")[1];
        int afterExit = counts.get("up")[2] + counts.get("down")[2];
        String summary = String.format("ConcurrencyLabTest kill -9 sweep: %d kills: %d before the change (up %d, down %d), %d after the change"
                        + " while still running (up %d, down %d), %d after the exit (up %d, down %d); runs measured at up %.0f ms, down %.0f ms",
                2 * perCommand, killedBefore, counts.get("up")[0], counts.get("down")[0], killedAfter, counts.get("up")[1], counts.get("down")[1],
                afterExit, counts.get("up")[2], counts.get("down")[2], lifeMillis.get("up"), lifeMillis.get("down"));
        System.out.println(summary);
        System.out.println("ConcurrencyLabTest kill -9 trace: " + String.join(" ", trace));
        assertTrue(killedBefore > 0, "some kills landed before the address changed: " + summary);
        assertTrue(killedAfter > 0, "some kills landed after the address changed, while vipctl still ran: " + summary);
    }

    /**
     * Runs the command to its end with {@code --lock-timeout-ms 0}, which fails at once on a lock still held; checks it
     * exits 0 and leaves the desired state, and returns how long the process lived, in ms.
     */
    private long runToCompletion(NamespaceLab.Host host, Path files, List<String> args, String where) throws Exception {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--lock-timeout-ms", "0"));
        long start = System.nanoTime();
        Process process = start(host, files, all);
        assertTrue(process.waitFor(HANG_GUARD_MINUTES, TimeUnit.MINUTES), where + ": hangs");
        long lived = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(0, process.exitValue(), where + ": " + output(files));
        assertDesiredState(host, args.get(0), where);
        return lived;
    }

    // ---------------------------------------------------------------------------------------------------------------

    private ProcessBuilder builder(NamespaceLab.Host host, Path files, List<String> args) {
        List<String> command = new ArrayList<>(List.of(Launcher.PATH.toString()));
        command.addAll(args);
        return new ProcessBuilder(host.command(command.toArray(new String[0])))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(files.resolveSibling(files.getFileName() + ".out").toFile())
                .redirectError(files.resolveSibling(files.getFileName() + ".err").toFile());
    }

    /** Starts vipctl in the host's namespace; {@code ip netns exec} and the launcher exec, so this is the JVM's process. */
    private Process start(NamespaceLab.Host host, Path files, List<String> args) {
        try {
            Process process = builder(host, files, args).start();
            LAB.killAfterTest(process);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String output(Path files) {
        try {
            return "stdout: " + Files.readString(files.resolveSibling(files.getFileName() + ".out"))
                    + "\nstderr: " + Files.readString(files.resolveSibling(files.getFileName() + ".err"));
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** The text of a log line, after its time stamp and "vipctl[pid] ". */
    private static String text(String logLine) {
        Matcher matcher = LOG_LINE.matcher(logLine);
        assertTrue(matcher.matches(), logLine);
        return matcher.group(2);
    }

    /** The time stamp of a log line, "2026-11-22 07:01:02.345": its text order is its time order. */
    private static String stamp(String logLine) {
        return logLine.substring(0, "2026-11-22 07:01:02.345".length());
    }

    private static String addresses(NamespaceLab.Host host) {
        return host.run("ip", "-4", "-o", "addr", "show", "dev", NamespaceLab.INTERFACE);
    }

    private static List<String> vipLines(NamespaceLab.Host host) {
        return vipLines(addresses(host));
    }

    private static List<String> vipLines(String addresses) {
        List<String> found = new ArrayList<>();
        for (String line : addresses.split("\n")) {
            if (line.contains(" inet " + NamespaceLab.VIP + "/")) {
                found.add(line);
            }
        }
        return found;
    }

    /** Exactly one {@code 198.51.100.100/24} labelled {@code eth0:1}. */
    private static boolean isExactlyUp(List<String> vipLines) {
        if (vipLines.size() != 1) {
            return false;
        }
        List<String> words = new ArrayList<>(List.of(vipLines.get(0).trim().split("\\s+")));
        int inet = words.indexOf("inet");
        return inet >= 0 && words.get(inet + 1).equals(VIP) && (words.contains(LABEL) || words.contains(LABEL + "\\"))
                && words.stream().filter(word -> word.startsWith(NamespaceLab.INTERFACE + ":")).count() == 1;
    }

    /** "up" or "down" when the host is in one of the two whole states, null for anything in between. */
    private static String wholeState(NamespaceLab.Host host, String addresses) {
        assertTrue(addresses.contains(" inet " + host.address() + "/24 "), "the host's own address stays: " + addresses);
        List<String> lines = vipLines(addresses);
        return lines.isEmpty() ? "down" : isExactlyUp(lines) ? "up" : null;
    }

    private static void assertDesiredState(NamespaceLab.Host host, String command, String where) {
        String addresses = addresses(host);
        String state = wholeState(host, addresses);
        if (!command.equals(state)) {
            fail(where + ": expected " + (command.equals("up") ? "exactly one " + VIP + " label " + LABEL : "no " + NamespaceLab.VIP)
                    + " on " + host.role() + ", found:\n" + addresses);
        }
    }
}
