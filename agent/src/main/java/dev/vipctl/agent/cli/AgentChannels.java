package dev.vipctl.agent.cli;

import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import dev.vipctl.agent.IoErrors;
import dev.vipctl.linux.Errno;
import dev.vipctl.linux.FileCalls;
import dev.vipctl.linux.PollSet;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The resident agent's side of {@link AgentProtocol} on Linux: its directory, the pools of FIFO pairs, and the threads
 * that take turns waiting on every free pair, read the frames, decide the commit point and run what they committed to.
 * What a request asks, and whether its caller may ask it, is {@link ResidentAgent}'s business.
 */
final class AgentChannels implements AutoCloseable {
    /** Gets each committed request; must answer it through the channel, on any thread. */
    interface Dispatcher {
        void dispatch(Channel channel, AgentProtocol.Request request);
    }

    /** Where the agent's lines go. */
    interface Log {
        void line(String text);

        /** A line about a caller's mistake or misbehaviour: these may be rate-limited, so that no caller can fill the log. */
        void problem(String text);
    }

    /** A directory the agent will not put its channels in. */
    static final class UnsafeDirectory extends IOException {
        private static final long serialVersionUID = 1L;

        UnsafeDirectory(String message) {
            super(message);
        }
    }

    private static final int ROOT = 0;
    /**
     * The agent's own user: root, or (under its systemd unit) an unprivileged user with CAP_NET_ADMIN and CAP_NET_RAW
     * only. Its directories and FIFOs are this user's; it hands a member's to the member by an ACL, not by chown.
     */
    static final int OWNER = FileCalls.geteuid();
    /** The token in a free pair of root's answer FIFO; the launcher that reads it has claimed the pair. */
    static final byte FREE = 'F';
    /** Pools for group members; more are refused (and logged), so the group cannot make the agent grow without end. */
    static final int MAX_MEMBER_POOLS = 32;
    private static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** An idle leader's round: its wait ends for the sweep every {@link #SWEEP_NANOS}; twice that, for a slow sweep. */
    private static final long LONGEST_IDLE_ROUND_NANOS = 2 * SWEEP_NANOS;
    /**
     * A request answered within this is answered in one write, "accepted" and all (one wake-up of the launcher instead
     * of two); one that runs longer is told "accepted" then, well inside the launcher's accept window.
     */
    private static final long ACCEPT_LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** A launcher that does not read its answer for this long loses it; the request thread goes on. */
    private static final long ANSWER_WRITE_MILLIS = 10_000;
    private static final int AGENT_DIRECTORY_MODE = 0755;
    private static final int HOME_MODE = 0700;
    private static final int GROUP_HOME_MODE = 0750;
    private static final int POOL_MODE = 0700;
    /** sys/stat.h S_ISVTX 01000: members may add files to new/ but not remove or list one another's. */
    private static final int NEW_MODE = 01730;
    private static final int PAIR_MODE = 0600;
    /** What one wake-up reads from a request FIFO at most, so that a writer that never stops cannot hold the agent. */
    private static final int MAX_DRAIN_BYTES = 16 * AgentProtocol.MAX_FRAME_BYTES;
    private static final String NEW = "new";
    /** The suffix of a pair's names while the agent makes it. */
    private static final String UNREADY = ".new";
    /** Locked by the agent for its whole life: a directory whose lock anyone can take is a dead agent's. */
    private static final String ALIVE = "alive";

    private final Path agentDirectory;
    private final Path home;
    private final Path staging;
    /** Where the agent's directory is now: {@link #staging} until {@link #publish}, then {@link #home}. */
    private Path current;
    private final GroupPrincipal group;
    private final Log log;
    private final Map<Integer, Pool> pools = new LinkedHashMap<>();
    private final ConcurrentLinkedQueue<Channel> finished = new ConcurrentLinkedQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    /** The wake-up pipe; -1 until made, so that a close before then never closes descriptor 0. */
    private final int[] wake = {-1, -1};
    private int aliveFd = -1;
    /** With a group: an inotify descriptor on new/, or -1. */
    private int newPoolsWatch = -1;
    /** This process's /proc/self/net/dev: the same file for every process of one network namespace. */
    private final FileCalls.OpenFile netNamespace;
    private volatile boolean closed;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final List<Thread> serving = new ArrayList<>();
    /** This object made {@link #staging}: only then does {@link #close} remove it. */
    private boolean madeStaging;
    private volatile IOException failure;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch published = new CountDownLatch(1);
    private volatile boolean publishing;
    private boolean refusedPoolsLogged;
    /**
     * Held by the thread that waits on the pairs; the state above is the leader's alone. Fair: threads lead in turn, and
     * {@link #publish} gets its turn instead of losing every race to a leader that takes the lock straight back.
     */
    private final ReentrantLock leadership = new ReentrantLock(true);
    private long lastSweep = System.nanoTime();
    /**
     * When a leader last came round its wait for requests, which it does at least every {@link #SWEEP_NANOS}, busy or
     * idle (requests run outside it): the watchdog's sign that the agent still serves.
     */
    private volatile long lastRoundNanos = System.nanoTime();
    private int threads;
    /** Requests committed to and not yet answered; at most {@code threads - 1}. */
    private final AtomicInteger unanswered = new AtomicInteger();
    private final AtomicInteger unansweredOfMembers = new AtomicInteger();

