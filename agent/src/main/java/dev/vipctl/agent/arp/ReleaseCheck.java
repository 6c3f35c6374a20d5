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
    private final boolean throughResolver;

    /** @param throughResolver asked through the OS's resolver ({@link ResolverChecks}), one question a round */
    ReleaseCheck(State state, List<Claimant> holders, int probes, long probeWaitNanos, boolean throughResolver) {
        this.state = state;
        this.holders = List.copyOf(holders);
        this.probes = probes;
        this.probeWaitNanos = probeWaitNanos;
        this.throughResolver = throughResolver;
    }

    public State state() {
        return state;
    }

    /** HELD: who answered the last probe; RELEASED: who had answered before letting go; FREE: nobody. */
    public List<Claimant> holders() {
        return holders;
    }

    /** Probes sent, over all rounds; through the resolver, the questions asked (each its own round). */
    public int probes() {
        return probes;
    }

    /** For the report: what the state means, with the MACs. */
    public String describe() {
        if (throughResolver) {
            return describeResolved();
        }
        switch (state) {
            case FREE:
                return "free (no answer to " + ArpChecks.PROBE_NUM + " probes within " + probeWaitNanos / 1_000_000 + " ms)";
            case RELEASED:
                return "released while waiting (answered by " + String.join(", ", Claimant.macs(holders)) + " at first; the last " + ArpChecks.PROBE_NUM + " of " + probes + " probes went unanswered)";
            default:
                return "still held by " + String.join(", ", Claimant.macs(holders)) + " after " + probes + " probes";
        }
    }

    private String describeResolved() {
        switch (state) {
            case FREE:
                return "free (nobody answered Windows' ARP requests for it: SendARP ERROR_BAD_NET_NAME)";
            case RELEASED:
                return "released while waiting (answered by " + String.join(", ", Claimant.macs(holders)) + " at first; the last of "
                        + probes + " SendARP questions went unanswered)";
            default:
                return "still held by " + String.join(", ", Claimant.macs(holders)) + " after " + probes + " SendARP questions";
        }
    }
}
