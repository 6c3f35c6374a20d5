package dev.vipctl.os.posix;

import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * Direct JNA mappings of the C library's socket calls (the hot path: direct mapping skips the per-call
 * reflection of interface mapping). On failure a call returns -1; read errno with {@link Native#getLastError()}
 * right after it. {@code size_t}/{@code ssize_t} are {@link NativeLong} (a C long has their width on ILP32 and LP64);
 * {@code socklen_t} is a 32-bit int.
 */
public final class LibC {
    static {
        // "c" is the running process's own C library on Linux/AIX (JNA NativeLibrary), so nothing is searched.
        Native.register("c");
    }

    private LibC() {
    }

    public static native int socket(int domain, int type, int protocol);

    public static native int bind(int fd, Pointer address, int addressLength);

    public static native int setsockopt(int fd, int level, int option, Pointer value, int valueLength);

    public static native NativeLong send(int fd, Pointer buffer, NativeLong length, int flags);

    public static native NativeLong recv(int fd, Pointer buffer, NativeLong length, int flags);

    public static native int close(int fd);

    /** {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout)}; nfds_t is an unsigned long. */
    public static native int poll(Pointer fds, NativeLong count, int timeoutMillis);

    /** {@code ssize_t recvfrom(int, void *, size_t, int, struct sockaddr *, socklen_t *)} */
    public static native NativeLong recvfrom(int fd, Pointer buffer, NativeLong length, int flags, Pointer address, Pointer addressLength);

    /** {@code ssize_t sendto(int, const void *, size_t, int, const struct sockaddr *, socklen_t)} */
    public static native NativeLong sendto(int fd, Pointer buffer, NativeLong length, int flags, Pointer address, int addressLength);

    /** {@code unsigned int if_nametoindex(const char *)}: 0 (errno ENODEV) when there is no such interface. */
    public static native int if_nametoindex(String interfaceName);
}
