package dev.vipctl.linux;

import com.sun.jna.Native;

/**
 * Direct JNA mappings of the two libc calls that move a thread into a network namespace; Linux-only, hence here and
 * not in {@link dev.vipctl.os.posix.LibC}. On failure a call returns -1; read errno with {@link Native#getLastError()}.
 */
final class NamespaceLibC {
    static {
        Native.register("c");
    }

    private NamespaceLibC() {
    }

    /** {@code int open(const char *path, int flags, ...)}: called without the variadic mode, which only O_CREAT reads. */
    static native int open(String path, int flags);

    static native int setns(int fd, int namespaceType);
}