    private AgentChannels(Path agentDirectory, String name, GroupPrincipal group, Log log) throws IOException {
        this.agentDirectory = agentDirectory;
        this.home = agentDirectory.resolve(name);
        this.staging = agentDirectory.resolve("." + name);
        this.current = staging;
        this.group = group;
        this.log = log;
        this.netNamespace = netNamespaceOf("self");
    }

    /**
     * Makes the agent's directory with root's pool, not yet visible to launchers (see {@link #publish}); removes what
     * agents that are gone left behind.
     *
     * @param group the group whose members may hand requests over too, or null
     * @throws IOException when the directory cannot be made, or a directory above it may be changed by another user
     */
    static AgentChannels prepare(Path agentDirectory, String interfaceName, GroupPrincipal group, Log log) throws IOException {
        Path existing = agentDirectory;
        while (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        checkOnlyRootCanChange(existing);
        if (!existing.equals(agentDirectory)) {
            Files.createDirectories(agentDirectory);
            Files.setAttribute(agentDirectory, "unix:mode", AGENT_DIRECTORY_MODE, LinkOption.NOFOLLOW_LINKS);
        }
        checkOnlyRootCanChange(agentDirectory);
        // Itself, unlike the directories above it, not even sticky: whoever may add names there could make a pool of a
        // member's name under a directory that looks like an agent's, and answer that member.
        if ((FileCalls.describe(agentDirectory.toRealPath()).permissions() & 0022) != 0) {
            throw new UnsafeDirectory(agentDirectory + " is writable by others: the agent's channels must lie where only its owner can"
                    + " add names (--agent-dir; a new directory is made 0755)");
        }
        AgentChannels channels = new AgentChannels(agentDirectory, ProcessHandle.current().pid() + "-" + interfaceName, group, log);
        channels.removeLeftovers();
        try {
            channels.build();
        } catch (IOException | RuntimeException e) {
            channels.close();
            throw e;
        }
        return channels;
    }

    /**
     * Every existing directory from {@code directory} up to / must be root's or the agent's own user's, and writable by
     * nobody else (or sticky, like /tmp): else another user could swap a directory the agent creates its channels in.
     */
    private static void checkOnlyRootCanChange(Path directory) throws IOException {
        // The path as named (a link is checked itself: its owner could point it elsewhere later), and where it leads.
        for (Path path : new Path[] {directory.toAbsolutePath().normalize(), directory.toRealPath()}) {
            for (Path at = path; at != null; at = at.getParent()) {
                FileCalls.OpenFile file = FileCalls.describe(at);
                boolean link = (file.mode & FileCalls.S_IFMT) == FileCalls.S_IFLNK;
                boolean othersMayWrite = !link && (file.permissions() & 0022) != 0 && (file.permissions() & 01000) == 0;
                boolean foreign = file.uid != ROOT && file.uid != OWNER;
                if (foreign || othersMayWrite) {
                    throw new UnsafeDirectory(at + " is " + (foreign ? "owned by uid " + file.uid : "writable by others")
                            + ": the agent's channels must lie where only root" + (OWNER == ROOT ? "" : " or the agent's user (uid " + OWNER + ")")
                            + " can change them (--agent-dir)");
                }
            }
        }
    }

    /**
     * Directories of agents that are gone ({@code kill -9} leaves them), published or not: their {@value #ALIVE} lock
     * is free (whatever process now has their pid). Anything else in the directory is left alone.
     */
    private void removeLeftovers() throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(agentDirectory)) {
            for (Path entry : entries) {
                if (!entry.getFileName().toString().matches("\\.?[0-9]+-.+") || !Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                int fd = FileCalls.open(entry.resolve(ALIVE).toString(), FileCalls.O_RDONLY | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC, 0);
                boolean dead = fd < 0 || FileCalls.flock(fd, FileCalls.LOCK_EX | FileCalls.LOCK_NB) == 0;
                if (fd >= 0) {
                    FileCalls.close(fd);
                }
                if (dead) {
                    deleteTree(entry);
                }
            }
        }
    }

