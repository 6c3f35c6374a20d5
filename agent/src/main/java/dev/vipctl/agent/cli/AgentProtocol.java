package dev.vipctl.agent.cli;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How a launcher hands {@code up} or {@code down} to the resident agent ({@code vipctl agent}) and gets its answer. This
 * comment is the protocol's one description; {@code bin/vipctl} speaks it from bash without starting a process, and
 * {@link AgentChannels} serves it.
 *
 * <h2>Places</h2>
 * The agent runs as root, or (its systemd unit) as an unprivileged user U with CAP_NET_ADMIN and CAP_NET_RAW only. The
 * agent directory D ({@code --agent-dir}, default {@code /run/vipctl/agent}) is root's or U's (0755), and so is every
 * directory above it, writable by nobody else: the agent refuses to start under a directory another user may change.
 * Each agent has its own directory {@code D/PID-IF} (its process id and interface): 0700, or with {@code --agent-group
 * G} 0750 and group G, published (renamed into place) only once the agent is warm. Inside it, one pool directory per
 * user who may ask, named by the uid (0700, the agent's; a member's opened to that member alone by a POSIX ACL entry):
 * {@code 0} for root from the start, and one for each group member who asked for it by creating a file {@code new/UID}
 * ({@code new}: 1730 with group G, writable but not listable by the group; the kernel makes the member its owner).
 * The agent, watching {@code new}, makes the pool at once and then removes the file; the launcher waits (at most 2 s)
 * until the file is gone and goes on with its request. A pool holds {@link #PAIRS_PER_POOL} request channels, each a
 * pair of FIFOs {@code N-Q-A.q} (request) and {@code N-Q-A.a} (answer), 0600, that only the pool's user (by its ACL
 * entry), the agent's user and root can open. The agent makes them, holds them open ({@code .q} for reading as
 * descriptor Q, {@code .a} for reading and writing as descriptor A) and never opens them by name again; N is a
 * sequence number that the agent never uses twice.
 *
 * <h2>Hand-over</h2>
 * <ol>
 * <li>The launcher picks an agent: {@code D/PID-IF} for its {@code --interface}. Root's launcher checks that PID lives
 * in its network namespace and runs either as root, named in root's own directories D and D/PID-IF, or wholly as U
 * (not a set-uid program); the agent checks the namespace too (through /proc/PID/net/dev, which it may look at for
 * any process).</li>
 * <li>A member claims a pair by creating {@code N-Q-A.c} exclusively (O_EXCL: bash's noclobber), so no two launchers
 * share one. Root opens nothing by name in a directory U may change: it opens the agent's own descriptors
 * {@code /proc/PID/fd/A} and {@code /proc/PID/fd/Q}, checks on what it opened that they are FIFOs and the files so
 * named (the agent reuses a replaced pair's descriptor numbers), and claims the pair by reading the one byte
 * {@code 'F'} the agent put into a fresh pair of root's answer FIFO (a read from a pipe takes bytes atomically: one
 * launcher gets it).</li>
 * <li>It opens the answer FIFO read-write, then read-only through /proc/self/fd, and closes the first: from then on a
 * read of it ends (end-of-file) when the agent is gone.</li>
 * <li>It opens the request FIFO read-write and writes the request frame.</li>
 * <li>It waits at most {@link #ACCEPT_WINDOW_MILLIS} for the answer's first byte.</li>
 * </ol>
 *
 * <h2>Request frame</h2>
 * NUL-terminated fields: {@value #MAGIC}, LENGTH (decimal: the bytes of everything after this field), the launcher's
 * PID and FD (its descriptor of the request FIFO, by which an agent running as root knows that PID is the writer),
 * LAUNCH and SENT (µs since the epoch when the launcher started and when it wrote this frame; empty where bash has no
 * clock, before 5.0), COUNT (1 to {@value #MAX_ARGUMENTS}), then COUNT arguments. At most {@value #MAX_FRAME_BYTES} bytes in all, counted in
 * bytes, so that it fits into the pipe before anyone reads it. A frame that breaks any of this is refused as a whole:
 * nothing is cut short or joined to another.
 *
 * <h2>The commit point</h2>
 * The frame's first byte, {@code 'v'}, is a token that only one side can take: a read from a pipe takes bytes
 * atomically. The agent takes it when it reads the frame. It commits to the request when the first byte it read was the
 * token and, once the frame is whole, the launcher still holds the request FIFO open; from then on it owes an answer. A
 * launcher whose wait ends without an answer takes the token back by reading one byte from the request FIFO: if that is
 * {@code 'v'}, the agent never took it and never will, and the launcher runs the command itself; otherwise the agent
 * has it, and the launcher waits for the answer without a time limit. A launcher that dies before the agent took the
 * token takes its request with it: its pipe's content goes when its last descriptor closes, or the agent finds no
 * writer left. So a request runs in the agent at most once, and never after its launcher gave up or died.
 *
 * <h2>Answer</h2>
 * Into the answer FIFO, one byte first: {@code 'A'} (accepted) as soon as the agent has taken the request on, then
 * {@value #RESULT_DIGITS} ASCII digits, the exit code (3) and the byte lengths of the standard output (10) and error
 * (10), then those bytes: the agent ran the command, or refused it with an exit code (2 for bad input or an option its
 * caller may not give). Fixed widths, so that bash reads the answer in three reads ({@code read -N}) instead of a
 * system call per byte. Or {@code 'D'} (declined), then a {@link Decline} word and a sentence, each ending in NUL: not
 * run, and the launcher runs the command itself (for {@code elsewhere} and {@code interface} it first tries another
 * agent). If the agent dies after {@code 'A'}, the launcher reads end-of-file and runs the command itself: up and down
 * converge. Then the agent closes and removes the pair and its claim and makes a new one. A pair claimed (its
 * {@code .c} made, or root's token taken) but not written to within {@link #STALE_CLAIM_MILLIS}, or whose launcher went
 * away, is replaced the same way. An agent that is not root's declines ({@code files}) a request of root's that
 * names a log file or lock directory (its files would be U's, not root's) or a --config it cannot read.
 */
final class AgentProtocol {
    static final String MAGIC = "vipctl-request-3";
    static final byte TOKEN = 'v';
    /** POSIX PIPE_BUF, and the least a Linux pipe holds: the launcher writes the frame before anyone reads it. */
    static final int MAX_FRAME_BYTES = 4096;
    static final int MAX_ARGUMENTS = 64;
    /** PID, FD, LAUNCH, SENT, COUNT. */
    private static final int HEADER_FIELDS = 5;
    static final byte ACCEPTED = 'A';
    static final byte DECLINED = 'D';
    /** The exit code (3 digits), then the lengths of the standard output and error (10 each). */
    static final int RESULT_DIGITS = 23;
    /** A healthy agent answers within a millisecond; a stopped or wedged one costs the launcher this, then it runs the command. */
    static final int ACCEPT_WINDOW_MILLIS = 500;
    /** Concurrent hand-overs per user: one more finds no free pair and runs in its own JVM. */
    static final int PAIRS_PER_POOL = 4;
    /** A launcher writes its frame microseconds after its claim; a claim this old was abandoned. */
    static final long STALE_CLAIM_MILLIS = 30_000;
    /** A frame whose rest has not come this long after its first bytes is refused. */
    static final long INCOMPLETE_FRAME_MILLIS = 2_000;

    /** Why the agent did not run a request; the launcher then runs it itself. */
    enum Decline {
        /** The launcher is in another network namespace, or the agent cannot tell which. */
        ELSEWHERE,
        /** The request names another interface than the agent's. */
        INTERFACE,
        /** Every request worker is busy. */
        BUSY,
        /** The frame breaks the protocol. */
        MALFORMED,
        /**
         * An agent that is not root's would have to write or lock a file of root's (a log file or lock directory of
         * root's request), or could not read root's --config.
         */
        FILES;

        String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private AgentProtocol() {
    }

    /** A request that passed {@link FrameReader}: nothing in it is trusted beyond its form. */
    static final class Request {
        final long launcherPid;
        /** The launcher's descriptor of the request FIFO. */
        final int launcherFd;
        /** µs since the epoch, or -1 when the launcher had no clock. */
        final long launchMicros;
        final long sentMicros;
        final List<String> arguments;

        Request(long launcherPid, int launcherFd, long launchMicros, long sentMicros, List<String> arguments) {
            this.launcherPid = launcherPid;
            this.launcherFd = launcherFd;
            this.launchMicros = launchMicros;
            this.sentMicros = sentMicros;
            this.arguments = Collections.unmodifiableList(arguments);
        }
    }

    /** A frame that breaks the protocol, and how. */
    static final class MalformedFrame extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedFrame(String message) {
            super(message);
        }
    }

    /** The bytes read from one request channel, until they make a whole frame. */
    static final class FrameReader {
        enum State {
            /** Nothing yet, or a whole frame not yet. */
            INCOMPLETE,
            /** The first byte was not the token: the launcher took its request back. */
            WITHDRAWN,
            COMPLETE
        }

        private final byte[] bytes = new byte[MAX_FRAME_BYTES];
        private int size;
        private int total = -1;

        /**
         * Adds what one read returned.
         *
         * @throws MalformedFrame as soon as the bytes cannot begin a valid frame (so the agent answers at once)
         */
        State add(byte[] data, int length) throws MalformedFrame {
            if (size == 0 && length > 0 && data[0] != TOKEN) {
                return State.WITHDRAWN;
            }
            if (size + length > MAX_FRAME_BYTES) {
                throw new MalformedFrame("more than " + MAX_FRAME_BYTES + " bytes");
            }
            System.arraycopy(data, 0, bytes, size, length);
            size += length;
            if (total < 0) {
                total = declaredTotal();
            }
            if (total < 0) {
                return State.INCOMPLETE;
            }
            if (size > total) {
                throw new MalformedFrame((size - total) + " byte(s) after the " + total + " the frame declares");
            }
            return size == total ? State.COMPLETE : State.INCOMPLETE;
        }

        boolean isEmpty() {
            return size == 0;
        }

        /** The whole frame's size from the magic and LENGTH fields, or -1 while they are not both here. */
        private int declaredTotal() throws MalformedFrame {
            // Checked byte by byte as they come, so that a launcher that writes something else hears so at once.
            for (int i = 0; i < Math.min(size, MAGIC.length() + 1); i++) {
                if (bytes[i] != (i < MAGIC.length() ? MAGIC.charAt(i) : 0)) {
                    throw new MalformedFrame("does not start with " + MAGIC);
                }
            }
            int magicEnd = MAGIC.length();
            int lengthEnd = indexOfNul(magicEnd + 1);
            for (int i = magicEnd + 1; i < (lengthEnd < 0 ? size : lengthEnd); i++) {
                if (bytes[i] < '0' || bytes[i] > '9' || i - magicEnd > 4) {
                    throw new MalformedFrame("LENGTH is not 1 to 4 digits");
                }
            }
            if (size <= magicEnd || lengthEnd < 0) {
                return -1;
            }
            long length = decimal(magicEnd + 1, lengthEnd, 4, "LENGTH");
            long declared = lengthEnd + 1 + length;
            if (declared > MAX_FRAME_BYTES) {
                throw new MalformedFrame("declares " + declared + " bytes, more than " + MAX_FRAME_BYTES);
            }
            return (int) declared;
        }

        /** The request in a {@link State#COMPLETE} frame. */
        Request request() throws MalformedFrame {
            if (total < 0 || size != total) {
                throw new IllegalStateException("the frame is not complete");
            }
            List<int[]> fields = new ArrayList<>();
            int start = indexOfNul(indexOfNul(0) + 1) + 1;
            while (start < size) {
                int end = indexOfNul(start);
                if (end < 0) {
                    throw new MalformedFrame("its last field does not end in NUL");
                }
                fields.add(new int[] {start, end});
                start = end + 1;
            }
            if (fields.size() < HEADER_FIELDS) {
                throw new MalformedFrame("has " + fields.size() + " fields after LENGTH, not PID, FD, LAUNCH, SENT, COUNT and arguments");
            }
            long pid = decimal(fields.get(0)[0], fields.get(0)[1], 10, "PID");
            long fd = decimal(fields.get(1)[0], fields.get(1)[1], 5, "FD");
            long launch = optionalMicros(fields.get(2), "LAUNCH");
            long sent = optionalMicros(fields.get(3), "SENT");
            long count = decimal(fields.get(4)[0], fields.get(4)[1], 2, "COUNT");
            if (count < 1 || count > MAX_ARGUMENTS) {
                throw new MalformedFrame("COUNT " + count + " is not 1 to " + MAX_ARGUMENTS);
            }
            if (fields.size() - HEADER_FIELDS != count) {
                throw new MalformedFrame("COUNT says " + count + " argument(s), the frame has " + (fields.size() - HEADER_FIELDS));
            }
            List<String> arguments = new ArrayList<>();
            for (int[] field : fields.subList(HEADER_FIELDS, fields.size())) {
                arguments.add(new String(bytes, field[0], field[1] - field[0], StandardCharsets.UTF_8));
            }
            return new Request(pid, (int) fd, launch, sent, arguments);
        }

        private long optionalMicros(int[] field, String name) throws MalformedFrame {
            return field[0] == field[1] ? -1 : decimal(field[0], field[1], 18, name);
        }

        private long decimal(int from, int to, int maxDigits, String name) throws MalformedFrame {
            if (to == from || to - from > maxDigits) {
                throw new MalformedFrame(name + " is not 1 to " + maxDigits + " digits");
            }
            long value = 0;
            for (int i = from; i < to; i++) {
                if (bytes[i] < '0' || bytes[i] > '9') {
                    throw new MalformedFrame(name + " is not a decimal number");
                }
                value = value * 10 + (bytes[i] - '0');
            }
            return value;
        }

        private int indexOfNul(int from) {
            for (int i = from; i < size; i++) {
                if (bytes[i] == 0) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** A request frame as the launcher writes it (the agent's warm-up and the tests write them too). */
    static byte[] frame(long pid, int fd, long launchMicros, long sentMicros, List<String> arguments) {
        StringBuilder body = new StringBuilder();
        body.append(pid).append('\0').append(fd).append('\0').append(launchMicros < 0 ? "" : Long.toString(launchMicros)).append('\0')
                .append(sentMicros < 0 ? "" : Long.toString(sentMicros)).append('\0').append(arguments.size()).append('\0');
        for (String argument : arguments) {
            body.append(argument).append('\0');
        }
        byte[] rest = body.toString().getBytes(StandardCharsets.UTF_8);
        byte[] head = (MAGIC + '\0' + rest.length + '\0').getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + rest.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(rest, 0, all, head.length, rest.length);
        return all;
    }

    /** The first byte of the answer to a request the agent takes on. */
    static byte[] accepted() {
        return new byte[] {ACCEPTED};
    }

    /** What follows {@link #ACCEPTED}: the exit code and the two streams, NULs in them made spaces. */
    static byte[] result(int code, String stdout, String stderr) {
        byte[] out = stdout.replace('\0', ' ').getBytes(StandardCharsets.UTF_8);
        byte[] err = stderr.replace('\0', ' ').getBytes(StandardCharsets.UTF_8);
        byte[] head = String.format(java.util.Locale.ROOT, "%03d%010d%010d", code, out.length, err.length).getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + out.length + err.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(out, 0, all, head.length, out.length);
        System.arraycopy(err, 0, all, head.length + out.length, err.length);
        return all;
    }

    static byte[] declined(Decline why, String sentence) {
        byte[] fields = fields(why.word(), sentence);
        byte[] all = new byte[1 + fields.length];
        all[0] = DECLINED;
        System.arraycopy(fields, 0, all, 1, fields.length);
        return all;
    }

    private static byte[] fields(String... fields) {
        StringBuilder text = new StringBuilder();
        for (String field : fields) {
            text.append(field.replace('\0', ' ')).append('\0');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }
}
