package dev.vipctl.linux;

import com.sun.jna.Native;
import com.sun.jna.NativeLong;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Direct JNA mappings of the libc file calls that the VIP lock and the resident agent's channel make on descriptors
 * (java.nio gives neither a descriptor's number nor O_NOFOLLOW|O_NONBLOCK on a FIFO), with Linux's values of the
 * open(2) flags for this architecture. On failure a call returns -1; read errno with {@link Native#getLastError()}.
 */
public final class FileCalls {
    static {
        Native.register("c");
    }

    /** asm-generic/fcntl.h, the same on every architecture vipctl knows. */
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    /** asm-generic/fcntl.h: O_CREAT 0100, O_EXCL 0200, O_NONBLOCK 04000, O_CLOEXEC 02000000. */
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;
    /**
     * O_NOFOLLOW: asm-generic/fcntl.h 0400000; arch/arm64 (and arm, powerpc, m68k) uapi/asm/fcntl.h 0100000. MIPS,
     * SPARC, Alpha and PA-RISC number every flag differently and are refused.
     */
    public static final int O_NOFOLLOW = noFollowFlag(System.getProperty("os.arch", ""));
    /** O_DIRECTORY: asm-generic/fcntl.h 0200000; arm64, arm, powerpc, m68k 040000 (the generic O_DIRECT). */
    public static final int O_DIRECTORY = directoryFlag(System.getProperty("os.arch", ""));
    /** sys/file.h: LOCK_EX 2, LOCK_NB 4. */
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    /** sys/stat.h: S_IFMT 0170000, S_IFIFO 0010000, S_IFREG 0100000, S_IFLNK 0120000. */
    public static final int S_IFMT = 0170000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;

    private FileCalls() {
    }

    static int noFollowFlag(String arch) {
        return numbersFlagsLikeArm(arch) ? 0100000 : 0400000;
    }

    static int directoryFlag(String arch) {
        return numbersFlagsLikeArm(arch) ? 040000 : 0200000;
    }

    private static boolean numbersFlagsLikeArm(String arch) {
        if (arch.equals("aarch64") || arch.startsWith("arm") || arch.startsWith("ppc") || arch.equals("m68k")) {
            return true;
        }
        if (arch.startsWith("mips") || arch.startsWith("sparc") || arch.startsWith("alpha") || arch.startsWith("parisc")) {
            throw new UnsupportedOperationException("the open(2) flags of " + arch + " are not known to vipctl");
        }
        return false;
    }

    /** {@code int open(const char *path, int flags, mode_t mode)}; mode_t is a 32-bit unsigned int on Linux. */
    public static native int open(String path, int flags, int mode);

    /** {@code ssize_t read(int fd, void *buffer, size_t count)} */
    public static native NativeLong read(int fd, byte[] buffer, NativeLong count);

    /** {@code ssize_t write(int fd, const void *buffer, size_t count)} */
    public static native NativeLong write(int fd, byte[] buffer, NativeLong count);

    public static native int close(int fd);

    /** {@code int flock(int fd, int operation)}: a lock of the open file description, not of the process. */
    public static native int flock(int fd, int operation);

    public static native int mkfifo(String path, int mode);

    public static native int fchmod(int fd, int mode);

    public static native int fchown(int fd, int owner, int group);

    /** {@code uid_t geteuid(void)}: whose files this process makes, and whose it may change. */
    public static native int geteuid();

    /** {@code int pipe2(int fds[2], int flags)} */
    public static native int pipe2(int[] fds, int flags);

    /** {@code int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)}; flags 0: create or replace. */
    public static native int fsetxattr(int fd, String name, byte[] value, NativeLong size, int flags);

    /**
     * Gives the user {@code uid} {@code userPerms} on the open file {@code fd}, its owner {@code ownerPerms}, and its
     * owning group and others nothing, with a POSIX access ACL ({@link PosixAcl#ownerAndOneUser}). The file's owner
     * may do this without privileges: where chown would need CAP_CHOWN, this lets the agent keep owning a member's
     * files and still open them to that member alone. The mode's group bits then show the ACL's mask (ls: rw-rw----+).
     *
     * @throws IOException naming the file and errno; on a file system without POSIX ACLs (EOPNOTSUPP) saying so
     */
    public static void grantUser(int fd, int ownerPerms, int uid, int userPerms) throws IOException {
        byte[] acl = PosixAcl.ownerAndOneUser(ownerPerms, uid, userPerms);
        if (fsetxattr(fd, PosixAcl.ACCESS_ATTRIBUTE, acl, new NativeLong(acl.length), 0) == 0) {
            return;
        }
        int errno = Native.getLastError();
        String failed = "cannot give uid " + Integer.toUnsignedString(uid) + " access to " + nameOf(fd);
        if (errno == Errno.EOPNOTSUPP) {
            throw new IOException(failed + ": its file system does not support POSIX ACLs (" + Errno.describe(errno) + ")");
        }
        throw new IOException(failed + " with a POSIX ACL: " + Errno.describe(errno));
    }

    /** The name the kernel gives an open file, for messages: its path, or e.g. "pipe:[1234]". */
    private static String nameOf(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException closedOrNoProc) {
            return "descriptor " + fd;
        }
    }

    /** linux/inotify.h: IN_CREATE 0x100, IN_MOVED_TO 0x80, IN_ATTRIB 0x4 (events of a watched directory's entries). */
    public static final int IN_CREATE = 0x100;
    public static final int IN_MOVED_TO = 0x80;
    public static final int IN_ATTRIB = 0x4;

    /** {@code int inotify_init1(int flags)}; IN_NONBLOCK and IN_CLOEXEC are O_NONBLOCK and O_CLOEXEC. */
    public static native int inotify_init1(int flags);

    /** {@code int inotify_add_watch(int fd, const char *path, uint32_t mask)} */
    public static native int inotify_add_watch(int fd, String path, int mask);

    /**
     * What {@code fd} refers to, read on the descriptor itself: /proc/self/fd/N is a link the kernel resolves to the
     * open file, whatever has since happened to its name. (fstat through JNA would need struct stat's layout for every
     * architecture, and glibc before 2.33 exports no fstat symbol.)
     */
    public static OpenFile describe(int fd) throws IOException {
        return describeOpen(Path.of("/proc/self/fd/" + fd));
    }

    /** The open file that a link /proc/PID/fd/N leads to (of this process or, for root, of another). */
    public static OpenFile describeOpen(Path procFdLink) throws IOException {
        return OpenFile.of(Files.readAttributes(procFdLink, "unix:mode,uid,gid,nlink,dev,ino"));
    }

    /** The same attributes of whatever a name refers to now, without following a link there. */
    public static OpenFile describe(Path path) throws IOException {
        return OpenFile.of(Files.readAttributes(path, "unix:mode,uid,gid,nlink,dev,ino", java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    /** A file's type and permission bits, owner, link count and identity (device and inode). */
    public static final class OpenFile {
        public final int mode;
        public final int uid;
        public final int gid;
        public final int links;
        private final long device;
        private final long inode;

        private OpenFile(int mode, int uid, int gid, int links, long device, long inode) {
            this.mode = mode;
            this.uid = uid;
            this.gid = gid;
            this.links = links;
            this.device = device;
            this.inode = inode;
        }

        static OpenFile of(Map<String, Object> attributes) {
            return new OpenFile((Integer) attributes.get("mode"), (Integer) attributes.get("uid"), (Integer) attributes.get("gid"),
                    (Integer) attributes.get("nlink"), (Long) attributes.get("dev"), (Long) attributes.get("ino"));
        }

        public boolean isFifo() {
            return (mode & S_IFMT) == S_IFIFO;
        }

        public boolean isRegularFile() {
            return (mode & S_IFMT) == S_IFREG;
        }

        /** The permission bits, e.g. 0600. */
        public int permissions() {
            return mode & 07777;
        }

        /** Whether both are the same file (device and inode). */
        public boolean sameFileAs(OpenFile other) {
            return device == other.device && inode == other.inode;
        }
    }
}
