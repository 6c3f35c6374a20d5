package dev.vipctl.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The IPv4 per-interface settings, {@code net.ipv4.conf.<interface>.<key>}, of the calling thread's network
 * namespace (procfs resolves {@code /proc/sys/net} against the reading thread). Besides interface names, "all" and
 * "default" are valid names. How a key combines "all" with the interface's own value is the key's own rule
 * (kernel {@code include/linux/inetdevice.h}: IN_DEV_ORCONF or IN_DEV_MAXCONF), so callers combine.
 */
public final class Ipv4Conf {
    private final Path root;

    /** {@code root} is the directory holding one directory per interface, normally {@code /proc/sys/net/ipv4/conf}. */
    public Ipv4Conf(Path root) {
        this.root = root;
    }

    public static Ipv4Conf system() {
        return new Ipv4Conf(Path.of("/proc/sys/net/ipv4/conf"));
    }

    /** @throws IOException if the file is missing (no such interface or key) or does not hold a whole number */
    public int read(String interfaceName, String key) throws IOException {
        Path file = root.resolve(interfaceName).resolve(key);
        String text = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).trim();
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IOException(file + " holds '" + text + "', not a number", e);
        }
    }
}
