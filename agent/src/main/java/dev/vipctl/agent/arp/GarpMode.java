package dev.vipctl.agent.arp;

import java.util.Locale;

/**
 * Which form of gratuitous ARP to send. Some switches and routers honour only one of them (resource-agents PR #977,
 * kube-vip #80), so an operator can pick; {@link #BOTH} sends a request and then a reply in every round.
 */
public enum GarpMode {
    REQUEST,
    REPLY,
    BOTH;

    /**
     * Parses the command-line word: {@code request}, {@code reply} or {@code both}.
     *
     * @throws IllegalArgumentException with a message for the operator
     */
    public static GarpMode parse(String word) {
        for (GarpMode mode : values()) {
            if (mode.word().equals(word)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("'" + word + "' is not a gratuitous ARP mode: use request, reply or both");
    }

    /** The command-line word for this mode. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
