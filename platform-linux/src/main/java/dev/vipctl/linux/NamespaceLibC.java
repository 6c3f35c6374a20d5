package dev.vipctl.linux;

import com.sun.jna.Native;

/**
 * Direct JNA mapping of the libc call that moves a thread into a network namespace; Linux-only, hence here and not in
 * {@link dev.vipctl.os.posix.LibC}. On failure it returns -1; read errno with {@link Native#getLastError()}.
 */
final class NamespaceLibC {
    static {
        Native.register("c");
    }

    private NamespaceLibC() {
    }

    static native int setns(int fd, int namespaceType);
}
