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
        final Path claim;
        final int answers;
        final int requests;

        Pair(Path claim, int answers, int requests) {
            this.claim = claim;
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
     * Claims a free pair of {@code pool} (creating its {@code N.c} exclusively) and opens it; null when none is free.
     * The answer FIFO is opened non-blocking, as {@link Pair#read} waits with poll.
     */
    static Pair claim(Path pool) throws IOException {
        List<Path> queues = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(pool, "*.q")) {
            entries.forEach(queues::add);
        }
        queues.sort(null);
        for (Path queue : queues) {
            String base = queue.toString().substring(0, queue.toString().length() - 2);
            int claimFd = FileCalls.open(base + ".c", FileCalls.O_WRONLY | FileCalls.O_CREAT | FileCalls.O_EXCL | FileCalls.O_CLOEXEC, 0600);
            if (claimFd < 0) {
                continue;
            }
            FileCalls.close(claimFd);
            int readWrite = FileCalls.open(base + ".a", FileCalls.O_RDWR | FileCalls.O_CLOEXEC, 0);
            if (readWrite < 0) {
                Files.deleteIfExists(Path.of(base + ".c")); // the pair was replaced since the listing: a claim of nothing
                continue;
            }
            int answers = FileCalls.open("/proc/self/fd/" + readWrite, FileCalls.O_RDONLY | FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC, 0);
            FileCalls.close(readWrite);
            int requests = FileCalls.open(queue.toString(), FileCalls.O_RDWR | FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC, 0);
            if (answers < 0 || requests < 0) {
                throw new IOException("cannot open the claimed pair " + base + ": " + Errno.describe(Native.getLastError()));
            }
            return new Pair(Path.of(base + ".c"), answers, requests);
        }
        return null;
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
