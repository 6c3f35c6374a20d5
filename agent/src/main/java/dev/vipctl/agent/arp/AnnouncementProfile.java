package dev.vipctl.agent.arp;

import java.util.Objects;

/**
 * How a VIP is announced: {@code count} rounds, {@code intervalMillis} apart, each round in the given {@link GarpMode}.
 *
 * <p>{@link #DEFAULT} is 3 rounds, 1000 ms apart, mode {@link GarpMode#BOTH} (6 frames, 2 s from first to last):
 * <ul>
 *   <li><b>both forms</b>: some receivers honour only the request form and some only the reply form
 *       (resource-agents PR #977, kube-vip #80/#81), and sending both costs one more frame per round;</li>
 *   <li><b>repeats</b>: a lone frame can be lost, and neighbours that keep the old MAC after a single GARP are the most
 *       reported failure of the existing tools (keepalived #20/#2459, vip-manager #12);</li>
 *   <li><b>1 s apart</b>: older Linux receivers ignore an update within {@code locktime} (1 s) of the previous one, so a
 *       repeat must come at least that long after the first round to count; a faster burst could be lost whole;</li>
 *   <li><b>3 rounds, not 5</b>: the command returns only after the last frame, and the Management Layer gives a helper
 *       ~8 s in all. Three rounds end 2 s after the first and still give two retries past {@code locktime};
 *       5 rounds at 1 s (IPaddr2's count) would spend half the budget on repeats.</li>
 * </ul>
 * A count of 0 announces nothing, as the old scripts allowed.
 */
public final class AnnouncementProfile {
    public static final int MAX_COUNT = 100;
    public static final int MAX_INTERVAL_MILLIS = 10_000;
    public static final AnnouncementProfile DEFAULT = new AnnouncementProfile(3, 1000, GarpMode.BOTH);
    /** Announces nothing: for probing alone, and for measuring the address work alone. */
    public static final AnnouncementProfile SILENT = new AnnouncementProfile(0, 0, GarpMode.REQUEST);

    private final int count;
    private final int intervalMillis;
    private final GarpMode mode;

    /**
     * @param count          rounds, 0-100; 0 sends nothing
     * @param intervalMillis from the start of one round to the start of the next, 0-10000 ms
     * @param mode           the frames of each round
     * @throws IllegalArgumentException with a message for the operator
     */
    public AnnouncementProfile(int count, int intervalMillis, GarpMode mode) {
        if (count < 0 || count > MAX_COUNT) {
            throw new IllegalArgumentException("gratuitous ARP count must be 0-" + MAX_COUNT + " (0 sends none), not " + count);
        }
        if (intervalMillis < 0 || intervalMillis > MAX_INTERVAL_MILLIS) {
            throw new IllegalArgumentException("gratuitous ARP interval must be 0-" + MAX_INTERVAL_MILLIS + " ms, not " + intervalMillis);
        }
        this.count = count;
        this.intervalMillis = intervalMillis;
        this.mode = Objects.requireNonNull(mode, "mode");
    }

    public int count() {
        return count;
    }

    public int intervalMillis() {
        return intervalMillis;
    }

    public GarpMode mode() {
        return mode;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AnnouncementProfile)) {
            return false;
        }
        AnnouncementProfile other = (AnnouncementProfile) o;
        return count == other.count && intervalMillis == other.intervalMillis && mode == other.mode;
    }

    @Override
    public int hashCode() {
        return Objects.hash(count, intervalMillis, mode);
    }

    @Override
    public String toString() {
        return count + " x " + mode.word() + " every " + intervalMillis + " ms";
    }
}