    private void build() throws IOException {
        Files.createDirectory(staging);
        madeStaging = true;
        Files.setAttribute(staging, "unix:mode", group == null ? HOME_MODE : GROUP_HOME_MODE);
        aliveFd = FileCalls.open(staging.resolve(ALIVE).toString(), FileCalls.O_RDWR | FileCalls.O_CREAT | FileCalls.O_EXCL | FileCalls.O_CLOEXEC, 0600);
        if (aliveFd < 0 || FileCalls.flock(aliveFd, FileCalls.LOCK_EX | FileCalls.LOCK_NB) != 0) {
            throw new IOException("cannot lock " + staging.resolve(ALIVE) + ": " + Errno.describe(Native.getLastError()));
        }
        if (group != null) {
            Files.getFileAttributeView(staging, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(group);
            Path newPools = staging.resolve(NEW);
            Files.createDirectory(newPools);
            Files.getFileAttributeView(newPools, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(group);
            Files.setAttribute(newPools, "unix:mode", NEW_MODE);
            // A member's launcher waits for its pool: the leader hears of new/UID at once, not at the next sweep.
            newPoolsWatch = FileCalls.inotify_init1(FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC);
            if (newPoolsWatch < 0 || FileCalls.inotify_add_watch(newPoolsWatch, newPools.toString(),
                    FileCalls.IN_CREATE | FileCalls.IN_MOVED_TO | FileCalls.IN_ATTRIB) < 0) {
                throw new IOException("cannot watch " + newPools + ": " + Errno.describe(Native.getLastError()));
            }
        }
        if (FileCalls.pipe2(wake, FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC) != 0) {
            throw new IOException("cannot make the agent's wake-up pipe: " + Errno.describe(Native.getLastError()));
        }
        addPool(ROOT, staging);
    }

    /** Renames the agent's directory into place, through the leader, whose state it is: from now on launchers find it. */
    void publish() throws IOException, InterruptedException {
        if (serving.isEmpty()) {
            publishNow(); // nobody serves yet, so nobody else touches the pools
            return;
        }
        publishing = true;
        FileCalls.write(wake[1], new byte[] {1}, new NativeLong(1));
        published.await();
        if (failure != null) {
            throw failure;
        }
    }

    /** The leader's part of {@link #publish}: the directory's pools move with it. */
    private void publishNow() throws IOException {
        publishing = false;
        try {
            Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
            current = home;
            for (Pool pool : pools.values()) {
                pool.directory = home.resolve(pool.directory.getFileName());
            }
        } finally {
            published.countDown();
        }
    }

    Path home() {
        return home;
    }

    // --- pools and pairs (the leader's, once serving has started) ---

    /** One user's pairs. */
    final class Pool {
        final int uid;
        Path directory;
        final List<Channel> channels = new ArrayList<>();

        Pool(int uid, Path directory) {
            this.uid = uid;
            this.directory = directory;
        }
    }

    private void addPool(int uid, Path parent) throws IOException {
        Path directory = parent.resolve(Integer.toString(uid));
        Files.createDirectory(directory);
        Files.setAttribute(directory, "unix:mode", POOL_MODE);
        Pool pool = new Pool(uid, directory);
        try {
            for (int i = 0; i < AgentProtocol.PAIRS_PER_POOL; i++) {
                pool.channels.add(newChannel(pool));
            }
            // Handed to the user last: until then no one but the agent's user can touch the directory.
            if (grantedByAcl(uid)) {
                int fd = FileCalls.open(directory.toString(), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC, 0);
                if (fd < 0) {
                    throw new IOException("cannot open " + directory + ": " + Errno.describe(Native.getLastError()));
                }
                try {
                    FileCalls.grantUser(fd, 07, uid, 07);
                } finally {
                    FileCalls.close(fd);
                }
            }
        } catch (IOException | RuntimeException e) {
            for (Channel channel : pool.channels) {
                channel.closeDescriptors();
            }
            deleteTree(directory); // no half-made pool: the user may ask again
            throw e;
        }
        pools.put(uid, pool);
    }

    /**
     * Whether {@code uid} gets into its pool through an ACL entry of its own: every member does. Root needs none (it
     * may open anything), and the agent's own user owns the pool.
     */
    private static boolean grantedByAcl(int uid) {
        return uid != ROOT && uid != OWNER;
    }

    /**
     * A fresh pair in {@code pool}: made and opened by the agent under names no launcher looks for, checked on the
     * descriptors (a FIFO of the agent's user, as made, so not something the pool's user put under that name
     * meanwhile), opened to the pool's user by an ACL entry, and only then renamed to {@code N-Q-A.a} and, last,
     * {@code N-Q-A.q} (Q and A: the agent's descriptors of the two): a launcher that finds {@code .q} finds a pair the
     * agent holds. Root's pairs get the token {@link #FREE} in their answer FIFO first: root claims a pair by reading
     * it, through the agent's descriptor, never by a name (see {@link AgentProtocol}).
     */
    private Channel newChannel(Pool pool) throws IOException {
        for (int attempt = 0; ; attempt++) {
            long number = sequence.incrementAndGet();
            Path queue = pool.directory.resolve(number + ".q" + UNREADY);
            Path answer = pool.directory.resolve(number + ".a" + UNREADY);
            int queueFd = -1;
            int answerFd = -1;
            try {
                makeFifo(queue);
                makeFifo(answer);
                queueFd = openFifo(queue, FileCalls.O_RDONLY);
                answerFd = openFifo(answer, FileCalls.O_RDWR);
                FileCalls.OpenFile queueFile = FileCalls.describe(queueFd);
                FileCalls.OpenFile answerFile = FileCalls.describe(answerFd);
                if (!queueFile.isFifo() || !answerFile.isFifo() || queueFile.uid != OWNER || answerFile.uid != OWNER) {
                    throw new IOException("a file other than the agent's FIFO took the name " + queue + " or " + answer);
                }
                for (int fd : new int[] {queueFd, answerFd}) {
                    if (FileCalls.fchmod(fd, PAIR_MODE) != 0) {
                        throw new IOException("cannot set the mode of a FIFO in " + pool.directory + ": " + Errno.describe(Native.getLastError()));
                    }
                    if (grantedByAcl(pool.uid)) {
                        FileCalls.grantUser(fd, 06, pool.uid, 06);
                    }
                }
                if (pool.uid == ROOT && FileCalls.write(answerFd, new byte[] {FREE}, new NativeLong(1)).longValue() != 1) {
                    throw new IOException("cannot put the free token into " + answer + ": " + Errno.describe(Native.getLastError()));
                }
                String name = number + "-" + queueFd + "-" + answerFd;
                Files.move(answer, pool.directory.resolve(name + ".a"), StandardCopyOption.ATOMIC_MOVE);
                Files.move(queue, pool.directory.resolve(name + ".q"), StandardCopyOption.ATOMIC_MOVE);
                return new Channel(pool, number, name, queueFd, answerFd, queueFile);
            } catch (IOException e) {
                closeQuietly(queueFd);
                closeQuietly(answerFd);
                for (String suffix : new String[] {".q", ".a"}) {
                    Files.deleteIfExists(pool.directory.resolve(number + suffix + UNREADY));
                    if (queueFd >= 0 && answerFd >= 0) {
                        Files.deleteIfExists(pool.directory.resolve(number + "-" + queueFd + "-" + answerFd + suffix));
                    }
                }
                if (attempt >= 2) {
                    throw e;
                }
            }
        }
    }

    private static void makeFifo(Path path) throws IOException {
        if (FileCalls.mkfifo(path.toString(), PAIR_MODE) != 0) {
            throw new IOException("cannot make the FIFO " + path + ": " + Errno.describe(Native.getLastError()));
        }
    }

    /** Never blocks, never follows a link, and is not inherited by the commands the agent might start. */
    private static int openFifo(Path path, int access) throws IOException {
        int fd = FileCalls.open(path.toString(), access | FileCalls.O_NONBLOCK | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("cannot open the FIFO " + path + ": " + Errno.describe(Native.getLastError()));
        }
        return fd;
    }

    /** Closes the pair, removes its names and its claim, and puts a new pair in its place. */
    private void replace(Channel channel) {
        Pool pool = channel.pool;
        pool.channels.remove(channel);
        channel.closeDescriptors();
        for (String suffix : new String[] {".q", ".a", ".c"}) {
            try {
                Files.deleteIfExists(pool.directory.resolve(channel.name + suffix));
            } catch (IOException e) {
                log.line("cannot remove " + pool.directory.resolve(channel.name + suffix) + ": " + IoErrors.describe(e));
            }
        }
        if (closed || pools.get(pool.uid) != pool) {
            return;
        }
        try {
            pool.channels.add(newChannel(pool));
        } catch (IOException e) {
            log.line("cannot make a new request channel for uid " + pool.uid + " (" + pool.channels.size() + " left): " + e.getMessage());
        }
    }

    // --- serving ---

    /** A request the agent committed to, and the pair it came on. */
    private static final class Committed {
        final Channel channel;
        final AgentProtocol.Request request;

        Committed(Channel channel, AgentProtocol.Request request) {
            this.channel = channel;
            this.request = request;
        }
    }

    /**
     * Serves with {@code threads} threads until {@link #close}. One thread at a time leads: it waits on every free pair
     * and reads what launchers write. The leader that commits to a request lets the next thread lead and runs the
     * request itself, so that no request waits for a thread to wake up; when no other thread is free to lead, it
     * declines the request instead ({@link AgentProtocol.Decline#BUSY}). So at most {@code threads - 1} requests run at
     * once. Serving starts before {@link #publish}, so that the warm-up's requests come through the same path.
     */
    void start(Dispatcher dispatcher, int threads) {
        this.threads = threads;
        for (int i = 1; i <= threads; i++) {
            Thread thread = new Thread("vipctl-agent-" + i) {
                @Override
                public void run() {
                    lead(dispatcher);
                }
            };
            thread.setDaemon(true);
            serving.add(thread);
            thread.start();
        }
    }

    /**
     * Waits until serving ends: by {@link #close} (returns), or because waiting on the pairs failed (throws that).
     */
    void awaitStop() throws IOException, InterruptedException {
        stopped.await();
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Whether the agent still serves: not closed, and a leader came round its wait within {@code nanos}, or within
     * {@link #LONGEST_IDLE_ROUND_NANOS} if that is longer (a healthy idle agent must not look hung). A leader that hangs
     * (a system call that never returns, a lock never released), or serving threads that all died, make it false;
     * requests that run long do not, since they run outside the leader's round.
     */
    boolean cameRoundWithin(long nanos) {
        return !closed && System.nanoTime() - lastRoundNanos < Math.max(nanos, LONGEST_IDLE_ROUND_NANOS);
    }

    /** The pool of {@code uid}'s pairs (before {@link #publish}, in the unpublished directory). */
    Path pool(int uid) {
        return pools.get(uid).directory;
    }

    private void lead(Dispatcher dispatcher) {
        byte[] buffer = new byte[AgentProtocol.MAX_FRAME_BYTES + 1];
        PollSet waiting = new PollSet(1 + AgentProtocol.PAIRS_PER_POOL);
        List<Channel> polled = new ArrayList<>();
        while (!closed) {
            Committed next;
            leadership.lock();
            try {
                next = closed ? null : nextRequest(waiting, polled, buffer);
                lastRoundNanos = System.nanoTime();
                // Counted from here until its answer is written (Channel.release), not until its thread is back: a thread
                // that answered may still wait for a CPU, and its request is done.
                String busy = next == null ? null : next.channel.count(threads);
                if (busy != null) {
                    next.channel.decline(AgentProtocol.Decline.BUSY, busy);
                    log.problem("request from uid " + next.channel.uid() + " declined: " + busy);
                    next = null;
                }
            } catch (IOException e) {
                failure = e;
                next = null;
            } catch (RuntimeException e) {
                // A bug: said, and the next round waits afresh rather than the thread dying with its turn.
                log.line("internal error while waiting for requests (please report it): " + e);
                next = null;
            } finally {
                leadership.unlock();
            }
            if (failure != null) {
                close(); // waiting itself failed: the agent stops (awaitStop throws it)
                return;
            }
            if (next != null) {
                try {
                    dispatcher.dispatch(next.channel, next.request);
                } finally {
                    next.channel.release(); // a dispatcher that failed to answer: the launcher reads end-of-file
                }
            }
        }
    }

    /**
     * Waits until a launcher's request is committed (and returns it), or until something else needs the leader:
     * finished pairs to replace, a request running long enough to be told "accepted", the sweep. Returns null then.
     */
    private Committed nextRequest(PollSet waiting, List<Channel> polled, byte[] buffer) throws IOException {
        waiting.clear();
        polled.clear();
        waiting.add(wake[0], PollSet.POLLIN);
        int watchIndex = newPoolsWatch < 0 ? -1 : waiting.add(newPoolsWatch, PollSet.POLLIN);
        int first = waiting.size();
        long now = System.nanoTime();
        long timeoutNanos = Math.max(0, lastSweep + SWEEP_NANOS - now);
        for (Pool pool : pools.values()) {
            for (Channel channel : pool.channels) {
                if (!channel.committed) {
                    waiting.add(channel.queueFd, PollSet.POLLIN);
                    polled.add(channel);
                } else if (channel.waitsForAccept()) {
                    timeoutNanos = Math.min(timeoutNanos, Math.max(0, channel.receivedNanos + ACCEPT_LATE_NANOS - now));
                }
            }
        }
        waiting.poll((int) TimeUnit.NANOSECONDS.toMillis(timeoutNanos + 999_999));
        if (closed) {
            return null;
        }
        drain(wake[0]);
        if (publishing) {
            publishNow();
        }
        if (watchIndex >= 0 && waiting.returned(watchIndex) != 0) {
            drain(newPoolsWatch);
            addRequestedPools();
        }
        for (Channel done; (done = finished.poll()) != null; ) {
            replace(done);
        }
        now = System.nanoTime();
        for (Pool pool : pools.values()) {
            for (Channel channel : pool.channels) {
                if (channel.committed && now - channel.receivedNanos >= ACCEPT_LATE_NANOS) {
                    channel.acceptLate();
                }
            }
        }
        if (now - lastSweep >= SWEEP_NANOS) {
            sweep();
            lastSweep = System.nanoTime();
        }
        for (int i = 0; i < polled.size(); i++) {
            Channel channel = polled.get(i);
            // Not one that the sweep or a replacement dealt with since the poll began.
            if (waiting.returned(first + i) != 0 && !channel.committed && pools.get(channel.pool.uid) == channel.pool
                    && channel.pool.channels.contains(channel)) {
                Committed committed = read(channel, buffer);
                if (committed != null) {
                    return committed;
                }
            }
        }
        return null;
    }

    /**
     * A process's network namespace, as a file anyone may look at: /proc/PID/net/dev is one file per namespace (unlike
     * /proc/PID/ns/net, which only root or the process's own user may follow).
     */
    private static FileCalls.OpenFile netNamespaceOf(String process) throws IOException {
        return FileCalls.describe(Path.of("/proc", process, "net", "dev"));
    }

    /** Reads a non-blocking descriptor empty: only a wake-up, the state says what to do. */
    private static void drain(int fd) {
        byte[] bytes = new byte[4096];
        while (FileCalls.read(fd, bytes, new NativeLong(bytes.length)).longValue() > 0) {
            // nothing to keep
        }
    }

    /**
     * Reads all that is in a pair's request FIFO, to the point where a read would wait (a launcher holds it open) or
     * ends (none does), and applies the commit rule of {@link AgentProtocol}.
     */
    private Committed read(Channel channel, byte[] buffer) {
        AgentProtocol.FrameReader.State state = AgentProtocol.FrameReader.State.INCOMPLETE;
        String malformed = null;
        boolean writerLeft;
        long drained = 0;
        while (true) {
            long n = FileCalls.read(channel.queueFd, buffer, new NativeLong(buffer.length)).longValue();
            if (n > 0 && (drained += n) > MAX_DRAIN_BYTES) {
                malformed = "a launcher kept writing past " + MAX_DRAIN_BYTES + " bytes";
                writerLeft = false;
                break;
            }
            if (n > 0) {
                if (channel.firstBytesNanos == 0) {
                    channel.firstBytesNanos = System.nanoTime();
                }
                if (state != AgentProtocol.FrameReader.State.WITHDRAWN && malformed == null) {
                    try {
                        state = channel.frame.add(buffer, (int) n);
                    } catch (AgentProtocol.MalformedFrame e) {
                        malformed = e.getMessage();
                    }
                }
                continue; // what follows a withdrawn or malformed frame is read and dropped
            }
            int errno = n == 0 ? 0 : Native.getLastError();
            if (errno == Errno.EINTR) {
                continue;
            }
            writerLeft = errno != Errno.EAGAIN;
            break;
        }
        String where = "uid " + channel.pool.uid + " channel " + channel.number;
        if (state == AgentProtocol.FrameReader.State.WITHDRAWN) {
            log.problem("request on " + where + " withdrawn by its launcher before the agent read it (it runs the command itself)");
            replace(channel);
        } else if (malformed != null) {
            log.problem("bad request on " + where + ", not run: " + malformed);
            if (writerLeft) {
                replace(channel);
            } else {
                channel.committed = true;
                channel.decline(AgentProtocol.Decline.MALFORMED, "the request breaks the protocol: " + malformed);
            }
        } else if (state == AgentProtocol.FrameReader.State.COMPLETE) {
            if (writerLeft) {
                log.problem("request on " + where + " not run: its launcher went away before the agent took it");
                replace(channel);
                return null;
            }
            channel.committed = true;
            channel.receivedNanos = System.nanoTime();
            channel.receivedMicros = nowMicros();
            AgentProtocol.Request request;
            try {
                request = channel.frame.request();
            } catch (AgentProtocol.MalformedFrame e) {
                log.problem("bad request on " + where + ", not run: " + e.getMessage());
                channel.decline(AgentProtocol.Decline.MALFORMED, "the request breaks the protocol: " + e.getMessage());
                return null;
            }
            return new Committed(channel, request);
        } else if (writerLeft) {
            // Claimed and abandoned, or cut off while writing: nobody waits for an answer.
            if (!channel.frame.isEmpty()) {
                log.problem("request on " + where + " not run: its launcher went away in the middle of writing it");
            }
            replace(channel);
        }
        return null;
    }

    /** Once a second: frames that never finished, claims abandoned before a frame came, and new member pools. */
    private void sweep() {
        long now = System.nanoTime();
        for (Pool pool : new ArrayList<>(pools.values())) {
            for (Channel channel : new ArrayList<>(pool.channels)) {
                if (channel.committed) {
                    continue;
                }
                if (!channel.frame.isEmpty()) {
                    if (now - channel.firstBytesNanos > TimeUnit.MILLISECONDS.toNanos(AgentProtocol.INCOMPLETE_FRAME_MILLIS)) {
                        channel.committed = true;
                        log.problem("bad request on uid " + pool.uid + " channel " + channel.number + ", not run: incomplete after "
                                + AgentProtocol.INCOMPLETE_FRAME_MILLIS + " ms");
                        channel.decline(AgentProtocol.Decline.MALFORMED, "the request was incomplete after "
                                + AgentProtocol.INCOMPLETE_FRAME_MILLIS + " ms");
                    }
                } else if (abandoned(pool, channel, now)) {
                    log.problem("request channel " + channel.number + " of uid " + pool.uid + " claimed " + AgentProtocol.STALE_CLAIM_MILLIS / 1000
                            + " s ago and never used, or its FIFOs are gone: replaced");
                    replace(channel);
                }
            }
        }
        for (Pool pool : pools.values()) {
            removeStrays(pool);
        }
        if (group != null) {
            addRequestedPools();
        }
    }

    /**
     * Whatever lies in a pool but the live pairs and their claims: a claim that lost the race with a pair's
     * replacement, or files the pool's user put there. So that no pool grows.
     */
    private void removeStrays(Pool pool) {
        Set<String> live = new HashSet<>();
        for (Channel channel : pool.channels) {
            for (String suffix : new String[] {".q", ".a", ".c"}) {
                live.add(channel.name + suffix);
            }
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(pool.directory)) {
            for (Path entry : entries) {
                if (!live.contains(entry.getFileName().toString())) {
                    removeEntry(entry);
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            log.problem("cannot look through " + pool.directory + ": " + e.getMessage());
        }
    }

    /**
     * Claimed too long ago with nothing written, or (a member's pair) the FIFOs under its names are no longer the
     * agent's. A pair of root's is claimed once its {@link #FREE} token is gone, which the sweeps see.
     */
    private static boolean abandoned(Pool pool, Channel channel, long now) {
        if (pool.uid == ROOT) {
            try {
                if (!channel.tokenTaken()) {
                    return false;
                }
            } catch (IOException e) {
                return true;
            }
            if (channel.claimedNanos == 0) {
                channel.claimedNanos = now;
            }
            return now - channel.claimedNanos > TimeUnit.MILLISECONDS.toNanos(AgentProtocol.STALE_CLAIM_MILLIS);
        }
        try {
            FileCalls.OpenFile queue = FileCalls.describe(pool.directory.resolve(channel.name + ".q"));
            if (!queue.sameFileAs(channel.queueFile)) {
                return true;
            }
            FileTime claimed = Files.getLastModifiedTime(pool.directory.resolve(channel.name + ".c"), LinkOption.NOFOLLOW_LINKS);
            return System.currentTimeMillis() - claimed.toMillis() > AgentProtocol.STALE_CLAIM_MILLIS;
        } catch (NoSuchFileException unclaimed) {
            return unclaimed.getFile().endsWith(".q");
        } catch (IOException e) {
            return true;
        }
    }

    /** Members ask for a pool by creating new/UID; the file's owner, set by the kernel, must be that uid. */
    private void addRequestedPools() {
        Path newPools = current.resolve(NEW);
        try (DirectoryStream<Path> requests = Files.newDirectoryStream(newPools)) {
            for (Path request : requests) {
                addRequestedPool(request);
                // Taken away last: the member's launcher waits for that, then finds its pool (or the log says why not).
                removeEntry(request);
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            log.problem("cannot look through " + newPools + ": " + e.getMessage());
        }
    }

    private void addRequestedPool(Path request) {
        String name = request.getFileName().toString();
        FileCalls.OpenFile file;
        try {
            file = FileCalls.describe(request);
        } catch (IOException e) {
            log.problem("cannot look at " + request + ": " + IoErrors.reason(e));
            return;
        }
        if (!name.matches("[1-9][0-9]{0,9}") || file.uid != Long.parseLong(name) || !file.isRegularFile()) {
            log.problem("ignored " + request + ": not a regular file named by its owner's uid (owner " + file.uid + ")");
        } else if (pools.containsKey(file.uid)) {
            log.problem("uid " + file.uid + " asked for a request pool it has");
        } else if (pools.size() - 1 >= MAX_MEMBER_POOLS) {
            if (!refusedPoolsLogged) {
                log.line("no pool for uid " + file.uid + ": already " + MAX_MEMBER_POOLS + " member pools; more members' requests"
                        + " run in their own JVM (restart the agent to start afresh)");
                refusedPoolsLogged = true;
            }
        } else {
            try {
                addPool(file.uid, current);
                log.line("made a request pool for uid " + file.uid);
            } catch (IOException e) {
                log.line("cannot make a request pool for uid " + file.uid + ": " + IoErrors.describe(e));
            }
        }
    }

    /**
     * Stops serving: closes every pair that no request is using (the others as their answers are written), removes
     * what the agent made of its directory, and once the serving threads have ended (at most a couple of seconds) its
     * last descriptors. Closing again does nothing.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        stopped.countDown();
        published.countDown();
        if (wake[1] >= 0) {
            FileCalls.write(wake[1], new byte[] {1}, new NativeLong(1)); // a waiting leader lets go at once
        }
        leadership.lock();
        try {
            for (Pool pool : pools.values()) {
                for (Channel channel : pool.channels) {
                    if (!channel.committed || channel.released.get()) {
                        channel.closeDescriptors();
                    }
                }
            }
            for (Path directory : current == home ? new Path[] {home} : madeStaging ? new Path[] {staging} : new Path[0]) {
                try {
                    deleteTree(directory);
                } catch (IOException e) {
                    log.line("cannot remove " + directory + ": " + IoErrors.describe(e));
                }
            }
        } finally {
            leadership.unlock();
        }
        if (awaitThreads(TimeUnit.SECONDS.toNanos(2)) && unanswered.get() == 0) {
            closeQuietly(wake[0]);
            closeQuietly(wake[1]);
            closeQuietly(newPoolsWatch);
        }
        closeQuietly(aliveFd); // a directory left behind is now a dead agent's to the next one
    }

    /** Whether every serving thread (but the one calling) has ended within {@code nanos}. */
    private boolean awaitThreads(long nanos) {
        long deadline = System.nanoTime() + nanos;
        for (Thread thread : serving) {
            if (thread == Thread.currentThread()) {
                continue;
            }
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (thread.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /** Removes what a user left where it does not belong (a directory with all in it); says so, rate-limited, if it cannot. */
    private void removeEntry(Path entry) {
        try {
            deleteTree(entry);
        } catch (IOException e) {
            log.problem("cannot remove " + entry + ": " + IoErrors.reason(e));
        }
    }

    /**
     * Removes a directory tree. Members may change their pools and own what they put in them, and can swap a directory for a link
     * while root walks it: so every step is relative to a directory already open (openat, unlinkat), never by path, and
     * a link is removed, never followed. What vanishes meanwhile (a pair being replaced) is no error.
     */
    private static void deleteTree(Path directory) throws IOException {
        try (DirectoryStream<Path> parent = Files.newDirectoryStream(directory.getParent())) {
            if (!(parent instanceof SecureDirectoryStream)) {
                throw new IOException("this file system cannot remove " + directory + " safely (no openat/unlinkat)");
            }
            deleteEntry((SecureDirectoryStream<Path>) parent, directory.getFileName());
        }
    }

    private static void deleteEntry(SecureDirectoryStream<Path> in, Path name) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = in.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
        } catch (NoSuchFileException gone) {
            return;
        }
        if (!attributes.isDirectory()) {
            deleteQuietlyIfGone(in, name, false);
            return;
        }
        // Opened without following a link: a directory swapped for one since is not entered.
        try (SecureDirectoryStream<Path> children = in.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
            for (Path child : children) {
                deleteEntry(children, child.getFileName());
            }
        } catch (NoSuchFileException gone) {
            return;
        }
        deleteQuietlyIfGone(in, name, true);
    }

    private static void deleteQuietlyIfGone(SecureDirectoryStream<Path> in, Path name, boolean directory) throws IOException {
        try {
            if (directory) {
                in.deleteDirectory(name);
            } else {
                in.deleteFile(name);
            }
        } catch (NoSuchFileException gone) {
            // removed meanwhile: what was wanted
        }
    }

    private static void closeQuietly(int fd) {
        if (fd >= 0) {
            FileCalls.close(fd);
        }
    }

    static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    /** One pair, from its launcher's claim to the agent's answer. */
    final class Channel {
        final Pool pool;
        final long number;
        /** The base of its names: {@code N-Q-A}. */
        final String name;
        final int queueFd;
        final int answerFd;
        final FileCalls.OpenFile queueFile;
        final AgentProtocol.FrameReader frame = new AgentProtocol.FrameReader();
        long firstBytesNanos;
        long receivedNanos;
        long receivedMicros;
        /** When a sweep first found root's pair claimed (its token taken), or 0; the leader's alone. */
        long claimedNanos;
        /** The agent took the request and owes an answer; the leader's alone. */
        boolean committed;
        /** The answer's writers take turns: the request's thread, and the leader with a late "accepted". */
        private final ReentrantLock writing = new ReentrantLock();
        private volatile boolean running;
        private volatile boolean accepted;
        private final AtomicBoolean released = new AtomicBoolean();
        private final AtomicBoolean descriptorsClosed = new AtomicBoolean();
        private volatile boolean counted;

        Channel(Pool pool, long number, String name, int queueFd, int answerFd, FileCalls.OpenFile queueFile) {
            this.pool = pool;
            this.number = number;
            this.name = name;
            this.queueFd = queueFd;
            this.answerFd = answerFd;
            this.queueFile = queueFile;
        }

        /** Whether a launcher read root's pair's {@link #FREE} token: nothing is left to read in its answer FIFO. */
        boolean tokenTaken() throws IOException {
            PollSet readable = new PollSet(1);
            readable.add(answerFd, PollSet.POLLIN);
            readable.poll(0);
            return readable.returned(0) == 0;
        }

        /** The user who made the request: the one whom the kernel alone (and root) let open the pool's FIFOs. */
        int uid() {
            return pool.uid;
        }

        /**
         * Whether process {@code pid} lives in the agent's network namespace (the VIPs of another namespace are not this
         * agent's to move) and, where the agent can see it (as root), holds this request FIFO open as descriptor
         * {@code fd} (so it is the launcher, as this agent sees process ids). An agent of its own user cannot look into
         * other users' descriptors; root's launcher checked the namespace itself, and a member's names its own pid.
         */
        boolean launcherHere(long pid, int fd) {
            try {
                return netNamespaceOf(Long.toString(pid)).sameFileAs(netNamespace)
                        && (OWNER != ROOT || FileCalls.describeOpen(Path.of("/proc", Long.toString(pid), "fd", Integer.toString(fd))).sameFileAs(queueFile));
            } catch (IOException | RuntimeException gone) {
                return false;
            }
        }

        /**
         * Counts the request among the unanswered ones until {@link #release}; returns why it may not run now, or null.
         * At most {@code threads - 1} run at once, and members' requests together at most half of them: one member's
         * long requests cannot take every thread from root.
         */
        String count(int threads) {
            counted = true;
            int all = unanswered.incrementAndGet();
            int members = pool.uid == ROOT ? 0 : unansweredOfMembers.incrementAndGet();
            if (all >= threads) {
                return "all " + (threads - 1) + " of the resident agent's request threads are busy";
            }
            if (members > (threads - 1) / 2) {
                return "the group's members have " + (threads - 1) / 2 + " requests running, their share of the resident agent";
            }
            return null;
        }

        /** The request is going to run: from {@link #ACCEPT_LATE_NANOS} on, the leader tells the launcher "accepted". */
        void running() {
            running = true;
        }

        boolean waitsForAccept() {
            return running && !accepted && !released.get();
        }

        /** "accepted", if the request still runs and was not told so; skipped while its answer is being written. */
        void acceptLate() {
            if (!waitsForAccept() || !writing.tryLock()) {
                return;
            }
            try {
                if (waitsForAccept()) {
                    write(AgentProtocol.accepted(), 0);
                    accepted = true;
                }
            } catch (IOException e) {
                log.line("cannot tell the launcher on channel " + number + " that its request runs: " + e.getMessage());
            } finally {
                writing.unlock();
            }
        }

        /** The answer of a request that ran (after {@link #running}): "accepted" unless said already, then the result. */
        void finish(int code, String stdout, String stderr) throws IOException {
            if (!running) {
                throw new IllegalStateException("finish before running");
            }
            byte[] result = AgentProtocol.result(code, stdout, stderr);
            writing.lock();
            try {
                if (accepted) {
                    write(result, ANSWER_WRITE_MILLIS);
                } else {
                    byte[] all = new byte[1 + result.length];
                    all[0] = AgentProtocol.ACCEPTED;
                    System.arraycopy(result, 0, all, 1, result.length);
                    write(all, ANSWER_WRITE_MILLIS);
                    accepted = true;
                }
            } finally {
                writing.unlock();
                release();
            }
        }

        /**
         * Not run: the launcher runs the command itself. Then the pair is replaced (so a launcher whose answer FIFO is
         * full reads end-of-file instead). Written at once or not at all, since the leader declines too.
         */
        void decline(AgentProtocol.Decline why, String sentence) {
            writing.lock();
            try {
                write(AgentProtocol.declined(why, sentence), 0);
            } catch (IOException e) {
                log.problem("cannot decline request on channel " + number + ": " + e.getMessage());
            } finally {
                writing.unlock();
                release();
            }
        }

        /** Gives the pair back to the leader, which replaces it; once, whatever comes first. */
        void release() {
            if (released.compareAndSet(false, true)) {
                if (counted) {
                    unanswered.decrementAndGet();
                    if (pool.uid != ROOT) {
                        unansweredOfMembers.decrementAndGet();
                    }
                }
                if (closed) {
                    closeDescriptors(); // no leader replaces it any more
                    return;
                }
                finished.add(this);
                FileCalls.write(wake[1], new byte[] {1}, new NativeLong(1));
            }
        }

        /** Once: a descriptor closed twice could be another's by then. */
        void closeDescriptors() {
            if (descriptorsClosed.compareAndSet(false, true)) {
                closeQuietly(queueFd);
                closeQuietly(answerFd);
            }
        }

        /**
         * All of it, or an error after {@code waitMillis}: a launcher that does not read its answer must not hold a
         * request thread for long, nor the leader at all (its declines and late "accepted" wait for nothing).
         */
        private void write(byte[] bytes, long waitMillis) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
            PollSet writable = new PollSet(1);
            writable.add(answerFd, PollSet.POLLOUT);
            int offset = 0;
            while (offset < bytes.length) {
                byte[] rest = offset == 0 ? bytes : java.util.Arrays.copyOfRange(bytes, offset, bytes.length);
                long n = FileCalls.write(answerFd, rest, new NativeLong(rest.length)).longValue();
                if (n > 0) {
                    offset += (int) n;
                    continue;
                }
                int errno = Native.getLastError();
                if (errno != Errno.EAGAIN && errno != Errno.EINTR) {
                    throw new IOException("cannot write the answer: " + Errno.describe(errno));
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new IOException("the launcher's answer FIFO is full: it read nothing for " + waitMillis + " ms");
                }
                writable.poll((int) left);
            }
        }
    }
}
