package dev.vipctl.agent.cli;

import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import dev.vipctl.linux.Errno;
import dev.vipctl.linux.FileCalls;
import dev.vipctl.linux.PollSet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The launcher's side of {@link AgentProtocol}, in Java: the agent's warm-up hands its requests over this way, through
 * the same channels a launcher uses, and the tests speak to agents with it (and misbehave on purpose through
 * {@link #claim} and {@link Pair}). {@code bin/vipctl} is the launcher that operators use.
 */
final class AgentClient {
    private AgentClient() {
    }

    /** What came back. */
    static final class Answer {
        /** {@code 'A'}, {@code 'D'}, or 0 when nothing came (end-of-file, or the wait ended). */
        final byte first;
        final int code;
        final String stdout;
        final String stderr;
        /** For {@code 'D'}: the {@link AgentProtocol.Decline} word and the sentence. */
        final String declined;
        final String why;

        Answer(byte first, int code, String stdout, String stderr, String declined, String why) {
            this.first = first;
            this.code = code;
            this.stdout = stdout;
            this.stderr = stderr;
            this.declined = declined;
            this.why = why;
        }

        @Override
        public String toString() {
            return first == AgentProtocol.ACCEPTED ? "accepted, exit " + code + ", stdout " + stdout + ", stderr " + stderr
                    : first == AgentProtocol.DECLINED ? "declined " + declined + ": " + why : "no answer";
        }
    }

    /** A claimed pair, opened as the launcher opens it: the answers read-only, the request read-write. */
    static final class Pair implements AutoCloseable {
        /** The base of the pair's names, {@code N-Q-A}, in its pool. */
        final Path base;
        final int answers;
        final int requests;

        Pair(Path base, int answers, int requests) {
            this.base = base;
            this.answers = answers;
            this.requests = requests;
        }

        /** Writes bytes to the request FIFO as they are (a whole frame, part of one, or anything else). */
        void write(byte[] bytes) throws IOException {
            if (FileCalls.write(requests, bytes, new NativeLong(bytes.length)).longValue() != bytes.length) {
                throw new IOException("cannot write the request: " + Errno.describe(Native.getLastError()));
            }
        }

        /** A frame from this process, naming its descriptor of the request FIFO. */
        void send(List<String> arguments) throws IOException {
            long now = AgentChannels.nowMicros();
            write(AgentProtocol.frame(ProcessHandle.current().pid(), requests, now, now, arguments));
        }

        /** The launcher's give-up: reads one byte back from the request FIFO; the token means the agent never took it. */
        boolean takeBack() {
            byte[] one = new byte[1];
            return FileCalls.read(requests, one, new NativeLong(1)).longValue() == 1 && one[0] == AgentProtocol.TOKEN;
        }

        /** The answer, waiting at most {@code waitMillis} for its first byte and then as long as the agent writes. */
        Answer read(long waitMillis) throws IOException {
            byte first = readByte(waitMillis);
            if (first == AgentProtocol.ACCEPTED) {
                String head = new String(readBytes(AgentProtocol.RESULT_DIGITS), StandardCharsets.US_ASCII);
                int out = Integer.parseInt(head.substring(3, 13));
                int err = Integer.parseInt(head.substring(13));
                return new Answer(first, Integer.parseInt(head.substring(0, 3)), new String(readBytes(out), StandardCharsets.UTF_8),
                        new String(readBytes(err), StandardCharsets.UTF_8), null, null);
            }
            if (first == AgentProtocol.DECLINED) {
                return new Answer(first, -1, null, null, readField(), readField());
            }
            return new Answer((byte) 0, -1, null, null, null, null);
        }

        private byte readByte(long waitMillis) throws IOException {
            byte[] one = new byte[1];
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            PollSet readable = new PollSet(1);
            readable.add(answers, PollSet.POLLIN);
            while (true) {
                long n = FileCalls.read(answers, one, new NativeLong(1)).longValue();
                if (n == 1) {
                    return one[0];
                }
                if (n == 0) {
                    return 0;
                }
                int errno = Native.getLastError();
                if (errno != Errno.EAGAIN && errno != Errno.EINTR) {
                    throw new IOException("cannot read the answer: " + Errno.describe(errno));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return 0;
                }
                readable.poll((int) TimeUnit.NANOSECONDS.toMillis(left + 999_999));
            }
        }

        private byte[] readBytes(int count) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(count);
            byte[] chunk = new byte[Math.max(1, Math.min(count, 65536))];
            while (bytes.size() < count) {
                long n = FileCalls.read(answers, chunk, new NativeLong(Math.min(chunk.length, count - bytes.size()))).longValue();
                if (n > 0) {
                    bytes.write(chunk, 0, (int) n);
                } else {
                    chunk[0] = readByte(TimeUnit.SECONDS.toMillis(30)); // waits; 0 at end-of-file
                    if (chunk[0] == 0) {
                        throw new IOException("the answer ended after " + bytes.size() + " of " + count + " bytes");
                    }
                    bytes.write(chunk[0]);
                }
            }
            return bytes.toByteArray();
        }

        private String readField() throws IOException {
            ByteArrayOutputStream field = new ByteArrayOutputStream();
            for (byte b; (b = readByte(TimeUnit.SECONDS.toMillis(30))) != 0; ) {
                field.write(b);
            }
            return field.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            FileCalls.close(answers);
            FileCalls.close(requests);
        }
    }

    /**
     * Claims a free pair of {@code pool} and opens it, as {@code bin/vipctl} does; null when none is free. In root's
     * pool (named 0) through the agent's descriptors, by taking the {@link AgentChannels#FREE} token; in a member's by
     * creating {@code N-Q-A.c} exclusively. The answer FIFO is opened non-blocking, as {@link Pair#read} waits with poll.
     */
    static Pair claim(Path pool) throws IOException {
        List<Path> queues = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(pool, "*.q")) {
            entries.forEach(queues::add);
        }
        queues.sort(null);
        boolean root = pool.getFileName().toString().equals("0");
        for (Path queue : queues) {
            Matcher name = PAIR_NAME.matcher(queue.getFileName().toString());
            if (!name.matches()) {
                continue;
            }
            Path base = queue.resolveSibling(name.group(1) + "-" + name.group(2) + "-" + name.group(3));
            String answerPath;
            String queuePath;
            if (root) {
                // The agent's pid: its directory is PID-IF, or .PID-IF before it is published.
                String home = pool.getParent().getFileName().toString();
                String descriptors = "/proc/" + home.substring(home.startsWith(".") ? 1 : 0, home.indexOf('-')) + "/fd/";
                answerPath = descriptors + name.group(3);
                queuePath = descriptors + name.group(2);
            } else {
                int claimFd = FileCalls.open(base + ".c", FileCalls.O_WRONLY | FileCalls.O_CREAT | FileCalls.O_EXCL | FileCalls.O_CLOEXEC, 0600);
                if (claimFd < 0) {
                    continue;
                }
                FileCalls.close(claimFd);
                answerPath = base + ".a";
                queuePath = queue.toString();
            }
            int readWrite = FileCalls.open(answerPath, FileCalls.O_RDWR | FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC, 0);
            if (readWrite < 0) {
                if (!root) {
                    Files.deleteIfExists(Path.of(base + ".c")); // the pair was replaced since the listing: a claim of nothing
                }
                continue;
            }
            // Root's: the descriptors named must still be the pair's (the agent reuses a replaced pair's numbers).
            if (root && !(opened(readWrite, Path.of(base + ".a")) && takeFreeToken(readWrite))) {
                FileCalls.close(readWrite);
                continue;
            }
            int answers = FileCalls.open("/proc/self/fd/" + readWrite, FileCalls.O_RDONLY | FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC, 0);
            FileCalls.close(readWrite);
            int requests = FileCalls.open(queuePath, FileCalls.O_RDWR | FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC, 0);
            if (answers < 0 || requests < 0 || root && !opened(requests, queue)) {
                int errno = Native.getLastError();
                for (int fd : new int[] {answers, requests}) {
                    if (fd >= 0) {
                        FileCalls.close(fd);
                    }
                }
                if (root) {
                    continue; // replaced meanwhile: the token is spent, and the sweep replaces what it took it from
                }
                throw new IOException("cannot open the claimed pair " + base + ": " + Errno.describe(errno));
            }
            return new Pair(base, answers, requests);
        }
        return null;
    }

    /** {@code N-Q-A.q}: the sequence number and the agent's descriptors of the request and answer FIFOs. */
    private static final Pattern PAIR_NAME = Pattern.compile("([0-9]+)-([0-9]+)-([0-9]+)\\.q");

    /** Whether {@code fd} is a FIFO, the one named {@code name} now (false when the name is gone). */
    private static boolean opened(int fd, Path name) throws IOException {
        try {
            FileCalls.OpenFile file = FileCalls.describe(fd);
            return file.isFifo() && file.sameFileAs(FileCalls.describe(name));
        } catch (java.nio.file.NoSuchFileException gone) {
            return false;
        }
    }

    /** Whether this read took the token from the answer FIFO {@code fd}: then the pair is this launcher's. */
    private static boolean takeFreeToken(int fd) {
        byte[] one = new byte[1];
        return FileCalls.read(fd, one, new NativeLong(1)).longValue() == 1 && one[0] == AgentChannels.FREE;
    }

    /** Hands {@code arguments} over through a free pair of {@code pool}, as the launcher does; null when none is free. */
    static Answer handOver(Path pool, List<String> arguments, long waitMillis) throws IOException {
        Pair pair = claim(pool);
        if (pair == null) {
            return null;
        }
        try (pair) {
            pair.send(arguments);
            Answer answer = pair.read(waitMillis);
            if (answer.first == 0 && !pair.takeBack()) {
                return pair.read(TimeUnit.SECONDS.toMillis(60));
            }
            return answer;
        }
    }
}
