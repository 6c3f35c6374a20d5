package dev.vipctl.agent.cli;

import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import dev.vipctl.lab.NamespaceLab;
import dev.vipctl.linux.Errno;
import dev.vipctl.linux.FileCalls;
import dev.vipctl.linux.PollSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link AgentChannels} with a dispatcher of the test's own, spoken to through {@link AgentClient} as a launcher does
 * (and misbehaving on purpose through {@link AgentClient#claim} and {@link AgentClient.Pair}). Needs root: the agent
 * refuses a directory that is not root's.
 */
class AgentChannelsTest {
    /** How long any condition is waited for; nothing here asserts how long something took. */
    private static final long DEADLINE_MILLIS = 10_000;
    private static final String INTERFACE = "eth0";
    private static final long PID = ProcessHandle.current().pid();
    private static final String THREAD_PREFIX = "vipctl-agent-";

    @TempDir
    Path temp;

    private Path agentDirectory;
    private final Lines log = new Lines();
    private final Recorder dispatcher = new Recorder();
    private final List<AgentChannels> opened = new ArrayList<>();
    private final List<AgentClient.Pair> pairs = new ArrayList<>();
    private final List<Integer> descriptors = new ArrayList<>();
    private final List<CountDownLatch> latches = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    /** The serving threads the test's channels started. */
    private final Set<Thread> agentThreads = new HashSet<>();

    @BeforeEach
    void needsRoot() {
        assumeTrue(NamespaceLab.isRoot(), "skipped: needs root, as the resident agent refuses a directory not owned by root (run as root, as CI does)");
        agentDirectory = temp.resolve("agent");
    }

    @AfterEach
    void closeEverything() throws InterruptedException {
        latches.forEach(CountDownLatch::countDown);
        for (AgentClient.Pair pair : new ArrayList<>(pairs)) {
            closePair(pair);
        }
        descriptors.forEach(FileCalls::close);
        descriptors.clear();
        for (Process process : processes) {
            process.destroyForcibly();
            process.waitFor();
        }
        new ArrayList<>(opened).forEach(this::close);
        // A leader stuck writing an answer gives up after AgentChannels.ANSWER_WRITE_MILLIS (10 s): wait that long, no longer.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (Thread thread : agentThreads) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }

    // --- the dispatcher and the log of the test ---

    /** What a dispatch saw. */
    static final class Seen {
        final AgentProtocol.Request request;
        final long number;
        final int uid;
        /** Whether the channel found the launcher's pid holding the request FIFO as the descriptor the frame names. */
        final boolean launcherHere;

        Seen(AgentProtocol.Request request, long number, int uid, boolean launcherHere) {
            this.request = request;
            this.number = number;
            this.uid = uid;
            this.launcherHere = launcherHere;
        }
    }

    interface Behaviour {
        void answer(AgentChannels.Channel channel, AgentProtocol.Request request) throws Exception;
    }

    /** Records each request, then answers it as the test says: by default "ran ARGUMENTS", exit 0. */
    static final class Recorder implements AgentChannels.Dispatcher {
        final List<Seen> seen = new CopyOnWriteArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        /** Dispatches that returned. */
        final AtomicInteger completed = new AtomicInteger();
        volatile Behaviour behaviour = (channel, request) -> {
            channel.running();
            channel.finish(0, "ran " + String.join(" ", request.arguments), "");
        };

        @Override
        public void dispatch(AgentChannels.Channel channel, AgentProtocol.Request request) {
            seen.add(new Seen(request, channel.number, channel.uid(), channel.launcherHere(request.launcherPid, request.launcherFd)));
            try {
                behaviour.answer(channel, request);
            } catch (Throwable e) {
                failures.add(e);
                channel.release();
            } finally {
                completed.incrementAndGet();
            }
        }

        List<List<String>> arguments() {
            return seen.stream().map(s -> s.request.arguments).collect(Collectors.toList());
        }
    }

    /** Every line the channels log; problems marked as such. */
    static final class Lines implements AgentChannels.Log {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public void line(String text) {
            lines.add(text);
        }

        /** Runs on the thread that logs (the leader), before the line is added. */
        volatile Consumer<String> hook = text -> { };

        @Override
        public void problem(String text) {
            hook.accept(text);
            lines.add("problem: " + text);
        }

        boolean contains(String fragment) {
            return lines.stream().anyMatch(line -> line.contains(fragment));
        }

        long count(String fragment) {
            return lines.stream().filter(line -> line.contains(fragment)).count();
        }

        String await(String fragment) throws Exception {
            waitFor(() -> "a log line with '" + fragment + "' in:\n" + this, () -> contains(fragment));
            return lines.stream().filter(line -> line.contains(fragment)).findFirst().orElseThrow();
        }

        @Override
        public String toString() {
            return String.join("\n", lines);
        }
    }

    // --- helpers ---

    private AgentChannels prepare(GroupPrincipal group) throws IOException {
        AgentChannels channels = AgentChannels.prepare(agentDirectory, INTERFACE, group, log);
        opened.add(channels);
        return channels;
    }

    private AgentChannels started(GroupPrincipal group, int threads) throws IOException {
        AgentChannels channels = prepare(group);
        start(channels, threads);
        return channels;
    }

    private void start(AgentChannels channels, int threads) {
        Set<Thread> before = liveAgentThreads();
        channels.start(dispatcher, threads);
        Set<Thread> after = liveAgentThreads();
        after.removeAll(before);
        agentThreads.addAll(after);
    }

    /** Closes once: close() is not idempotent (see {@link #closingTwiceClosesNoDescriptorOfAnyoneElse}). */
    private void close(AgentChannels channels) {
        if (opened.remove(channels)) {
            channels.close();
        }
    }

    private static Set<Thread> liveAgentThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(THREAD_PREFIX) && t.isAlive())
                .collect(Collectors.toCollection(HashSet::new));
    }

    private static void publish(AgentChannels channels) {
        assertTimeoutPreemptively(Duration.ofMillis(DEADLINE_MILLIS), channels::publish, "publish() returns once the leader moved the directory");
    }

    /** Claims a free pair, waiting (bounded) while used pairs are being replaced. */
    private AgentClient.Pair claim(Path pool) throws Exception {
        AgentClient.Pair[] claimed = new AgentClient.Pair[1];
        waitFor("a free pair in " + pool, () -> (claimed[0] = AgentClient.claim(pool)) != null);
        pairs.add(claimed[0]);
        return claimed[0];
    }

    private void closePair(AgentClient.Pair pair) {
        if (pairs.remove(pair)) {
            pair.close();
        }
    }

    /** {@link AgentClient#handOver}, again while no pair is free (a used one is replaced a moment after its answer). */
    private AgentClient.Answer handOver(Path pool, List<String> arguments) throws Exception {
        AgentClient.Answer[] answer = new AgentClient.Answer[1];
        waitFor("a free pair in " + pool + " for " + arguments,
                () -> (answer[0] = AgentClient.handOver(pool, arguments, DEADLINE_MILLIS)) != null);
        return answer[0];
    }

    /** Hands over until served: a thread is free again a moment after its answer, so one more may be declined busy. */
    private AgentClient.Answer handOverServed(Path pool, List<String> arguments) throws Exception {
        AgentClient.Answer[] answer = new AgentClient.Answer[1];
        waitFor("an accepted answer to " + arguments, () -> {
            answer[0] = AgentClient.handOver(pool, arguments, DEADLINE_MILLIS);
            return answer[0] != null && answer[0].first != AgentProtocol.DECLINED;
        });
        return answer[0];
    }

    private void assertServed(AgentClient.Answer answer, List<String> arguments) {
        assertNotNull(answer);
        assertEquals(AgentProtocol.ACCEPTED, answer.first, "accepted: " + answer + "\nlog:\n" + log);
        assertEquals(0, answer.code, answer.toString());
        assertEquals("ran " + String.join(" ", arguments), answer.stdout);
        assertEquals("", answer.stderr);
    }

    private void assertDeclined(AgentClient.Answer answer, AgentProtocol.Decline why) {
        assertEquals(AgentProtocol.DECLINED, answer.first, "declined " + why.word() + ": " + answer + "\nlog:\n" + log);
        assertEquals(why.word(), answer.declined, answer.toString());
        assertFalse(answer.why.isEmpty(), "a sentence says why");
    }

    private static void waitFor(String what, Callable<Boolean> condition) throws Exception {
        waitFor(() -> what, condition);
    }

    /** Polls for a condition until the deadline; {@code what} is told (as it is then) when it does not come. */
    private static void waitFor(Supplier<String> what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        while (!condition.call()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within " + DEADLINE_MILLIS + " ms: " + what.get());
            }
            Thread.sleep(10);
        }
    }

    /** The numbers N of the pairs' files N-Q-A{@code suffix} in a pool. */
    private static SortedSet<Long> numbers(Path pool, String suffix) {
        SortedSet<Long> numbers = new TreeSet<>();
        for (String name : names(pool)) {
            if (name.matches("[0-9]+-[0-9]+-[0-9]+\\" + suffix)) {
                numbers.add(Long.parseLong(name.substring(0, name.indexOf('-'))));
            }
        }
        return numbers;
    }

    /** Pair {@code n}'s file N-Q-A{@code suffix} in a pool (a name no file has when there is none). */
    private static Path pair(Path pool, long n, String suffix) {
        for (String name : names(pool)) {
            if (name.startsWith(n + "-") && name.matches("[0-9]+-[0-9]+-[0-9]+\\" + suffix)) {
                return pool.resolve(name);
            }
        }
        return pool.resolve(n + "-none" + suffix);
    }

    private static SortedSet<String> names(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        } catch (NoSuchFileException gone) {
            return new TreeSet<>();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** PAIRS_PER_POOL pairs (N.q and N.a) the agent holds open, no claim and nothing else. */
    private static boolean settled(Path pool) {
        SortedSet<Long> queues = numbers(pool, ".q");
        SortedSet<String> expected = new TreeSet<>();
        for (long n : queues) {
            expected.add(pair(pool, n, ".q").getFileName().toString());
            expected.add(pair(pool, n, ".a").getFileName().toString());
        }
        return queues.size() == AgentProtocol.PAIRS_PER_POOL && names(pool).equals(expected) && heldOpen(pool, queues);
    }

    /**
     * Whether this process (the agent's, here) holds the pairs open: a pair's names appear a moment before the agent
     * opens them (see {@link #aPairIsFoundOnlyOnceTheAgentHoldsIt}), and a test that claims one then would meet that.
     */
    private static boolean heldOpen(Path pool, Set<Long> numbers) {
        Set<String> open = openDescriptors().stream().map(fd -> fd.substring(fd.indexOf(" -> ") + 4)).collect(Collectors.toSet());
        for (long n : numbers) {
            if (!open.contains(pair(pool, n, ".q").toString()) || !open.contains(pair(pool, n, ".a").toString())) {
                return false;
            }
        }
        return true;
    }

    private void awaitSettled(Path pool) throws Exception {
        waitFor(() -> pool + " holds " + AgentProtocol.PAIRS_PER_POOL + " pairs and nothing else (it holds " + names(pool) + ")\nlog:\n" + log,
                () -> settled(pool));
    }

    private static long number(AgentClient.Pair pair) {
        String name = pair.base.getFileName().toString();
        return Long.parseLong(name.substring(0, name.indexOf('-')));
    }

    private void awaitReplaced(Path pool, long number) throws Exception {
        waitFor(() -> "pair " + number + " replaced in " + pool + " (it holds " + names(pool) + ")\nlog:\n" + log, () -> {
            SortedSet<Long> queues = numbers(pool, ".q");
            return !queues.contains(number) && queues.size() == AgentProtocol.PAIRS_PER_POOL && queues.last() > number
                    && heldOpen(pool, queues.tailSet(number))
                    && !Files.exists(pair(pool, number, ".a"), LinkOption.NOFOLLOW_LINKS)
                    && !Files.exists(pair(pool, number, ".c"), LinkOption.NOFOLLOW_LINKS);
        });
    }

    private static int mode(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }

    private static int owner(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static String group(Path path) throws IOException {
        return Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).group().getName();
    }

    private static List<String> openDescriptors() {
        List<String> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (!target.equals(Path.of("/proc/" + PID + "/fd"))) { // the listing's own
                        open.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException closedMeanwhile) {
                    // the directory stream's own descriptor, or one closed while listing
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return open;
    }

    private static int threadCount() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    /** Up to {@code count} bytes from a non-blocking descriptor, waiting at most the deadline for each. */
    private static byte[] readExactly(int fd, int count) throws IOException {
        byte[] bytes = new byte[count];
        byte[] chunk = new byte[Math.max(1, count)];
        int got = 0;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        PollSet readable = new PollSet(1);
        readable.add(fd, PollSet.POLLIN);
        while (got < count) {
            long n = FileCalls.read(fd, chunk, new NativeLong(count - got)).longValue();
            if (n > 0) {
                System.arraycopy(chunk, 0, bytes, got, (int) n);
                got += (int) n;
                continue;
            }
            if (n == 0) {
                fail("end-of-file after " + got + " of " + count + " bytes");
            }
            int errno = Native.getLastError();
            if (errno != Errno.EAGAIN && errno != Errno.EINTR) {
                throw new IOException("read: " + Errno.describe(errno));
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail("only " + got + " of " + count + " bytes within " + DEADLINE_MILLIS + " ms");
            }
            readable.poll((int) TimeUnit.NANOSECONDS.toMillis(left + 999_999));
        }
        return bytes;
    }

    /** Whether a non-blocking read finds nothing there now (and the writer still there). */
    private static boolean nothingToRead(int fd) {
        byte[] one = new byte[1];
        long n = FileCalls.read(fd, one, new NativeLong(1)).longValue();
        return n < 0 && Native.getLastError() == Errno.EAGAIN;
    }

    /** What lies unread in the answer FIFOs of a pool's free pairs (read, so taken away), by pair. */
    private static List<String> waitingAnswers(Path pool) {
        List<String> waiting = new ArrayList<>();
        for (long n : numbers(pool, ".a")) {
            int fd = FileCalls.open(pair(pool, n, ".a").toString(), FileCalls.O_RDONLY | FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC, 0);
            if (fd < 0) {
                continue;
            }
            byte[] bytes = new byte[4096];
            long got = FileCalls.read(fd, bytes, new NativeLong(bytes.length)).longValue();
            FileCalls.close(fd);
            if (got > 0) {
                waiting.add(n + ".a: '" + new String(bytes, 0, (int) got, StandardCharsets.UTF_8) + "'");
            }
        }
        return waiting;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    // --- 1. hand-over end to end ---

    @Test
    void handOverEndToEndAndManyRequestsLeaveThePoolDescriptorsAndThreadsAsTheyWere() throws Exception {
        AgentChannels channels = started(null, 5);
        publish(channels);
        Path pool = channels.pool(0);
        awaitSettled(pool);
        String stdout = "out: ünïcödé ✓ 日本語 🚀\nline two\n";
        String stderr = "err: ⚠ Grüße — €\n";
        dispatcher.behaviour = (channel, request) -> {
            channel.running();
            channel.finish(3, stdout, stderr);
        };
        SortedSet<Long> before = numbers(pool, ".q");
        List<String> arguments = List.of("up", "--interface", INTERFACE, "--vip", "198.51.100.7/24", "--label", "é ✓ 日本");

        AgentClient.Answer answer = handOver(pool, arguments);

        assertEquals(AgentProtocol.ACCEPTED, answer.first, answer + "\nlog:\n" + log);
        assertEquals(3, answer.code);
        assertEquals(stdout, answer.stdout);
        assertEquals(stderr, answer.stderr);
        assertEquals(1, dispatcher.seen.size());
        Seen seen = dispatcher.seen.get(0);
        assertEquals(arguments, seen.request.arguments, "the arguments as sent, multi-byte ones too");
        assertEquals(PID, seen.request.launcherPid, "the launcher's pid: this process");
        assertTrue(seen.launcherHere, "the frame's pid and fd name this process's descriptor of the pair's request FIFO");
        assertEquals(0, seen.uid);
        assertTrue(seen.request.launchMicros > 0 && seen.request.sentMicros >= seen.request.launchMicros);
        assertTrue(before.contains(seen.number), "served on one of the pool's pairs");
        awaitReplaced(pool, seen.number);
        assertTrue(numbers(pool, ".q").last() > before.last(), "the new pair has a number never used before");

        // The fd as the frame names it, through a pair claimed by hand.
        dispatcher.behaviour = new Recorder().behaviour;
        AgentClient.Pair pair = claim(pool);
        pair.send(List.of("down", "--interface", INTERFACE));
        assertServed(pair.read(DEADLINE_MILLIS), List.of("down", "--interface", INTERFACE));
        assertEquals(pair.requests, dispatcher.seen.get(1).request.launcherFd, "the launcher's descriptor of N.q");
        assertEquals(number(pair), dispatcher.seen.get(1).number, "served on the pair it claimed");
        closePair(pair);
        awaitSettled(pool);

        int descriptorsBefore = openDescriptors().size();
        int threadsBefore = threadCount();
        List<String> descriptorsListedBefore = openDescriptors();
        long highest = numbers(pool, ".q").last();
        int requests = 200;
        for (int i = 0; i < requests; i++) {
            List<String> request = List.of("up", "--interface", INTERFACE, "--label", "request " + i);
            AgentClient.Answer reply = handOver(pool, request);
            assertTrue(reply.first != 0, "request " + i + ": no answer (end-of-file at once): a pair claimed while the agent was still"
                    + " making it? (see aPairIsFoundOnlyOnceTheAgentHoldsIt)");
            assertServed(reply, request);
        }
        assertEquals(2 + requests, dispatcher.seen.size(), "each accepted answer is one dispatch");
        assertTrue(dispatcher.failures.isEmpty(), dispatcher.failures.toString());
        Set<Long> served = dispatcher.seen.stream().map(s -> s.number).collect(Collectors.toSet());
        assertEquals(dispatcher.seen.size(), served.size(), "no pair served twice");

        awaitSettled(pool);
        assertTrue(numbers(pool, ".q").last() > highest, "used pairs were replaced by newer ones: " + numbers(pool, ".q"));
        waitFor(() -> "the descriptors back to " + descriptorsBefore + " (before: " + descriptorsListedBefore + ", now: " + openDescriptors() + ")",
                () -> openDescriptors().size() <= descriptorsBefore);
        waitFor(() -> "the threads back to " + threadsBefore + " (now " + threadCount() + ")", () -> threadCount() <= threadsBefore);
        assertEquals(5, agentThreads.stream().filter(Thread::isAlive).count(), "the serving threads live on");
    }

    @Test
    void closeReleasesEveryDescriptorAndThreadTheChannelsHeld() throws Exception {
        // A first round loads what the classes need, so that the second shows what the channels themselves keep.
        AgentChannels first = started(null, 3);
        assertServed(handOver(first.pool(0), List.of("up", "first")), List.of("up", "first"));
        close(first);
        waitFor("the first channels' threads end", () -> agentThreads.stream().noneMatch(Thread::isAlive));

        List<String> descriptorsBefore = openDescriptors();
        int threadsBefore = threadCount();
        AgentChannels second = started(null, 3);
        assertServed(handOver(second.pool(0), List.of("up", "second")), List.of("up", "second"));
        awaitSettled(second.pool(0));
        close(second);

        waitFor("the channels' threads end", () -> agentThreads.stream().noneMatch(Thread::isAlive));
        waitFor("the threads back to " + threadsBefore, () -> threadCount() <= threadsBefore);
        assertFalse(Files.exists(second.home()) || Files.exists(agentDirectory.resolve("." + second.home().getFileName())));
        try {
            waitFor("the descriptors back to " + descriptorsBefore.size(), () -> openDescriptors().size() <= descriptorsBefore.size());
        } catch (AssertionError e) {
            List<String> left = new ArrayList<>(openDescriptors());
            left.removeAll(descriptorsBefore);
            fail("close() left " + left.size() + " descriptor(s) open: " + left, e);
        }
    }

    @Test
    void closingTwiceClosesNoDescriptorOfAnyoneElse() throws Exception {
        AgentChannels channels = started(null, 3);
        Path alive = agentDirectory.resolve("." + PID + "-" + INTERFACE).resolve("alive");
        int aliveFd = -1;
        for (String open : openDescriptors()) {
            if (open.endsWith(" -> " + alive)) {
                aliveFd = Integer.parseInt(open.substring(0, open.indexOf(' ')));
            }
        }
        assertTrue(aliveFd >= 0, "the agent holds its alive file open: " + openDescriptors());
        opened.remove(channels);
        channels.close();
        waitFor("the threads end", () -> agentThreads.stream().noneMatch(Thread::isAlive));

        // Someone else's file gets the number the agent's lock had (the lowest free one, so open until it comes).
        List<Integer> others = new ArrayList<>();
        int mine = -1;
        for (int i = 0; i < 1000 && mine != aliveFd; i++) {
            int fd = FileCalls.open("/dev/null", FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
            assertTrue(fd >= 0);
            if (fd == aliveFd) {
                mine = fd;
            } else {
                others.add(fd);
            }
        }
        others.forEach(FileCalls::close);
        assertEquals(aliveFd, mine, "descriptor " + aliveFd + " free again after close()");

        channels.close(); // as ResidentAgent may: after a failure, and again in its shutdown hook
        byte[] one = new byte[1];
        long read = FileCalls.read(mine, one, new NativeLong(1)).longValue();
        if (read == 0) {
            FileCalls.close(mine); // still ours (else closed already: not closed again here)
        }
        assertEquals(0, read, "descriptor " + mine + " (now /dev/null, not the agent's) is still open after a second close()");
    }

    /**
     * A launcher that finds {@code N.q} claims and opens the pair at once, as bin/vipctl does: the agent must hold
     * {@code N.a} open by then. Else {@code N.a} is not there yet (and the claim {@code N.c} blocks the pair until it is
     * stale), or the launcher's read of it ends at once: end-of-file, which bin/vipctl takes for "the agent is gone" and
     * runs the request itself without taking the token back, while the agent may still read and run it. The test waits
     * for each new pair's {@code N.q} to appear and claims it at that moment.
     */
    @Test
    void aPairIsFoundOnlyOnceTheAgentHoldsIt() throws Exception {
        AgentChannels channels = started(null, 5);
        Path pool = channels.pool(0);
        awaitSettled(pool);
        List<String> early = new ArrayList<>();
        for (int round = 0; round < 500 && early.isEmpty(); round++) {
            awaitSettled(pool);
            long next = numbers(pool, ".q").last() + 1; // the number of the pair that replaces the one this hand-over uses
            List<String> arguments = List.of("up", "round " + round);
            AgentClient.Answer answer = handOver(pool, arguments);
            if (answer.first != AgentProtocol.ACCEPTED) {
                early.add("round " + round + ": the hand-over itself got " + answer);
                break;
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
            Path queue;
            while (!Files.exists(queue = pair(pool, next, ".q"), LinkOption.NOFOLLOW_LINKS) && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
            assertTrue(Files.exists(queue, LinkOption.NOFOLLOW_LINKS), "round " + round + ": pair " + next + " made: " + names(pool) + "\nlog:\n" + log);
            // Root's way in: the agent's descriptors named by N-Q-A, and the token in the answer FIFO.
            String[] numbers = queue.getFileName().toString().replace(".q", "").split("-");
            int readWrite = FileCalls.open("/proc/self/fd/" + numbers[2], FileCalls.O_RDWR | FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC, 0);
            byte[] token = new byte[1];
            if (readWrite < 0 || FileCalls.read(readWrite, token, new NativeLong(1)).longValue() != 1 || token[0] != AgentChannels.FREE) {
                early.add("round " + round + ": " + queue.getFileName() + " was there, its answer FIFO " + (readWrite < 0 ? "not open"
                        : "without the free token") + " yet");
                break;
            }
            int answers = FileCalls.open("/proc/self/fd/" + readWrite, FileCalls.O_RDONLY | FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC, 0);
            FileCalls.close(readWrite);
            int requests = FileCalls.open("/proc/self/fd/" + numbers[1], FileCalls.O_RDWR | FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC, 0);
            assertTrue(answers >= 0 && requests >= 0);
            AgentClient.Pair pair = new AgentClient.Pair(Path.of(queue.toString().replace(".q", "")), answers, requests);
            pairs.add(pair);
            List<String> mine = List.of("up", "claimed at once " + round);
            pair.send(mine);
            PollSet now = new PollSet(1);
            now.add(answers, PollSet.POLLIN);
            now.poll(0);
            // Hung up with nothing to read: a read would end at once, no writer holds N.a.
            if ((now.returned(0) & PollSet.POLLHUP) != 0 && (now.returned(0) & PollSet.POLLIN) == 0) {
                String what = "round " + round + ": the answer FIFO " + next + ".a read end-of-file at once, as if the agent were gone:"
                        + " it did not hold it open yet";
                long held = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                while (System.nanoTime() - held < 0 && !dispatcher.arguments().contains(mine)) {
                    Thread.sleep(10);
                }
                early.add(what + (dispatcher.arguments().contains(mine)
                        ? "; yet the agent then took and ran the request (bin/vipctl, taking end-of-file for a gone agent, runs it too)"
                        : ""));
                break;
            }
            assertServed(pair.read(DEADLINE_MILLIS), mine);
            closePair(pair);
            awaitReplaced(pool, next); // else the next round could find this pair before its replacement, and count wrong
        }
        assertEquals(List.of(), early, "a launcher found a pair the agent was still making");
    }

    // --- 2. publish and close ---

    @Test
    void theDirectoryIsHiddenUntilPublishedAndRemovedOnClose() throws Exception {
        AgentChannels channels = prepare(null);
        String name = PID + "-" + INTERFACE;
        Path staging = agentDirectory.resolve("." + name);
        Path home = agentDirectory.resolve(name);
        assertEquals(home, channels.home());
        assertEquals(0755, mode(agentDirectory) & 07777);
        assertTrue(Files.isDirectory(staging, LinkOption.NOFOLLOW_LINKS));
        assertEquals(0700, mode(staging) & 07777);
        assertEquals(0, owner(staging));
        assertFalse(Files.exists(home, LinkOption.NOFOLLOW_LINKS), "launchers do not find it yet");
        try (Stream<Path> glob = Files.list(agentDirectory)) {
            assertEquals(List.of(), glob.filter(p -> p.getFileName().toString().matches("[0-9]+-.+")).collect(Collectors.toList()),
                    "the launchers' glob PID-IF matches nothing");
        }
        Path pool = channels.pool(0);
        assertEquals(staging.resolve("0"), pool);
        assertEquals(0700, mode(pool) & 07777);
        assertEquals(0, owner(pool));
        assertTrue(settled(pool), names(pool).toString());
        for (long n : numbers(pool, ".q")) {
            for (String suffix : new String[] {".q", ".a"}) {
                Path fifo = pair(pool, n, suffix);
                assertTrue(FileCalls.describe(fifo).isFifo(), fifo + " is a FIFO");
                assertEquals(0600, mode(fifo) & 07777, fifo.toString());
                assertEquals(0, owner(fifo), fifo.toString());
            }
        }

        start(channels, 2);
        List<String> warmUp = List.of("up", "warm-up");
        assertServed(handOver(pool, warmUp), warmUp);

        publish(channels);
        assertFalse(Files.exists(staging, LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isDirectory(home, LinkOption.NOFOLLOW_LINKS));
        assertEquals(home.resolve("0"), channels.pool(0), "the pool moved with the directory");
        awaitSettled(channels.pool(0));
        List<String> published = List.of("up", "published");
        assertServed(handOver(channels.pool(0), published), published);
        assertEquals(List.of(warmUp, published), dispatcher.arguments());

        close(channels);
        assertFalse(Files.exists(home, LinkOption.NOFOLLOW_LINKS), "close() removes the directory");
        assertFalse(Files.exists(staging, LinkOption.NOFOLLOW_LINKS));
        assertEquals(Set.of(), names(agentDirectory), "nothing left in the agent directory");
    }

    // --- 3. the commit point ---

    @Test
    void aRequestTakenBackBeforeTheAgentReadItNeverRuns() throws Exception {
        AgentChannels channels = prepare(null);
        Path pool = channels.pool(0);
        AgentClient.Pair pair = claim(pool);
        long number = number(pair);
        pair.send(List.of("up", "taken back"));
        assertTrue(pair.takeBack(), "the agent has not started: the token is still in the pipe");

        start(channels, 3);
        log.await("withdrawn");
        awaitReplaced(pool, number);
        AgentClient.Answer answer = pair.read(DEADLINE_MILLIS);
        assertEquals(0, answer.first, "no answer, end-of-file once the pair is gone: " + answer);
        assertEquals(List.of(), dispatcher.arguments(), "never dispatched");

        List<String> next = List.of("up", "next");
        assertServed(handOver(pool, next), next);
        assertEquals(List.of(next), dispatcher.arguments());
    }

    @Test
    void aRequestWhoseLauncherDiedBeforeTheAgentReadItNeverRuns() throws Exception {
        AgentChannels channels = prepare(null);
        Path pool = channels.pool(0);
        AgentClient.Pair pair = claim(pool);
        long number = number(pair);
        pair.send(List.of("up", "dead launcher"));
        closePair(pair);

        start(channels, 3);
        log.await("went away");
        awaitReplaced(pool, number);
        assertEquals(List.of(), dispatcher.arguments(), "never dispatched");

        List<String> next = List.of("up", "next");
        assertServed(handOver(pool, next), next);
        assertEquals(List.of(next), dispatcher.arguments());
    }

    @Test
    void afterAnAnswerTheTokenCannotBeTakenBackAndTheRequestRanOnce() throws Exception {
        AgentChannels channels = prepare(null);
        Path pool = channels.pool(0);
        AgentClient.Pair pair = claim(pool);
        long number = number(pair);
        List<String> arguments = List.of("up", "once");
        pair.send(arguments);

        start(channels, 3);
        assertServed(pair.read(DEADLINE_MILLIS), arguments);
        assertFalse(pair.takeBack(), "the agent has the token");
        awaitReplaced(pool, number);

        List<String> next = List.of("up", "next");
        assertServed(handOver(pool, next), next);
        assertEquals(List.of(arguments, next), dispatcher.arguments(), "the first request ran exactly once");
        assertFalse(pair.takeBack());
    }

    // --- 4. malformed frames ---

    /**
     * A bad frame and a good request on two pairs of the same pool, written in that order: the good one is served, the
     * bad one declined malformed while its writer stays, never dispatched; then the pool serves the next request.
     */
    private AgentClient.Answer badFrameBesideAGoodOne(byte[] bad, boolean answered) throws Exception {
        AgentChannels channels = started(null, 3);
        Path pool = channels.pool(0);
        AgentClient.Pair badPair = claim(pool);
        AgentClient.Pair goodPair = claim(pool);
        badPair.write(bad);
        List<String> good = List.of("down", "--interface", INTERFACE, "good");
        goodPair.send(good);

        assertServed(goodPair.read(DEADLINE_MILLIS), good);
        AgentClient.Answer answer = badPair.read(DEADLINE_MILLIS);
        if (answered) {
            assertDeclined(answer, AgentProtocol.Decline.MALFORMED);
            assertTrue(log.contains("bad request"), log.toString());
        } else {
            assertEquals(0, answer.first, "no answer: " + answer);
        }
        awaitReplaced(pool, number(badPair));
        assertEquals(List.of(good), dispatcher.arguments(), "the bad frame was never dispatched");

        List<String> next = List.of("up", "next");
        assertServed(handOver(pool, next), next);
        assertEquals(List.of(good, next), dispatcher.arguments());
        closePair(badPair);
        return answer;
    }

    @Test
    void aFrameWithAnotherMagicIsDeclinedMalformed() throws Exception {
        byte[] good = AgentProtocol.frame(PID, 99, -1, -1, List.of("up", "x"));
        String text = new String(good, StandardCharsets.US_ASCII).replace(AgentProtocol.MAGIC, "vipctl-request-9");
        AgentClient.Answer answer = badFrameBesideAGoodOne(ascii(text), true);
        assertTrue(answer.why.contains(AgentProtocol.MAGIC), answer.why);
    }

    @Test
    void aFrameDeclaringMoreThanTheMaximumIsDeclinedMalformed() throws Exception {
        AgentClient.Answer answer = badFrameBesideAGoodOne(ascii(AgentProtocol.MAGIC + "\0" + "5000\0" + PID + "\0" + "9\0"), true);
        assertTrue(answer.why.contains("4096"), answer.why);
    }

    @Test
    void bytesAfterTheDeclaredEndAreDeclinedMalformed() throws Exception {
        byte[] frame = AgentProtocol.frame(PID, 99, -1, -1, List.of("up", "x"));
        byte[] more = new byte[frame.length + 5];
        System.arraycopy(frame, 0, more, 0, frame.length);
        System.arraycopy(ascii("extra"), 0, more, frame.length, 5);
        AgentClient.Answer answer = badFrameBesideAGoodOne(more, true);
        assertTrue(answer.why.contains("after"), answer.why);
    }

    @Test
    void sixtyFiveArgumentsAreDeclinedMalformedNotCutToSixtyFour() throws Exception {
        List<String> arguments = new ArrayList<>();
        for (int i = 1; i <= AgentProtocol.MAX_ARGUMENTS + 1; i++) {
            arguments.add("a" + i);
        }
        AgentClient.Answer answer = badFrameBesideAGoodOne(AgentProtocol.frame(PID, 99, -1, -1, arguments), true);
        assertTrue(answer.why.contains("COUNT 65"), answer.why);
    }

    @Test
    void aFieldThatIsNoNumberIsDeclinedMalformed() throws Exception {
        byte[] frame = AgentProtocol.frame(PID, 99, -1, -1, List.of("up", "x"));
        String text = new String(frame, StandardCharsets.US_ASCII).replace("\0" + PID + "\0", "\0" + Long.toString(PID).replaceAll("[0-9]", "x") + "\0");
        AgentClient.Answer answer = badFrameBesideAGoodOne(ascii(text), true);
        assertTrue(answer.why.contains("PID"), answer.why);
    }

    @Test
    void aTruncatedFrameIsDeclinedMalformedAfterAWhile() throws Exception {
        byte[] frame = AgentProtocol.frame(PID, 99, -1, -1, List.of("up", "--interface", INTERFACE, "--vip", "198.51.100.9/24"));
        byte[] half = Arrays.copyOf(frame, frame.length / 2);
        AgentClient.Answer answer = badFrameBesideAGoodOne(half, true);
        assertTrue(answer.why.contains("incomplete"), answer.why);
    }

    @Test
    void garbageThatDoesNotStartWithTheTokenIsTakenAsWithdrawn() throws Exception {
        badFrameBesideAGoodOne(ascii("garbage\0that is no frame\0"), false);
        assertTrue(log.contains("withdrawn"), log.toString());
    }

    @Test
    void theLargestFrameWithSixtyFourArgumentsIsServedWhole() throws Exception {
        AgentChannels channels = started(null, 3);
        Path pool = channels.pool(0);
        AgentClient.Pair pair = claim(pool);
        List<String> arguments = new ArrayList<>();
        for (int i = 1; i < AgentProtocol.MAX_ARGUMENTS; i++) {
            arguments.add("a" + i);
        }
        long now = AgentChannels.nowMicros();
        // 'é' is two bytes: the limit counts bytes. The LENGTH field may grow a digit, so this takes a step or two.
        int padding = AgentProtocol.MAX_FRAME_BYTES - AgentProtocol.frame(PID, pair.requests, now, now, concat(arguments, "")).length;
        List<String> all;
        byte[] frame;
        do {
            all = concat(arguments, "é".repeat(padding / 2) + "x".repeat(padding % 2));
            frame = AgentProtocol.frame(PID, pair.requests, now, now, all);
            padding -= frame.length - AgentProtocol.MAX_FRAME_BYTES;
        } while (frame.length != AgentProtocol.MAX_FRAME_BYTES);
        assertEquals(AgentProtocol.MAX_FRAME_BYTES, frame.length);
        assertEquals(AgentProtocol.MAX_ARGUMENTS, all.size());

        pair.write(frame);
        assertServed(pair.read(DEADLINE_MILLIS), all);
        assertEquals(List.of(all), dispatcher.arguments());
    }

    private static List<String> concat(List<String> list, String last) {
        List<String> all = new ArrayList<>(list);
        all.add(last);
        return all;
    }

    @Test
    void aFrameWrittenInTwoPartsIsServedWhole() throws Exception {
        AgentChannels channels = started(null, 3);
        Path pool = channels.pool(0);
        AgentClient.Pair pair = claim(pool);
        List<String> arguments = List.of("up", "--interface", INTERFACE, "in two parts");
        byte[] frame = AgentProtocol.frame(PID, pair.requests, -1, -1, arguments);
        int cut = frame.length / 3;
        pair.write(Arrays.copyOfRange(frame, 0, cut));
        Thread.sleep(200); // the agent may read the first part alone; either way the frame is one request
        pair.write(Arrays.copyOfRange(frame, cut, frame.length));
        assertServed(pair.read(DEADLINE_MILLIS), arguments);
        Seen seen = dispatcher.seen.get(0);
        assertEquals(-1, seen.request.launchMicros, "an empty LAUNCH: the launcher had no clock");
        assertEquals(-1, seen.request.sentMicros);
    }

    @Test
    void aLauncherCutOffWhileWritingIsForgotten() throws Exception {
        AgentChannels channels = started(null, 3);
        Path pool = channels.pool(0);
        AgentClient.Pair pair = claim(pool);
        long number = number(pair);
        byte[] frame = AgentProtocol.frame(PID, pair.requests, -1, -1, List.of("up", "cut off"));
        pair.write(Arrays.copyOf(frame, frame.length / 2));
        closePair(pair);

        awaitReplaced(pool, number);
        log.await("in the middle of writing");
        List<String> next = List.of("up", "next");
        assertServed(handOver(pool, next), next);
        assertEquals(List.of(next), dispatcher.arguments());
    }

    /**
     * A frame whose rest comes in the same wake-up of the leader as the sweep that declares it incomplete: declined
     * "malformed", so its launcher runs the command itself, and then it must not run in the agent too. The leader is
     * held (by the test's log, on the leader's thread) between its poll and its sweep, so that this happens every time:
     * the rest of the frame and a file in new/ arrive while the leader logs a bad frame of another pair; on the next
     * wake-up the log of that file holds the leader until the frame is stale and a sweep is due.
     */
    @Test
    void aFrameDeclaredIncompleteNeverRunsThoughItsRestCameMeanwhile() throws Exception {
        AgentChannels channels = started(adm(), 3);
        Path pool = channels.pool(0);
        Path newPools = agentDirectory.resolve("." + PID + "-" + INTERFACE).resolve("new");
        AgentClient.Pair late = claim(pool);
        AgentClient.Pair other = claim(pool);
        List<String> arguments = List.of("up", "--interface", INTERFACE, "declined, then run?");
        byte[] frame = AgentProtocol.frame(PID, late.requests, -1, -1, arguments);
        int cut = frame.length / 2;
        List<Throwable> hookFailures = new CopyOnWriteArrayList<>();
        long firstBytes = System.nanoTime();
        log.hook = text -> {
            try {
                if (text.contains("channel " + number(other) + ",")) {
                    late.write(Arrays.copyOfRange(frame, cut, frame.length));
                    Files.createFile(newPools.resolve("trigger"));
                } else if (text.contains("trigger")) {
                    long until = Math.max(firstBytes + TimeUnit.MILLISECONDS.toNanos(AgentProtocol.INCOMPLETE_FRAME_MILLIS + 500),
                            System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1100));
                    while (System.nanoTime() - until < 0) {
                        Thread.sleep(10);
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                hookFailures.add(e);
            }
        };
        late.write(Arrays.copyOfRange(frame, 0, cut));
        Thread.sleep(300); // the agent reads the first half on its own wake-up (else it reads the frame whole: 'A' below)
        other.write(ascii("vipctl-request-9\0" + "1\0" + "x"));

        assertDeclined(other.read(DEADLINE_MILLIS), AgentProtocol.Decline.MALFORMED);
        AgentClient.Answer answer = late.read(DEADLINE_MILLIS);
        assertTrue(hookFailures.isEmpty(), hookFailures.toString());
        assertDeclined(answer, AgentProtocol.Decline.MALFORMED);
        assertTrue(answer.why.contains("incomplete"), answer.why);
        awaitReplaced(pool, number(late));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() - deadline < 0 && (dispatcher.seen.isEmpty() || dispatcher.completed.get() < dispatcher.seen.size())) {
            Thread.sleep(10);
        }
        byte[] rest = new byte[256];
        long more = FileCalls.read(late.answers, rest, new NativeLong(rest.length)).longValue();
        String after = more > 0 ? "'" + new String(rest, 0, (int) more, StandardCharsets.UTF_8) + "'" : "nothing";
        assertEquals(List.of(), dispatcher.arguments(), "a request declined (its launcher runs it itself) ran in the agent too;"
                + " after the decline its launcher reads " + after + "; the dispatcher's failures: " + dispatcher.failures
                + "; what waits in the pool's answer FIFOs for the next launchers: " + waitingAnswers(pool) + "\nlog:\n" + log);
    }

    // --- 5. bounded ---

    @Test
    void withTwoThreadsASecondRequestWhileOneRunsIsDeclinedBusy() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        latches.add(release);
        dispatcher.behaviour = (channel, request) -> {
            channel.running();
            if (request.arguments.contains("block")) {
                entered.countDown();
                assertTrue(release.await(DEADLINE_MILLIS, TimeUnit.MILLISECONDS));
            }
            channel.finish(0, "ran " + String.join(" ", request.arguments), "");
        };
        AgentChannels channels = started(null, 2);
        Path pool = channels.pool(0);
        List<String> blocking = List.of("up", "block");
        AgentClient.Pair first = claim(pool);
        first.send(blocking);
        assertTrue(entered.await(DEADLINE_MILLIS, TimeUnit.MILLISECONDS), "the first request is dispatched");

        AgentClient.Pair second = claim(pool);
        second.send(List.of("up", "second"));
        assertDeclined(second.read(DEADLINE_MILLIS), AgentProtocol.Decline.BUSY);
        log.await("declined");

        release.countDown();
        assertServed(first.read(DEADLINE_MILLIS), blocking);
        closePair(first);
        closePair(second);
        awaitSettled(pool);
        List<String> third = List.of("up", "third");
        assertServed(handOverServed(pool, third), third);
        assertEquals(List.of(blocking, third), dispatcher.arguments(), "the declined request never ran");
    }

    @Test
    void aPoolHasFourPairsAndAFifthClaimFindsNone() throws Exception {
        AgentChannels channels = started(null, 3);
        Path pool = channels.pool(0);
        Set<Long> claimed = new HashSet<>();
        List<AgentClient.Pair> all = new ArrayList<>();
        for (int i = 0; i < AgentProtocol.PAIRS_PER_POOL; i++) {
            AgentClient.Pair pair = AgentClient.claim(pool);
            assertNotNull(pair, "pair " + (i + 1) + " of " + AgentProtocol.PAIRS_PER_POOL);
            pairs.add(pair);
            all.add(pair);
            claimed.add(number(pair));
        }
        assertEquals(AgentProtocol.PAIRS_PER_POOL, claimed.size(), "no two claims share a pair");
        assertNull(AgentClient.claim(pool), "no free pair");
        assertNull(AgentClient.handOver(pool, List.of("up"), 100), "no free pair to hand over through");

        // A launcher that claimed and went away without writing: its pair is replaced and free again.
        closePair(all.get(0));
        awaitReplaced(pool, number(all.get(0)));
        AgentClient.Pair again = claim(pool);
        assertFalse(claimed.contains(number(again)));
        assertEquals(List.of(), dispatcher.arguments());
    }

    // --- 6. late accept ---

    @Test
    void aLongRequestIsAcceptedBeforeItsResult() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        latches.add(release);
        dispatcher.behaviour = (channel, request) -> {
            channel.running();
            assertTrue(release.await(DEADLINE_MILLIS, TimeUnit.MILLISECONDS));
            channel.finish(7, "late ✓", "");
        };
        AgentChannels channels = started(null, 3);
        AgentClient.Pair pair = claim(channels.pool(0));
        pair.send(List.of("up", "long"));

        assertEquals(AgentProtocol.ACCEPTED, readExactly(pair.answers, 1)[0], "'A' while the request still runs");
        assertTrue(nothingToRead(pair.answers), "nothing more before the result");
        release.countDown();
        String head = new String(readExactly(pair.answers, AgentProtocol.RESULT_DIGITS), StandardCharsets.US_ASCII);
        byte[] out = "late ✓".getBytes(StandardCharsets.UTF_8);
        assertEquals(String.format("%03d%010d%010d", 7, out.length, 0), head);
        assertEquals("late ✓", new String(readExactly(pair.answers, out.length), StandardCharsets.UTF_8));
        assertTrue(dispatcher.failures.isEmpty(), dispatcher.failures.toString());
    }

    @Test
    void aLongRequestReadByTheClientGetsAcceptedThenItsResult() throws Exception {
        dispatcher.behaviour = (channel, request) -> {
            channel.running();
            Thread.sleep(500);
            channel.finish(0, "ran " + String.join(" ", request.arguments), "");
        };
        AgentChannels channels = started(null, 3);
        AgentClient.Pair pair = claim(channels.pool(0));
        List<String> arguments = List.of("up", "sleeps");
        pair.send(arguments);
        // read() waits (bounded) for the first byte only, then for the rest as long as the agent writes.
        assertServed(pair.read(DEADLINE_MILLIS), arguments);
        assertFalse(pair.takeBack());
    }

    // --- 7. stale claims and strays ---

    @Test
    void anAbandonedClaimOfAMemberIsReplaced() throws Exception {
        AgentChannels channels = started(adm(), 3);
        publish(channels);
        int member = 12345;
        askForPool(channels.home(), Integer.toString(member), member);
        Path pool = channels.home().resolve(Integer.toString(member));
        awaitSettled(pool);
        AgentClient.Pair pair = claim(pool);
        long number = number(pair);
        Files.setLastModifiedTime(Path.of(pair.base + ".c"), FileTime.fromMillis(System.currentTimeMillis() - 40_000));

        awaitReplaced(pool, number);
        assertTrue(log.await("never used").contains("channel " + number), log.toString());
        assertEquals(0, pair.read(DEADLINE_MILLIS).first, "the launcher that held it reads end-of-file");
        awaitSettled(pool);
        assertEquals(List.of(), dispatcher.arguments());
    }

    /** Root's claim is its token taken: the sweeps see that and time it (so this test takes the 30 s). */
    @Test
    void anAbandonedClaimOfRootIsReplaced() throws Exception {
        AgentChannels channels = started(null, 3);
        Path pool = channels.pool(0);
        AgentClient.Pair pair = claim(pool);
        long number = number(pair);
        Thread.sleep(AgentProtocol.STALE_CLAIM_MILLIS - 2000);
        assertTrue(numbers(pool, ".q").contains(number), "not replaced before its time: " + log);

        waitFor(() -> "pair " + number + " replaced", () -> !numbers(pool, ".q").contains(number));
        assertTrue(log.await("never used").contains("channel " + number), log.toString());
        assertEquals(0, pair.read(DEADLINE_MILLIS).first, "the launcher that held it reads end-of-file");
        awaitSettled(pool);
        assertEquals(List.of(), dispatcher.arguments());
    }

    @Test
    void aFreshClaimIsKept() throws Exception {
        AgentChannels channels = started(null, 3);
        Path pool = channels.pool(0);
        AgentClient.Pair pair = claim(pool);
        long number = number(pair);
        log.lines.clear();
        Thread.sleep(2500); // two sweeps at least: nothing to poll for, as nothing should happen
        assertTrue(Files.exists(Path.of(pair.base + ".q")), "a claim of a moment ago stays");
        assertTrue(numbers(pool, ".q").contains(number));
        List<String> arguments = List.of("up", "late but fine");
        pair.send(arguments);
        assertServed(pair.read(DEADLINE_MILLIS), arguments);
    }

    @Test
    void straysInAPoolAreRemoved() throws Exception {
        AgentChannels channels = started(null, 3);
        Path pool = channels.pool(0);
        awaitSettled(pool);
        SortedSet<Long> live = numbers(pool, ".q");
        Files.writeString(pool.resolve("junk"), "junk");
        Files.createFile(pool.resolve("999999.c"));
        Files.createFile(pool.resolve("999998.q"));
        Files.createDirectory(pool.resolve("empty"));
        Files.createSymbolicLink(pool.resolve("link"), temp);

        awaitSettled(pool);
        assertEquals(live, numbers(pool, ".q"), "the live pairs untouched");
        assertTrue(Files.isDirectory(temp), "a link is removed, not followed");
        List<String> arguments = List.of("up", "after strays");
        assertServed(handOver(pool, arguments), arguments);
    }

    @Test
    void aNonEmptyDirectoryInAPoolDoesNotKeepOtherStraysThere() throws Exception {
        AgentChannels channels = started(null, 3);
        Path pool = channels.pool(0);
        awaitSettled(pool);
        // The pool's user may put anything there; a directory with a file in it cannot be removed with one unlink.
        for (String name : new String[] {"a", "m", "z"}) {
            Files.createDirectory(pool.resolve(name + "-dir"));
            Files.createFile(pool.resolve(name + "-dir").resolve("inside"));
        }
        for (int i = 0; i < 20; i++) {
            Files.createFile(pool.resolve("stray-" + i));
        }
        waitFor(() -> "the plain stray files removed (the pool holds " + names(pool) + ")\nlog:\n" + log,
                () -> names(pool).stream().noneMatch(n -> n.startsWith("stray-")));
    }

    // --- 8. group mode ---

    private GroupPrincipal adm() throws IOException {
        return temp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("adm");
    }

    /** A file's access ACL as getfacl (package acl) prints it, numeric, without comments. */
    private static List<String> acl(Path path) throws Exception {
        Process getfacl = new ProcessBuilder("getfacl", "--omit-header", "--numeric", "--physical", "--absolute-names", path.toString()).redirectErrorStream(true).start();
        String text = new String(getfacl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, getfacl.waitFor(), text);
        return text.lines().filter(line -> !line.isEmpty()).collect(Collectors.toList());
    }

    /** A member's request new/NAME, owned by {@code uid}: made aside and renamed in, so the agent never sees it half made. */
    private Path askForPool(Path home, String name, int uid) throws IOException {
        Path aside = Files.createTempFile(temp, "request", "");
        Files.setAttribute(aside, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        return Files.move(aside, home.resolve("new").resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    /** A directory new/NAME with a file in it, owned by {@code uid}: what a member may leave there; made aside and renamed in. */
    private Path leaveDirectoryInNew(Path home, String name, int uid) throws IOException {
        Path aside = Files.createTempDirectory(temp, "directory");
        Files.createFile(aside.resolve("inside"));
        Files.setAttribute(aside, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        return Files.move(aside, home.resolve("new").resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void membersAskForTheirPoolThroughNew() throws Exception {
        AgentChannels channels = prepare(adm());
        Path staging = agentDirectory.resolve("." + PID + "-" + INTERFACE);
        assertEquals(0750, mode(staging) & 07777);
        assertEquals(0, owner(staging));
        assertEquals("adm", group(staging));
        Path newPools = staging.resolve("new");
        assertEquals(01730, mode(newPools) & 07777, "new/ is 1730: members add, but neither list nor remove");
        assertEquals(0, owner(newPools));
        assertEquals("adm", group(newPools));
        assertEquals(0700, mode(channels.pool(0)) & 07777);
        start(channels, 3);
        publish(channels);
        Path home = channels.home();
        assertEquals(0750, mode(home) & 07777);

        int member = 12345;
        Path request = askForPool(home, Integer.toString(member), member);
        Path pool = home.resolve(Integer.toString(member));
        waitFor("the request " + request + " taken away", () -> !Files.exists(request, LinkOption.NOFOLLOW_LINKS));
        // Taken away last: the pool is whole by then.
        assertTrue(Files.isDirectory(pool, LinkOption.NOFOLLOW_LINKS), "a pool for uid " + member + "; log:\n" + log);
        assertEquals(0, owner(pool), "the agent's");
        assertEquals(List.of("user::rwx", "user:" + member + ":rwx", "group::---", "mask::rwx", "other::---"), acl(pool),
                "the member alone may use it");
        assertTrue(settled(pool), names(pool).toString());
        for (long n : numbers(pool, ".q")) {
            for (String suffix : new String[] {".q", ".a"}) {
                Path fifo = pair(pool, n, suffix);
                assertTrue(FileCalls.describe(fifo).isFifo(), fifo.toString());
                assertEquals(0, owner(fifo), fifo.toString());
                assertEquals(List.of("user::rw-", "user:" + member + ":rw-", "group::---", "mask::rw-", "other::---"), acl(fifo), fifo.toString());
            }
        }
        assertTrue(log.contains("made a request pool for uid " + member), log.toString());
        assertEquals(pool, channels.pool(member));

        // Through the member's pool, the channel says who asks.
        List<String> arguments = List.of("up", "member");
        assertServed(handOver(pool, arguments), arguments);
        assertEquals(member, dispatcher.seen.get(0).uid);

        // Asked again: no second pool.
        SortedSet<String> homeBefore = names(home);
        Path again = askForPool(home, Integer.toString(member), member);
        waitFor("the second request taken away", () -> !Files.exists(again, LinkOption.NOFOLLOW_LINKS));
        log.await("asked for a request pool it has");
        assertEquals(homeBefore, names(home));
        awaitSettled(pool);

        // Named by another uid than its owner's: removed, no pool.
        Path forged = askForPool(home, "23456", 34567);
        waitFor("the forged request taken away", () -> !Files.exists(forged, LinkOption.NOFOLLOW_LINKS));
        log.await("ignored");
        assertEquals(homeBefore, names(home), "no pool for 23456 nor 34567");
        assertEquals(Set.of(), names(home.resolve("new")));
    }

    @Test
    void aMemberRequestMadeBeforeServingStartsGetsItsPool() throws Exception {
        AgentChannels channels = prepare(adm());
        Path staging = agentDirectory.resolve("." + PID + "-" + INTERFACE);
        Path request = askForPool(staging, "4242", 4242);
        start(channels, 3);
        waitFor("the request taken away", () -> !Files.exists(request, LinkOption.NOFOLLOW_LINKS));
        assertTrue(settled(staging.resolve("4242")), names(staging.resolve("4242")).toString());
        assertTrue(acl(staging.resolve("4242")).contains("user:4242:rwx"), "the pool is opened to 4242");
    }

    @Test
    void aDirectoryAMemberLeavesInNewDoesNotStopOtherMembersPools() throws Exception {
        AgentChannels channels = started(adm(), 3);
        publish(channels);
        Path home = channels.home();
        // A member may make a directory in new/ (1730) and put a file in it: the agent cannot unlink that.
        for (int uid : new int[] {1000, 5000, 9000}) {
            leaveDirectoryInNew(home, Integer.toString(uid), uid);
        }
        int[] members = {2001, 3001, 4001, 6001, 7001, 8001};
        for (int member : members) {
            askForPool(home, Integer.toString(member), member);
        }
        for (int member : members) {
            Path pool = home.resolve(Integer.toString(member));
            waitFor(() -> "a pool for uid " + member + " (the agent's directory holds " + names(home) + ", new/ " + names(home.resolve("new"))
                    + ")\nlog:\n" + log, () -> Files.isDirectory(pool, LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void atMostMaxMemberPoolsAreMade() throws Exception {
        AgentChannels channels = started(adm(), 3);
        Path staging = agentDirectory.resolve("." + PID + "-" + INTERFACE);
        int first = 20000;
        for (int member = first; member <= first + AgentChannels.MAX_MEMBER_POOLS; member++) {
            askForPool(staging, Integer.toString(member), member);
        }
        waitFor(() -> "every request taken away (new/ holds " + names(staging.resolve("new")) + ")",
                () -> names(staging.resolve("new")).isEmpty());
        long pools = names(staging).stream().filter(name -> name.matches("2[0-9]{4}")).count();
        assertEquals(AgentChannels.MAX_MEMBER_POOLS, pools, names(staging).toString());
        assertEquals(1, log.count("already " + AgentChannels.MAX_MEMBER_POOLS + " member pools"), log.toString());
        assertTrue(settled(channels.pool(0)));
    }

    @Test
    void whatAMemberPutsInNewIsLoggedAsAProblemOnly() throws Exception {
        AgentChannels channels = started(adm(), 3);
        Path staging = agentDirectory.resolve("." + PID + "-" + INTERFACE);
        leaveDirectoryInNew(staging, "31337", 31337);
        for (int i = 0; i < 10; i++) {
            askForPool(staging, "x" + i, 31337); // each a wake-up of the leader
        }
        log.await("ignored");
        Thread.sleep(1500); // a sweep or two: nothing to poll for
        List<String> plain = log.lines.stream().filter(line -> !line.startsWith("problem: ")).collect(Collectors.toList());
        assertEquals(List.of(), plain, "lines a member's doing causes go through Log.problem, which the agent rate-limits;"
                + " these are not limited");
        assertTrue(settled(channels.pool(0)));
    }

    // --- 9. leftovers of agents that are gone ---

    @Test
    void prepareRemovesTheDirectoriesOfDeadAgentsAndKeepsTheRest() throws Exception {
        Files.createDirectories(agentDirectory);
        for (String name : new String[] {"99999999-eth0", ".99999999-eth0"}) {
            Path dead = Files.createDirectory(agentDirectory.resolve(name));
            Files.createFile(dead.resolve("alive"));
            Files.createDirectory(dead.resolve("0"));
            Files.createFile(dead.resolve("0").resolve("7.c"));
        }
        Files.createDirectory(agentDirectory.resolve("99999998-eth1")); // no lock at all: dead too
        Files.createDirectory(agentDirectory.resolve("notes"));
        Files.createFile(agentDirectory.resolve("123-file"));

        AgentChannels channels = prepare(null);

        assertEquals(new TreeSet<>(List.of("." + PID + "-" + INTERFACE, "123-file", "notes")), names(agentDirectory));
        assertTrue(settled(channels.pool(0)));
    }

    @Test
    void prepareKeepsTheDirectoryOfALiveAgentInThisJvm() throws Exception {
        AgentChannels first = prepare(null);
        Path firstStaging = agentDirectory.resolve("." + PID + "-" + INTERFACE);
        // flock(2) locks the open file description: the second opens its own, so the first's lock is seen as taken.
        AgentChannels second = AgentChannels.prepare(agentDirectory, "eth1", null, log);
        opened.add(second);

        assertTrue(Files.isDirectory(firstStaging), "the first agent's directory is kept: " + names(agentDirectory));
        assertTrue(Files.exists(firstStaging.resolve("alive")));
        assertTrue(settled(first.pool(0)), names(first.pool(0)).toString());
        assertTrue(settled(second.pool(0)));
        start(first, 3);
        List<String> arguments = List.of("up", "first lives");
        assertServed(handOver(first.pool(0), arguments), arguments);
    }

    @Test
    void prepareKeepsTheDirectoryWhoseLockAnotherProcessHolds() throws Exception {
        Path live = Files.createDirectories(agentDirectory.resolve("1-eth9"));
        Path alive = Files.createFile(live.resolve("alive"));
        Process holder = new ProcessBuilder("flock", "--nonblock", alive.toString(), "sh", "-c", "echo locked; exec cat").start();
        processes.add(holder);
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("locked", assertTimeoutPreemptively(Duration.ofMillis(DEADLINE_MILLIS), out::readLine));

        prepare(null);
        assertTrue(Files.exists(alive), "a live agent's directory is kept");

        holder.getOutputStream().close();
        assertTrue(holder.waitFor(DEADLINE_MILLIS, TimeUnit.MILLISECONDS));
        close(opened.get(0));
        prepare(null);
        assertFalse(Files.exists(live), "once its lock is free, it is a dead agent's");
    }

    @Test
    void aSecondAgentOfTheSameNameFailsWithoutRemovingTheFirstOnesDirectory() throws Exception {
        AgentChannels first = prepare(null);
        Path firstStaging = agentDirectory.resolve("." + PID + "-" + INTERFACE);
        FileCalls.OpenFile standardInput = FileCalls.describe(0);
        assertThrows(IOException.class, () -> opened.add(AgentChannels.prepare(agentDirectory, INTERFACE, null, log)));
        assertTrue(Files.isDirectory(firstStaging), "the first agent's directory is the first agent's: " + names(agentDirectory));
        assertTrue(settled(first.pool(0)), names(first.pool(0)).toString());
        // Failing before its wake-up pipe existed, it closed none of the process's other descriptors (0 was once).
        assertTrue(FileCalls.describe(0).sameFileAs(standardInput), "descriptor 0 is still standard input");
    }

    // --- 10. where the agent refuses to be ---

    @Test
    void prepareRefusesAParentOwnedByAnotherUser() throws Exception {
        Path parent = Files.createDirectory(temp.resolve("other"));
        Files.setAttribute(parent, "unix:mode", 0755);
        Files.setAttribute(parent, "unix:uid", 65534);
        Path agent = parent.resolve("agent");
        AgentChannels.UnsafeDirectory e = assertThrows(AgentChannels.UnsafeDirectory.class, () -> AgentChannels.prepare(agent, INTERFACE, null, log));
        assertTrue(e.getMessage().contains("owned by uid 65534"), e.getMessage());
        assertFalse(Files.exists(agent), "nothing made there");
    }

    @Test
    void prepareRefusesAnAgentDirectoryOwnedByAnotherUser() throws Exception {
        Files.createDirectory(agentDirectory);
        Files.setAttribute(agentDirectory, "unix:uid", 65534);
        assertThrows(AgentChannels.UnsafeDirectory.class, () -> AgentChannels.prepare(agentDirectory, INTERFACE, null, log));
        assertEquals(Set.of(), names(agentDirectory));
    }

    @Test
    void prepareRefusesAParentOthersMayWriteWithoutTheStickyBit() throws Exception {
        Path parent = Files.createDirectory(temp.resolve("open"));
        Files.setAttribute(parent, "unix:mode", 0777);
        Path agent = parent.resolve("below").resolve("agent");
        AgentChannels.UnsafeDirectory e = assertThrows(AgentChannels.UnsafeDirectory.class, () -> AgentChannels.prepare(agent, INTERFACE, null, log));
        assertTrue(e.getMessage().contains("writable by others"), e.getMessage());
        assertFalse(Files.exists(parent.resolve("below")), "nothing made there");

        Files.setAttribute(parent, "unix:mode", 0775);
        assertThrows(AgentChannels.UnsafeDirectory.class, () -> AgentChannels.prepare(agent, INTERFACE, null, log), "group-writable");
    }

    @Test
    void prepareAcceptsAStickyParent() throws Exception {
        Path parent = Files.createDirectory(temp.resolve("sticky"));
        Files.setAttribute(parent, "unix:mode", 01777);
        agentDirectory = parent.resolve("agent");
        AgentChannels channels = started(null, 3);
        assertTrue(settled(channels.pool(0)));
        List<String> arguments = List.of("up", "sticky");
        assertServed(handOver(channels.pool(0), arguments), arguments);
    }

    /** Sticky is enough for a parent, not for the agent directory itself: others could add names beside the agents'. */
    @Test
    void prepareRefusesAnAgentDirectoryOthersMayWriteToAndLeavesItAsItIs() throws Exception {
        Path sticky = Files.createDirectory(temp.resolve("shared"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        IOException refused = prepareRefused(sticky);
        assertTrue(refused instanceof AgentChannels.UnsafeDirectory && refused.getMessage().contains("writable by others"), String.valueOf(refused));
        assertEquals(01777, (Integer) Files.getAttribute(sticky, "unix:mode") & 07777, "its mode is not the agent's to change");
    }

    /** A link another user made in a sticky directory (as anyone may in /tmp), leading to a directory of root's. */
    private Path othersLink(Path sticky, String name, Path target) throws IOException {
        Path link = Files.createSymbolicLink(sticky.resolve(name), target);
        Files.setAttribute(link, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
        return link;
    }

    /** What prepare threw, or null when it made the agent's directory (then closed with the test). */
    private IOException prepareRefused(Path directory) {
        try {
            opened.add(AgentChannels.prepare(directory, INTERFACE, null, log));
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    @Test
    void prepareRefusesAnAgentDirectoryThatIsAnotherUsersLink() throws Exception {
        Path sticky = Files.createDirectory(temp.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path secret = Files.createDirectory(temp.resolve("secret"));
        Files.setAttribute(secret, "unix:mode", 0700);
        Path link = othersLink(sticky, "agent", secret);

        IOException refused = prepareRefused(link);
        assertEquals("700", Integer.toOctalString(mode(secret) & 07777), "root's directory behind the link keeps its mode");
        assertEquals(Set.of(), names(secret), "nothing made behind the link");
        assertNotNull(refused, "uid 65534 may change where " + link + " leads");
    }

    @Test
    void prepareRefusesAPathThroughAnotherUsersLink() throws Exception {
        Path sticky = Files.createDirectory(temp.resolve("sticky"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        Path target = Files.createDirectory(temp.resolve("target"));
        Files.setAttribute(target, "unix:mode", 0755);
        Path link = othersLink(sticky, "vipctl", target);

        IOException refused = prepareRefused(link.resolve("agent"));
        assertEquals(Set.of(), names(target), "nothing made behind the link");
        assertNotNull(refused, "uid 65534 may change where " + link + " leads, and so where the agent's channels (and what it removes) lie");
    }

    // --- a launcher that fills its own answer FIFO ---

    @Test
    void aLauncherThatFillsItsAnswerFifoDoesNotHoldUpOtherRequests() throws Exception {
        AgentChannels channels = started(null, 3);
        Path pool = channels.pool(0);
        AgentClient.Pair bad = claim(pool);
        AgentClient.Pair good = claim(pool);
        // The pool's user may open its answer FIFO read-write, and fill it, before it sends a bad frame.
        int filler = FileCalls.open(pair(pool, number(bad), ".a").toString(), FileCalls.O_RDWR | FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC, 0);
        assertTrue(filler >= 0);
        descriptors.add(filler);
        byte[] block = new byte[4096];
        while (FileCalls.write(filler, block, new NativeLong(block.length)).longValue() > 0) {
            // until the pipe is full
        }
        bad.write(ascii("vipctl-request-9\0" + "12\0"));
        List<String> arguments = List.of("up", "meanwhile");
        good.send(arguments);

        AgentClient.Answer answer = good.read(2 * DEADLINE_MILLIS);
        assertServed(answer, arguments);
        assertTrue(log.contains("cannot decline request on channel " + number(bad) + ": the launcher's answer FIFO is full: it read nothing"
                + " for 0 ms"), "the leader gave up on the full FIFO at once, rather than waiting on it while others waited\nlog:\n" + log);
    }
}
