package dev.vipctl.agent.arp;

import java.util.List;
import java.util.Locale;

/** What the release check before a takeover found: who answered the VIP's probes, and whether they stopped. */
public final class ReleaseCheck {
    public enum State {
        /** The first round went unanswered: {@value ArpChecks#PROBE_NUM} probes within one probe wait. */
        FREE,
        /** Answered at first, then a whole round went unanswered within the release wait: the holder let go. */
        RELEASED,
        /** A probe of the last round was still answered when the release wait ran out. */
        HELD;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final State state;
    private final List<Claimant> holders;
    private final int probes;
    private final long probeWaitNanos;

    ReleaseCheck(State state, List<Claimant> holders, int probes, long probeWaitNanos) {
        this.state = state;
        this.holders = List.copyOf(holders);
        this.probes = probes;
        this.probeWaitNanos = probeWaitNanos;
    }

    public State state() {
        return state;
    }

    /** HELD: who answered the last probe; RELEASED: who had answered before letting go; FREE: nobody. */
    public List<Claimant> holders() {
        return holders;
    }

    /** Probes sent, over all rounds. */
    public int probes() {
        return probes;
    }

    /** For the report: what the state means, with the MACs. */
    public String describe() {
        switch (state) {
            case FREE:
                return "free (no answer to " + ArpChecks.PROBE_NUM + " probes within " + probeWaitNanos / 1_000_000 + " ms)";
            case RELEASED:
                return "released while waiting (answered by " + String.join(", ", Claimant.macs(holders)) + " at first; the last " + ArpChecks.PROBE_NUM + " of " + probes + " probes went unanswered)";
            default:
                return "still held by " + String.join(", ", Claimant.macs(holders)) + " after " + probes + " probes";
        }
    }
}
