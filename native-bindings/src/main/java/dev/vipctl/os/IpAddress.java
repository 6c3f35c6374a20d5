package dev.vipctl.os;

import java.util.Arrays;

/**
 * An IPv4 or IPv6 address as its network-order bytes. Parsing is strict and never touches a resolver,
 * which is why this is not {@link java.net.InetAddress}.
 */
public final class IpAddress {
    private final byte[] bytes;

    private IpAddress(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Wraps 4 (IPv4) or 16 (IPv6) network-order bytes. */
    public static IpAddress of(byte[] bytes) {
        if (bytes.length != 4 && bytes.length != 16) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
        }
        return new IpAddress(bytes.clone());
    }

    /**
     * Parses a dotted-quad IPv4 address: exactly four decimal parts 0-255, no leading zeros
     * (so "010.0.0.1" is not silently read as octal or decimal).
     */
    public static IpAddress parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (expected four numbers like 198.51.100.10)");
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || !isDecimal(part)) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (part '" + part + "' is not a number 0-255)");
            }
            if (part.length() > 1 && part.charAt(0) == '0') {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (part '" + part + "' has a leading zero,"
                        + " which some tools read as octal: write " + Integer.parseInt(part) + ")");
            }
            int value = Integer.parseInt(part);
            if (value > 255) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (" + value + " is over 255)");
            }
            bytes[i] = (byte) value;
        }
        return new IpAddress(bytes);
    }

    /**
     * Whether the text is only the digits 0-9. A plain loop, not a stream: lambdas cost milliseconds of bootstrap on a
     * cold JVM, and parsing runs at every start.
     */
    public static boolean isDecimal(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    public boolean isIpv4() {
        return bytes.length == 4;
    }

    /** A copy of the network-order bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The IPv4 address as an unsigned 32-bit value in an int. */
    public int ipv4Bits() {
        if (!isIpv4()) {
            throw new IllegalStateException("not IPv4: " + this);
        }
        return (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
    }

    /** The netmask of an IPv4 prefix length 0-32 as bits: /24 is 0xffffff00, /0 is 0 (Java shifts only by 0-31). */
    public static int ipv4Mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** Whether {@code other} is in this IPv4 address's subnet of the given prefix length. */
    public boolean inIpv4Subnet(IpAddress other, int prefixLength) {
        return ((ipv4Bits() ^ other.ipv4Bits()) & ipv4Mask(prefixLength)) == 0;
    }

    public static IpAddress ofIpv4Bits(int bits) {
        return new IpAddress(new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits});
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress && Arrays.equals(bytes, ((IpAddress) o).bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Dotted quad for IPv4; full, uncompressed hex groups for IPv6. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        if (isIpv4()) {
            for (int i = 0; i < 4; i++) {
                text.append(i == 0 ? "" : ".").append(bytes[i] & 0xff);
            }
        } else {
            for (int i = 0; i < 16; i += 2) {
                text.append(i == 0 ? "" : ":").append(Integer.toHexString((bytes[i] & 0xff) << 8 | (bytes[i + 1] & 0xff)));
            }
        }
        return text.toString();
    }
}
