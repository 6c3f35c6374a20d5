package dev.vipctl.agent.cli;

import dev.vipctl.agent.ExitCode;
import dev.vipctl.agent.IoErrors;
import dev.vipctl.agent.Platforms;
import dev.vipctl.agent.TakeoverEngine;
import dev.vipctl.agent.TakeoverException;
import dev.vipctl.agent.Timings;
import dev.vipctl.os.posix.LibC;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code vipctl agent}: a resident JVM that runs the {@code up} and {@code down} requests the launcher hands it, so
 * that a takeover pays no JVM start. The JVM is what is slow to start (class loading, JNA, the JIT); the sockets a
 * request needs open in microseconds once it is warm, so each request opens its own: a socket kept open would buffer
 * old ARP frames that a release check must not read as answers, and requests could not run side by side.
 *
 * <p>The channel is a FIFO, because a bash launcher can write one without starting anything:
 * {@code <agent dir>/<pid>.requests}, in a directory only root (and {@code --agent-group}) may enter. A request is
 * NUL-terminated fields, written in one {@code write} (the launcher keeps it under PIPE_BUF, so concurrent requests
 * do not interleave): {@code vipctl-request-1}, the launcher's start in µs since the epoch, the path of a reply FIFO
 * the launcher made in the agent directory, the number of arguments, the arguments. The reply is NUL-terminated
 * fields too: {@code accepted} at once, then the exit code, the standard output, the standard error; or only
 * {@code elsewhere} when the launcher runs in another network namespace than the agent, whose VIPs are not the
 * agent's to move.
 *
 * <p>A request not accepted within {@link #ACCEPT_WINDOW_MICROS} of its launcher's start is dropped unrun: by then
 * the launcher has given up waiting and runs the command itself, and an old 'up' run after a newer 'down' would
 * bring back a VIP that was meant to be gone. The agent keeps no state between requests: each one looks at the host
 * afresh, so a restart loses nothing.
 */
final class ResidentAgent {
    static final String REQUEST_MAGIC = "vipctl-request-1";
    static final String ACCEPTED = "accepted";
    /** The answer to a launcher in another network namespace (labs, containers) that shares the agent directory. */
    static final String ELSEWHERE = "elsewhere";
    /** The launcher waits this long plus a margin for "accepted", then runs the command itself. */
    static final long ACCEPT_WINDOW_MICROS = 1_000_000;
    /** Bounds what one malformed request can make the agent buffer. */
    static final int MAX_FIELD_BYTES = 4096;
    static final int MAX_ARGUMENTS = 64;
    /** Reply FIFOs the launcher names reply.PID.MICROS (its pid and start): nothing else in the directory is written to. */
    private static final String REPLY_PREFIX = "reply.";
    /** sys/stat.h: S_ISVTX 01000 (sticky: group members cannot remove each other's reply FIFOs), and modes. */
    private static final int ROOT_ONLY_DIRECTORY = 0700;
    private static final int GROUP_DIRECTORY = 01770;
    private static final int ROOT_ONLY_FIFO = 0600;
    private static final int GROUP_WRITABLE_FIFO = 0620;
    /** About a second at start: enough calls for the JIT to compile the request path. */
    private static final int WARM_UP_ROUNDS = 2000;

    private final Settings settings;
    private final Path fifo;
    private final PrintStream out;
    private final AtomicLong served = new AtomicLong();

    private ResidentAgent(Settings settings, Path fifo, PrintStream out) {
        this.settings = settings;
        this.fifo = fifo;
        this.out = out;
    }

    /** Starts up, then serves until stopped (SIGTERM: the FIFO is removed and the agent exits 0). */
    static int run(Settings settings, PrintStream out, PrintStream err) {
        Path fifo = settings.agentDirectory.resolve(ProcessHandle.current().pid() + ".requests");
        ResidentAgent agent = new ResidentAgent(settings, fifo, out);
        try {
            Platforms.checkPrivileges(true, true);
            TakeoverEngine.start(Platforms.open(), settings.interfaceName).close();
            agent.createChannel();
        } catch (TakeoverException e) {
            err.println("vipctl agent: " + e.getMessage());
            return e.exitCode().code();
        }
        Runtime.getRuntime().addShutdownHook(new Thread("vipctl-agent-stop") {
            @Override
            public void run() {
                agent.stop();
            }
        });
        long warmUpMillis = agent.warmUp();
        agent.log("agent started: pid " + ProcessHandle.current().pid() + ", requests through " + fifo + ", interface "
                + settings.interfaceName + " resolved, warmed up in " + warmUpMillis + " ms");
        return agent.serve();
    }

    private void createChannel() throws TakeoverException {
        Path directory = settings.agentDirectory;
        try {
            Files.createDirectories(directory);
            chmod(directory, settings.agentGroup == null ? ROOT_ONLY_DIRECTORY : GROUP_DIRECTORY);
            removeStaleChannels(directory);
            Files.deleteIfExists(fifo);
            if (LibC.mkfifo(fifo.toString(), ROOT_ONLY_FIFO) != 0) {
                throw new IOException("mkfifo " + fifo + " failed, errno " + com.sun.jna.Native.getLastError());
            }
            if (settings.agentGroup != null) {
                GroupPrincipal group = directory.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(settings.agentGroup);
                Files.getFileAttributeView(directory, PosixFileAttributeView.class).setGroup(group);
                Files.getFileAttributeView(fifo, PosixFileAttributeView.class).setGroup(group);
                chmod(fifo, GROUP_WRITABLE_FIFO);
            }
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "cannot set up the request channel in " + directory + ": " + IoErrors.describe(e), e);
        }
    }

    private static void chmod(Path path, int mode) throws IOException {
        if (LibC.chmod(path.toString(), mode) != 0) {
            throw new IOException("chmod " + Integer.toOctalString(mode) + " " + path + " failed, errno " + com.sun.jna.Native.getLastError());
        }
    }

    /** FIFOs of agents that are gone (kill -9 leaves them), so that no launcher writes to a FIFO nobody reads. */
    private static void removeStaleChannels(Path directory) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "*.requests")) {
            for (Path entry : entries) {
                String pid = entry.getFileName().toString().replace(".requests", "");
                if (!Files.exists(Path.of("/proc", pid))) {
                    Files.deleteIfExists(entry);
                }
            }
        }
    }

    /**
     * Runs the request path until the JIT has compiled it: parsing an 'up', 'status' and a 'down' that finds nothing to
     * remove on the agent's interface (netlink dumps and the VIP lock; the address is TEST-NET-1, which no lab or host
     * here uses, so nothing changes).
     */
    private long warmUp() {
        long start = System.nanoTime();
        String[] status = {"status", "--interface", settings.interfaceName, "--vip", "192.0.2.1"};
        String[] up = {"up", "--interface", settings.interfaceName, "--vip", "192.0.2.1/24", "--json"};
        String[] down = {"down", "--interface", settings.interfaceName, "--vip", "192.0.2.1/24", "--json"};
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream());
        for (int i = 0; i < WARM_UP_ROUNDS; i++) {
            try {
                Settings.parse(up);
            } catch (TakeoverException e) {
                throw new IllegalStateException("the warm-up request does not parse: " + e.getMessage(), e);
            }
            new Main(discard, discard, Main.SERVED_BY_AGENT).run(status, new Timings(System.nanoTime(), 0));
            new Main(discard, discard, Main.SERVED_BY_AGENT).run(down, new Timings(System.nanoTime(), 0));
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Reads requests forever; each runs in its own thread, so a long 'up' does not hold up the next request. */
    private int serve() {
        // Read and write: the agent then always has a writer on its own FIFO, so reads never see end-of-file.
        try (FileChannel channel = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE);
             InputStream requests = new BufferedInputStream(Channels.newInputStream(channel))) {
            while (true) {
                List<String> fields = readRequest(requests);
                long receivedNanos = System.nanoTime();
                long receivedMicros = nowMicros();
                Thread worker = new Thread("vipctl-request-" + served.incrementAndGet()) {
                    @Override
                    public void run() {
                        handle(fields, receivedNanos, receivedMicros);
                    }
                };
                worker.start();
            }
        } catch (IOException e) {
            log("agent stopped: cannot read " + fifo + ": " + IoErrors.describe(e));
            return ExitCode.INTERNAL_ERROR.code();
        }
    }

    /**
     * The fields after the next {@link #REQUEST_MAGIC}: what comes before it is logged and skipped, so the channel
     * finds its feet again after a malformed write. Whether the fields make a valid request is {@link Request#parse}'s
     * question.
     */
    private List<String> readRequest(InputStream requests) throws IOException {
        while (true) {
            String magic = readField(requests);
            if (!REQUEST_MAGIC.equals(magic)) {
                log("bad request: skipped a field that is not the start of a request (" + printable(magic) + ")");
                continue;
            }
            List<String> fields = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                fields.add(readField(requests));
            }
            int count = Request.argumentCount(fields.get(2));
            for (int i = 0; i < count; i++) {
                fields.add(readField(requests));
            }
            return fields;
        }
    }

    /** One NUL-terminated field; a field longer than {@link #MAX_FIELD_BYTES} is cut there and the rest skipped. */
    static String readField(InputStream in) throws IOException {
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) > 0) {
            if (field.size() < MAX_FIELD_BYTES) {
                field.write(b);
            }
        }
        if (b < 0) {
            throw new IOException("end of the request channel");
        }
        return field.toString(StandardCharsets.UTF_8);
    }

    private void handle(List<String> fields, long receivedNanos, long receivedMicros) {
        Request request;
        try {
            request = Request.parse(fields, settings.agentDirectory);
        } catch (IllegalArgumentException e) {
            log("bad request, not run: " + e.getMessage());
            return;
        }
        long ageMicros = receivedMicros - request.launchMicros;
        if (ageMicros > ACCEPT_WINDOW_MICROS) {
            log("request dropped unrun, " + ageMicros / 1000 + " ms after its launcher started (its launcher runs it itself): "
                    + String.join(" ", request.arguments));
            return;
        }
        String owner = owner(request.replyFifo);
        try (FileChannel reply = openReply(request.replyFifo)) {
            if (!inThisNetworkNamespace(request.launcherPid)) {
                write(reply, ELSEWHERE);
                return;
            }
            write(reply, ACCEPTED);
            // Timings start when the request arrived; the time before it is the launcher's and the FIFO's.
            Timings timings = new Timings(receivedNanos, Math.max(0, ageMicros));
            int code;
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            String command = request.arguments.isEmpty() ? "" : request.arguments.get(0);
            if (!command.equals("up") && !command.equals("down")) {
                stderr.writeBytes(("vipctl: the resident agent runs 'up' and 'down' only, not '" + command + "'\n").getBytes(StandardCharsets.UTF_8));
                code = ExitCode.BAD_INPUT.code();
            } else {
                try (PrintStream capturedOut = new PrintStream(stdout, true, StandardCharsets.UTF_8);
                     PrintStream capturedErr = new PrintStream(stderr, true, StandardCharsets.UTF_8)) {
                    code = new Main(capturedOut, capturedErr, Main.SERVED_BY_AGENT).run(request.arguments.toArray(new String[0]), timings);
                }
            }
            write(reply, Integer.toString(code), stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
            log("request from " + owner + ": " + String.join(" ", request.arguments) + " -> exit " + code + " in " + (System.nanoTime() - receivedNanos) / 1000 + " µs, " + ageMicros + " µs after its launcher started");
        } catch (IOException | RuntimeException e) {
            log("request failed: " + String.join(" ", request.arguments) + ": " + e);
        }
    }

    /**
     * Opens the launcher's reply FIFO for reading and writing, so that the open never waits for a reader, and only if
     * it is a FIFO in the agent directory that is not a link: a request must not make root write anywhere else.
     */
    private static FileChannel openReply(Path replyFifo) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(replyFifo, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isOther()) {
            throw new IOException(replyFifo + " is not a FIFO");
        }
        FileChannel channel = FileChannel.open(replyFifo, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        // The launcher keeps its end open; the name is no longer needed.
        Files.deleteIfExists(replyFifo);
        return channel;
    }

    private static boolean inThisNetworkNamespace(String pid) throws IOException {
        return Files.isSameFile(Path.of("/proc", pid, "ns", "net"), Path.of("/proc/self/ns/net"));
    }

    private static String owner(Path replyFifo) {
        try {
            return "uid " + Files.getAttribute(replyFifo, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException gone) {
            return "the launcher";
        }
    }

    private static void write(FileChannel reply, String... fields) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String field : fields) {
            text.append(field.replace('\0', ' ')).append('\0');
        }
        ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            reply.write(bytes);
        }
    }

    private void stop() {
        try {
            Files.deleteIfExists(fifo);
        } catch (IOException e) {
            // Left behind, it is removed by the next agent's start (its pid is gone); launchers skip it meanwhile.
        }
        log("agent stopped after " + served.get() + " request(s)");
    }

    /** One line to the agent's --log-file, or to stderr (systemd's journal) without one. */
    private synchronized void log(String text) {
        String line = RunLog.format(LocalDateTime.ofInstant(Instant.now(), ZoneId.systemDefault())) + " vipctl-agent["
                + ProcessHandle.current().pid() + "] " + text;
        if (settings.logFile == null) {
            System.err.println(line);
            return;
        }
        try {
            Files.writeString(settings.logFile, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println(line + " (cannot append to --log-file " + settings.logFile + ": " + IoErrors.describe(e) + ")");
        }
        if (!settings.quiet && text.startsWith("agent ")) {
            out.println(line);
        }
    }

    private static String printable(String text) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return shown.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    /** One request, checked: nothing in it is trusted before this. */
    static final class Request {
        final long launchMicros;
        final Path replyFifo;
        final String launcherPid;
        final List<String> arguments;

        private Request(long launchMicros, Path replyFifo, String launcherPid, List<String> arguments) {
            this.launchMicros = launchMicros;
            this.replyFifo = replyFifo;
            this.launcherPid = launcherPid;
            this.arguments = arguments;
        }

        /** The argument count field; a bad one counts as none, and {@link #parse} then refuses the request. */
        static int argumentCount(String field) {
            if (field.isEmpty() || field.length() > 2 || !field.chars().allMatch(Character::isDigit)) {
                return 0;
            }
            return Math.min(Integer.parseInt(field), MAX_ARGUMENTS);
        }

        /**
         * @param fields everything after the magic: launch µs, reply FIFO, argument count, arguments
         * @throws IllegalArgumentException saying what is wrong
         */
        static Request parse(List<String> fields, Path agentDirectory) {
            if (fields.size() < 3) {
                throw new IllegalArgumentException("incomplete request");
            }
            String launch = fields.get(0);
            if (launch.isEmpty() || launch.length() > 18 || !launch.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("launch time '" + printable(launch) + "' is not µs since the epoch");
            }
            Path reply = Path.of(fields.get(1));
            String name = reply.getFileName() == null ? "" : reply.getFileName().toString();
            if (!agentDirectory.equals(reply.getParent()) || !name.startsWith(REPLY_PREFIX)
                    || !name.substring(REPLY_PREFIX.length()).matches("[0-9]+\\.[0-9]+")) {
                throw new IllegalArgumentException("reply FIFO '" + printable(fields.get(1)) + "' is not " + agentDirectory + "/reply.PID.MICROS");
            }
            int count = argumentCount(fields.get(2));
            if (count == 0 || fields.size() != 3 + count) {
                throw new IllegalArgumentException("argument count '" + printable(fields.get(2)) + "' is not 1-" + MAX_ARGUMENTS
                        + " matching the arguments given");
            }
            String launcherPid = name.substring(REPLY_PREFIX.length(), name.lastIndexOf('.'));
            return new Request(Long.parseLong(launch), reply, launcherPid, Arrays.asList(fields.subList(3, fields.size()).toArray(new String[0])));
        }
    }
}
