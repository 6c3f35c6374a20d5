package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The release check and the peer question through the OS's resolver ({@link ArpResolver}: Windows' SendARP), where
 * vipctl cannot put frames on the wire. A round is one question: the resolver sends its own requests, as many as the
 * OS sends to resolve an address, and blocks until an answer or its own timeout, so the probe wait does not bound it.
 * It asks from this host's own address, not from 0.0.0.0 as an RFC 5227 probe does, so the holder learns nothing it
 * would not learn from any ARP of this host. What it cannot do: hear a claim it did not ask for, ask for the VIP once
 * this host holds it (after the takeover), announce or defend. An answer from this host's own MAC is not a holder.
 */
public final class ResolverChecks implements ArpWire {
    private final ArpResolver resolver;
    private final MacAddress ourMac;
    private final IpAddress vip;
    private final MonotonicClock clock;

    public ResolverChecks(ArpResolver resolver, MacAddress ourMac, IpAddress vip) {
        this(resolver, ourMac, vip, MonotonicClock.SYSTEM);
    }

    ResolverChecks(ArpResolver resolver, MacAddress ourMac, IpAddress vip, MonotonicClock clock) {
        this.resolver = resolver;
        this.ourMac = ourMac;
        this.vip = vip;
        this.clock = clock;
    }

    /** Why the questions go through the resolver. */
    public String why() {
        return resolver.why();
    }

    /**
     * As {@link ArpChecks#releaseCheck}, a round being one question: unanswered, the VIP is free (or released, if an
     * earlier one was answered); answered, it is asked again {@link ArpChecks#REPROBE_INTERVAL_NANOS} after the last
     * question began, until a question goes unanswered or {@code releaseWaitNanos} has passed (held).
     */
    @Override
    public ReleaseCheck releaseCheck(long probeWaitNanos, long releaseWaitNanos) throws IOException {
        long start = clock.nanoTime();
        Map<MacAddress, Claimant> everAnswered = new LinkedHashMap<>();
        int questions = 0;
        while (true) {
            ArpChecks.ProbeRound round = probe(probeWaitNanos);
            questions++;
            if (round.answers().isEmpty()) {
                return new ReleaseCheck(everAnswered.isEmpty() ? ReleaseCheck.State.FREE : ReleaseCheck.State.RELEASED,
                        new ArrayList<>(everAnswered.values()), questions, probeWaitNanos, true);
            }
            Claimant holder = round.answers().get(0);
            everAnswered.putIfAbsent(holder.mac(), holder);
            if (clock.nanoTime() - start >= releaseWaitNanos) {
                return new ReleaseCheck(ReleaseCheck.State.HELD, round.answers(), questions, probeWaitNanos, true);
            }
            long nextRound = Math.min(round.sentNanos() + ArpChecks.REPROBE_INTERVAL_NANOS, start + releaseWaitNanos);
            sleepUntil(nextRound);
        }
    }

    /** One question for the VIP, from an address the OS picks; {@code waitNanos} is not applied (see the class). */
    @Override
    public ArpChecks.ProbeRound probe(long waitNanos) throws IOException {
        long asked = clock.nanoTime();
        MacAddress answer = resolver.resolve(vip, null);
        List<Claimant> answers = new ArrayList<>();
        if (answer != null && !answer.equals(ourMac)) {
            Claimant holder = new Claimant(answer, clock.nanoTime(), "SendARP: " + vip + " is at " + answer);
            holder.countFrame();
            answers.add(holder);
        }
        return new ArpChecks.ProbeRound(asked, answers);
    }

    /**
     * Asks for the peer's MAC from the VIP, up to {@code attempts} times; {@code waitNanos} is not applied. No claim can
     * be heard meanwhile, so {@code claims} stays as it is.
     */
    @Override
    public ArpChecks.PeerAnswer askPeer(IpAddress peer, long waitNanos, int attempts, Map<MacAddress, Claimant> claims) throws IOException {
        for (int attempt = 1; attempt <= attempts; attempt++) {
            long asked = clock.nanoTime();
            MacAddress answer = resolver.resolve(peer, vip);
            if (answer != null) {
                return new ArpChecks.PeerAnswer(answer, clock.nanoTime() - asked);
            }
        }
        return null;
    }

    private void sleepUntil(long deadlineNanos) throws IOException {
        long remaining = deadlineNanos - clock.nanoTime();
        if (remaining <= 0) {
            return;
        }
        try {
            clock.sleep(remaining);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to ask for " + vip + " again");
        }
    }
}
