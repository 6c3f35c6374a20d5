package dev.vipctl.linux;

import java.util.Map;

import static java.util.Map.entry;

/** Linux errno values (docs/linux.md#errno-values) and how an operator reads them: name and number, "EEXIST (17)". */
public final class Errno {
    /** asm-generic/errno-base.h */
    public static final int EPERM = 1;
    /** asm-generic/errno-base.h */
    public static final int EINTR = 4;
    /** asm-generic/errno-base.h; what sending on an interface that was deleted returns */
    public static final int ENXIO = 6;
    /** asm-generic/errno-base.h; also EWOULDBLOCK, what recv returns when SO_RCVTIMEO expires */
    public static final int EAGAIN = 11;
    /** asm-generic/errno-base.h */
    public static final int EACCES = 13;
    /** asm-generic/errno-base.h */
    public static final int EEXIST = 17;
    /** asm-generic/errno-base.h */
    public static final int ENODEV = 19;
    /** asm-generic/errno-base.h */
    public static final int ENOENT = 2;
    /** asm-generic/errno-base.h; what open(O_DIRECTORY) answers for anything but a directory */
    public static final int ENOTDIR = 20;
    /** asm-generic/errno.h; what open(O_NOFOLLOW) answers for a symbolic link */
    public static final int ELOOP = 40;
    /** asm-generic/errno.h; what setsockopt answers for an option the kernel is too old to know */
    public static final int ENOPROTOOPT = 92;
    /** asm-generic/errno.h; also ENOTSUP, what setting an ACL answers on a file system without them */
    public static final int EOPNOTSUPP = 95;
    /** asm-generic/errno.h */
    public static final int EADDRNOTAVAIL = 99;
    /** asm-generic/errno.h */
    public static final int ENETDOWN = 100;

    /** The names an rtnetlink, socket, file or setns call (or a datagram to systemd) can plausibly report (asm-generic/errno-base.h, errno.h). */
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            entry(EPERM, "EPERM"),
            entry(ENOENT, "ENOENT"),
            entry(EINTR, "EINTR"),
            entry(ENXIO, "ENXIO"),
            entry(9, "EBADF"),
            entry(EAGAIN, "EAGAIN"),
            entry(12, "ENOMEM"),
            entry(EACCES, "EACCES"),
            entry(16, "EBUSY"),
            entry(EEXIST, "EEXIST"),
            entry(ENODEV, "ENODEV"),
            entry(ENOTDIR, "ENOTDIR"),
            entry(22, "EINVAL"),
            entry(24, "EMFILE"),
            entry(28, "ENOSPC"),
            entry(30, "EROFS"),
            entry(34, "ERANGE"),
            entry(ELOOP, "ELOOP"),
            entry(90, "EMSGSIZE"),
            entry(ENOPROTOOPT, "ENOPROTOOPT"),
            entry(93, "EPROTONOSUPPORT"),
            entry(EOPNOTSUPP, "EOPNOTSUPP"),
            entry(97, "EAFNOSUPPORT"),
            entry(98, "EADDRINUSE"),
            entry(EADDRNOTAVAIL, "EADDRNOTAVAIL"),
            entry(ENETDOWN, "ENETDOWN"),
            entry(105, "ENOBUFS"),
            entry(111, "ECONNREFUSED"));

    private Errno() {
    }

    /** "EEXIST (17)", or "errno 200" for a value without a name here. */
    public static String describe(int errno) {
        String name = NAMES.get(errno);
        return name == null ? "errno " + errno : name + " (" + errno + ")";
    }
}
