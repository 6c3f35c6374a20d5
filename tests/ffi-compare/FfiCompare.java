import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import dev.vipctl.linux.FileCalls;
import jnr.posix.FileStat;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The file calls of the VIP lock and the resident agent's channels through vipctl's JNA mapping (FileCalls) and
 * through JNR-POSIX, side by side (run by ./run):
 * <ul>
 * <li>{@code first-jna}: in a new JVM, the first open with O_NOFOLLOW, flock, what the descriptor is, close and mkfifo
 * through FileCalls: JNA's start and the mapping's; prints µs, then the process's VmHWM.
 * <li>{@code first-jnr}: the same through JNR-POSIX in a JVM where FileCalls has already run, as it has in vipctl (JNA
 * carries the rtnetlink and packet sockets): what JNR-POSIX would add.
 * <li>{@code per-call N}: both warm in one JVM, N calls each of open+close, fchmod, a 1-byte write+read on a FIFO and
 * the descriptor's type and mode (FileCalls reads /proc/self/fd/N, JNR-POSIX calls fstat); ns per call, 4 rounds after
 * 2 of warm-up.
 * </ul>
 */
public final class FfiCompare {
    private static long sink;

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("ffi-compare");
        String file = dir.resolve("lock").toString();
        String fifo = dir.resolve("fifo").toString();
        switch (args[0]) {
            case "first-jna": {
                long start = System.nanoTime();
                throughJna(file, fifo);
                System.out.println((System.nanoTime() - start) / 1000 + " " + peakRssKb());
                break;
            }
            case "first-jnr": {
                throughJna(file, fifo);
                Files.delete(Path.of(fifo));
                long start = System.nanoTime();
                throughJnr(POSIXFactory.getNativePOSIX(), file, fifo);
                System.out.println((System.nanoTime() - start) / 1000 + " " + peakRssKb());
                break;
            }
            case "per-call":
                perCall(file, fifo, Integer.parseInt(args[1]));
                break;
            default:
                throw new IllegalArgumentException("first-jna, first-jnr or per-call N, not " + args[0]);
        }
        Files.deleteIfExists(Path.of(fifo));
        Files.delete(Path.of(file));
        Files.delete(dir);
    }

    /** FileCalls.O_NOFOLLOW is set at run time: read here, so that FileCalls and JNA start inside the timing. */
    private static int lockFlags() {
        return FileCalls.O_RDWR | FileCalls.O_CREAT | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC;
    }

    private static void throughJna(String file, String fifo) throws Exception {
        int fd = FileCalls.open(file, lockFlags(), 0600);
        check(fd >= 0 && FileCalls.flock(fd, FileCalls.LOCK_EX | FileCalls.LOCK_NB) == 0);
        check(FileCalls.describe(fd).isRegularFile());
        check(FileCalls.close(fd) == 0 && FileCalls.mkfifo(fifo, 0600) == 0);
    }

    private static void throughJnr(POSIX posix, String file, String fifo) {
        int fd = posix.open(file, lockFlags(), 0600);
        check(fd >= 0 && posix.flock(fd, FileCalls.LOCK_EX | FileCalls.LOCK_NB) == 0);
        check(posix.fstat(fd).isFile());
        check(posix.close(fd) == 0 && posix.mkfifo(fifo, 0600) == 0);
    }

    private static void perCall(String file, String fifo, int n) throws Exception {
        POSIX posix = POSIXFactory.getNativePOSIX();
        check(FileCalls.mkfifo(fifo, 0600) == 0);
        int lock = FileCalls.open(file, lockFlags(), 0600);
        int channel = FileCalls.open(fifo, FileCalls.O_RDWR | FileCalls.O_NONBLOCK | FileCalls.O_CLOEXEC, 0);
        check(lock >= 0 && channel >= 0);
        byte[] one = {'v'};
        byte[] back = new byte[1];
        NativeLong oneByte = new NativeLong(1);
        FileStat stat = posix.allocateStat();
        System.out.println("round  open+close  fchmod  write+read  type+mode   (ns per call, JNA / JNR-POSIX)");
        for (int round = -2; round < 4; round++) {
            long[] nanos = new long[8];
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                FileCalls.close(FileCalls.open(file, lockFlags(), 0600));
            }
            nanos[0] = System.nanoTime() - t;
            t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                posix.close(posix.open(file, lockFlags(), 0600));
            }
            nanos[1] = System.nanoTime() - t;
            t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink += FileCalls.fchmod(lock, 0600);
            }
            nanos[2] = System.nanoTime() - t;
            t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink += posix.fchmod(lock, 0600);
            }
            nanos[3] = System.nanoTime() - t;
            t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                FileCalls.write(channel, one, oneByte);
                sink += FileCalls.read(channel, back, oneByte).longValue();
            }
            nanos[4] = System.nanoTime() - t;
            t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                posix.write(channel, one, 1L);
                sink += posix.read(channel, back, 1L);
            }
            nanos[5] = System.nanoTime() - t;
            t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink += FileCalls.describe(lock).mode;
            }
            nanos[6] = System.nanoTime() - t;
            t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                posix.fstat(lock, stat);
                sink += stat.mode();
            }
            nanos[7] = System.nanoTime() - t;
            if (round >= 0) { // rounds -2 and -1 warm the JIT up
                System.out.printf("%5d  %5d / %5d  %5d / %5d  %5d / %5d  %5d / %5d%n", round + 1, nanos[0] / n, nanos[1] / n,
                        nanos[2] / n, nanos[3] / n, nanos[4] / n, nanos[5] / n, nanos[6] / n, nanos[7] / n);
            }
        }
        FileCalls.close(channel);
        FileCalls.close(lock);
    }

    private static long peakRssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmHWM in /proc/self/status");
    }

    private static void check(boolean ok) {
        if (!ok) {
            throw new IllegalStateException("a file call failed, errno " + Native.getLastError());
        }
    }
}
