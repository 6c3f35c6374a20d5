package dev.vipctl.os;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/** One address configured on an interface: the address, its prefix length, its label and its flags. */
public final class InterfaceAddress {
    private final IpAddress address;
    private final int prefixLength;
    private final String label;
    private final Set<AddressFlag> flags;

    /**
     * @param label the address label (Linux {@code eth0:1}); empty when the address has none
     */
    public InterfaceAddress(IpAddress address, int prefixLength, String label, Set<AddressFlag> flags) {
        int maxPrefix = address.isIpv4() ? 32 : 128;
        if (prefixLength < 0 || prefixLength > maxPrefix) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is outside 0-" + maxPrefix);
        }
        this.address = address;
        this.prefixLength = prefixLength;
        this.label = Objects.requireNonNull(label, "label");
        this.flags = flags.isEmpty() ? Collections.emptySet() : Collections.unmodifiableSet(EnumSet.copyOf(flags));
    }

    /** An address to add: no flags. */
    public InterfaceAddress(IpAddress address, int prefixLength, String label) {
        this(address, prefixLength, label, Collections.emptySet());
    }

    public IpAddress address() {
        return address;
    }

    public int prefixLength() {
        return prefixLength;
    }

    public String label() {
        return label;
    }

    public Set<AddressFlag> flags() {
        return flags;
    }

    public boolean has(AddressFlag flag) {
        return flags.contains(flag);
    }

    /** Same address and prefix length: the key under which an OS keeps an address. */
    public boolean sameAddressAndPrefix(InterfaceAddress other) {
        return address.equals(other.address) && prefixLength == other.prefixLength;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof InterfaceAddress)) {
            return false;
        }
        InterfaceAddress other = (InterfaceAddress) o;
        return sameAddressAndPrefix(other) && label.equals(other.label) && flags.equals(other.flags);
    }

    @Override
    public int hashCode() {
        return Objects.hash(address, prefixLength, label, flags);
    }

    @Override
    public String toString() {
        return address + "/" + prefixLength + (label.isEmpty() ? "" : " label " + label) + (flags.isEmpty() ? "" : " " + flags);
    }
}
