package dev.vipctl.agent;

import dev.vipctl.os.IpAddress;

/**
 * The virtual IP an operator named: an IPv4 address, its prefix length when given, and the label of the
 * sub-interface it lives on. Parsing rejects everything that can never be a VIP, before anything is touched.
 */
public final class Vip {
    /** Linux IFNAMSIZ (16, linux/if.h) less the terminating NUL: the kernel answers ERANGE past it (docs/linux.md#labels). */
    public static final int MAX_LABEL_LENGTH = 15;
    private static final int NO_PREFIX = -1;

    private final IpAddress address;
    private final int prefixLength;

    private Vip(IpAddress address, int prefixLength) {
        this.address = address;
        this.prefixLength = prefixLength;
    }

    /**
     * Parses {@code A.B.C.D/P}, or {@code A.B.C.D} when {@code prefixRequired} is false.
     *
     * @throws IllegalArgumentException with a message for the operator
     */
    public static Vip parse(String text, boolean prefixRequired) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String addressText = slash < 0 ? trimmed : trimmed.substring(0, slash);
        IpAddress address;
        if (addressText.indexOf(':') >= 0) {
            throw new IllegalArgumentException("'" + text + "': IPv6 VIPs are not supported yet; give an IPv4 address like 198.51.100.10/24");
        }
        address = IpAddress.parseIpv4(addressText);
        int prefix = NO_PREFIX;
        if (slash >= 0) {
            String prefixText = trimmed.substring(slash + 1);
            if (prefixText.isEmpty() || prefixText.length() > 2 || !IpAddress.isDecimal(prefixText)) {
                throw new IllegalArgumentException("'" + text + "': the prefix length after '/' must be a number 1-32");
            }
            prefix = Integer.parseInt(prefixText);
            if (prefix < 1 || prefix > 32) {
                throw new IllegalArgumentException("'" + text + "': prefix length " + prefix + " is outside 1-32");
            }
        } else if (prefixRequired) {
            throw new IllegalArgumentException("'" + text + "': give the prefix length too, like " + addressText + "/24");
        }
        checkUsableAsVip(text, address, prefix);
        return new Vip(address, prefix);
    }

    private static void checkUsableAsVip(String text, IpAddress address, int prefix) {
        int bits = address.ipv4Bits();
        int firstOctet = bits >>> 24;
        if (firstOctet == 0) {
            throw new IllegalArgumentException("'" + text + "': 0.x.x.x means 'this network', not an address a VIP can have");
        }
        if (firstOctet == 127) {
            throw new IllegalArgumentException("'" + text + "': 127.x.x.x is loopback, not an address a VIP can have");
        }
        if (firstOctet >= 224) {
            throw new IllegalArgumentException("'" + text + "': " + (firstOctet < 240 ? "multicast" : "reserved/broadcast")
                    + " addresses (224.0.0.0 and up) cannot be a VIP");
        }
        if (prefix != NO_PREFIX && prefix < 31) {
            int hostMask = ~IpAddress.ipv4Mask(prefix);
            if ((bits & hostMask) == 0) {
                throw new IllegalArgumentException("'" + text + "' is the network address of its /" + prefix + " subnet, not a host address");
            }
            if ((bits & hostMask) == hostMask) {
                throw new IllegalArgumentException("'" + text + "' is the broadcast address of its /" + prefix + " subnet, not a host address");
            }
        }
    }

    /**
     * Checks an operator's label for this interface: {@code <interface>:<tag>}, at most 15 characters,
     * the tag made of letters, digits, '_', '-' or '.'. The kernel itself accepts any label (docs/linux.md#labels),
     * but only this form shows as the {@code eth0:1} sub-interface that ifconfig-era tooling expects.
     *
     * @throws IllegalArgumentException with a message for the operator
     */
    public static String checkLabel(String label, String interfaceName) {
        String prefix = interfaceName + ":";
        if (!label.startsWith(prefix) || label.length() == prefix.length()) {
            throw new IllegalArgumentException("label '" + label + "' must be the interface name, a colon and a tag, like " + prefix + "1");
        }
        if (!isTag(label.substring(prefix.length()))) {
            throw new IllegalArgumentException("label '" + label + "': the tag after '" + prefix + "' may hold only letters, digits, '_', '-' and '.'");
        }
        if (label.length() > MAX_LABEL_LENGTH) {
            throw new IllegalArgumentException("label '" + label + "' is " + label.length() + " characters; Linux allows at most "
                    + MAX_LABEL_LENGTH + " (choose a shorter tag)");
        }
        return label;
    }

    /** A plain loop, not a stream: lambdas cost milliseconds of bootstrap on a cold JVM, and this runs at every start. */
    private static boolean isTag(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c < 128 && Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /** The label used when the operator gives none: {@code <interface>:1}, the vendor scripts' {@code eth0:1}. */
    public static String defaultLabel(String interfaceName) {
        String label = interfaceName + ":1";
        if (label.length() > MAX_LABEL_LENGTH) {
            throw new IllegalArgumentException("interface name '" + interfaceName + "' is too long for the default label '" + label
                    + "' (Linux allows " + MAX_LABEL_LENGTH + " characters): give --label with a shorter one");
        }
        return label;
    }

    public IpAddress address() {
        return address;
    }

    public boolean hasPrefix() {
        return prefixLength != NO_PREFIX;
    }

    /** @throws IllegalStateException when no prefix was given */
    public int prefixLength() {
        if (!hasPrefix()) {
            throw new IllegalStateException("no prefix length given for " + address);
        }
        return prefixLength;
    }

    @Override
    public String toString() {
        return hasPrefix() ? address + "/" + prefixLength : address.toString();
    }
}
