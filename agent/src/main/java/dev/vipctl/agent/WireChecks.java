package dev.vipctl.agent;

import dev.vipctl.os.IpAddress;

import java.util.Locale;

/**
 * How {@code up} consults the wire around a takeover: the release check before it, the verification after it, the
 * optional question to a peer, and the defend window. Defaults and why are in the README ("Safe takeover").
 */
public final class WireChecks {
    /** What {@code up} does when the release check finds the VIP still held by another MAC. */
    public enum OnConflict {
        /** Take it over anyway, and report the other MAC. */
        TAKEOVER,
        /** Change nothing and exit {@link ExitCode#CONFLICT}. */
        FAIL;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws IllegalArgumentException naming the choices */
        public static OnConflict parse(String word) {
            for (OnConflict policy : values()) {
                if (policy.word().equals(word)) {
                    return policy;
                }
            }
            throw new IllegalArgumentException("--on-conflict '" + word + "' is not one of: takeover, fail");
        }
    }

    /**
     * The holder's kernel answered within 0.8 ms in the namespace lab, idle or loaded, a fresh JVM's first probe
     * included (README, "Release check before up"). 30 ms gives the last of a round's three probes 10 ms, more than
     * ten times that, and it is paid once on every takeover where the VIP is free.
     */
    public static final int DEFAULT_PROBE_WAIT_MILLIS = 30;
    /** Sub-second: a host that is releasing the VIP right now (its own 'down' running) gets its chance. */
    public static final int DEFAULT_RELEASE_WAIT_MILLIS = 500;
    public static final int MAX_PROBE_WAIT_MILLIS = 5_000;
    public static final int MAX_RELEASE_WAIT_MILLIS = 60_000;
    public static final int MAX_DEFEND_MILLIS = 600_000;
    /** Requests to the {@code --verify-peer}, each waiting the probe wait for its answer. */
    public static final int PEER_ATTEMPTS = 3;

    public static final WireChecks DEFAULT = new WireChecks(OnConflict.TAKEOVER, DEFAULT_PROBE_WAIT_MILLIS,
            DEFAULT_RELEASE_WAIT_MILLIS, null, 0);

    private final OnConflict onConflict;
    private final int probeWaitMillis;
    private final int releaseWaitMillis;
    private final IpAddress verifyPeer;
    private final int defendMillis;

    /**
     * @param probeWaitMillis   how long a probe (in the release check, a round of three) listens for answers, 0-5000;
     *                          0 turns probing off (no release check, no verification on the wire, no peer question)
     * @param releaseWaitMillis how long to keep probing a held VIP for its release, 0-60000
     * @param verifyPeer        an address to ask for its MAC from the VIP after the takeover, or null
     * @param defendMillis      how long to stay and defend the VIP after the takeover, 0-600000
     * @throws IllegalArgumentException with a message for the operator
     */
    public WireChecks(OnConflict onConflict, int probeWaitMillis, int releaseWaitMillis, IpAddress verifyPeer, int defendMillis) {
        check("--probe-wait-ms", probeWaitMillis, MAX_PROBE_WAIT_MILLIS);
        check("--release-wait-ms", releaseWaitMillis, MAX_RELEASE_WAIT_MILLIS);
        check("--defend-ms", defendMillis, MAX_DEFEND_MILLIS);
        if (verifyPeer != null && probeWaitMillis == 0) {
            throw new IllegalArgumentException("--verify-peer waits --probe-wait-ms for the answer, so it needs --probe-wait-ms above 0");
        }
        this.onConflict = onConflict;
        this.probeWaitMillis = probeWaitMillis;
        this.releaseWaitMillis = releaseWaitMillis;
        this.verifyPeer = verifyPeer;
        this.defendMillis = defendMillis;
    }

    private static void check(String option, int millis, int max) {
        if (millis < 0 || millis > max) {
            throw new IllegalArgumentException(option + " " + millis + " is outside 0-" + max);
        }
    }

    boolean probes() {
        return probeWaitMillis > 0;
    }

    public OnConflict onConflict() {
        return onConflict;
    }

    public int probeWaitMillis() {
        return probeWaitMillis;
    }

    public int releaseWaitMillis() {
        return releaseWaitMillis;
    }

    public IpAddress verifyPeer() {
        return verifyPeer;
    }

    public int defendMillis() {
        return defendMillis;
    }
}
