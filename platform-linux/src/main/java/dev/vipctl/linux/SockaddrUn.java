package dev.vipctl.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@code struct sockaddr_un}, the address of an AF_UNIX socket (docs/linux.md#sockaddr_un): 110 bytes, sun_family u16
 * @0 in host order, sun_path[108] @2. A name that starts with '@' is an abstract one: '@' becomes the leading NUL byte
 * and the name has no terminating NUL, so its length is that of the address. Pure byte code.
 */
public final class SockaddrUn {
    /** bits/socket.h: AF_UNIX = PF_LOCAL */
    public static final int AF_UNIX = 1;
    /** sys/un.h: sun_path's size */
    static final int PATH_BYTES = 108;
    private static final int PATH_OFFSET = 2;

    private SockaddrUn() {
    }

    /**
     * The address of a socket named as systemd names {@code $NOTIFY_SOCKET}: an absolute path, or '@' and an abstract
     * name. The array's length is the address length to pass with it: 2 + path + its NUL, or 2 + NUL + abstract name.
     *
     * @throws IllegalArgumentException for any other name, one with a NUL in it, or one longer than sun_path holds
     */
    public static byte[] encode(ByteOrder hostOrder, String name) {
        boolean isAbstract = name.startsWith("@");
        if (!isAbstract && !name.startsWith("/")) {
            throw new IllegalArgumentException("'" + name + "' is neither an absolute path nor an abstract name ('@...')");
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a socket name with a NUL byte in it");
        }
        byte[] text = (isAbstract ? name.substring(1) : name).getBytes(StandardCharsets.UTF_8);
        // Both forms take one byte beyond the text: the path its terminating NUL, the abstract name its leading one.
        int pathLength = text.length + 1;
        if (pathLength > PATH_BYTES) {
            throw new IllegalArgumentException("'" + name + "' is longer than an AF_UNIX socket name can be ("
                    + (PATH_BYTES - 1) + " bytes)");
        }
        ByteBuffer address = ByteBuffer.allocate(PATH_OFFSET + pathLength).order(hostOrder);
        address.putShort((short) AF_UNIX);
        if (isAbstract) {
            address.put((byte) 0);
        }
        address.put(text);
        return address.array();
    }
}
