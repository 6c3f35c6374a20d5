package dev.vipctl.agent.arp;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The ARP exchanges that tell who holds one VIP on the segment, through one {@link ArpLink}: RFC 5227 probes (sender
 * IP 0.0.0.0, so that no neighbour learns anything from them; the holder's kernel answers), listening for other MACs
 * that claim the VIP, asking a peer for its MAC from the VIP, and defending the VIP (RFC 5227 §2.4).
 *
 * <p>A <em>claim</em> is any ARP frame whose sender address is the VIP and whose sender MAC is not ours. Frames are
 * attributed to the window in which they are read; the link buffers what arrives between windows.
 */
public final class ArpChecks implements ArpWire {
    /**
     * RFC 5227 §1.1 PROBE_NUM, 3: probes that must all go unanswered before the VIP counts as free, so that one lost
     * frame (a probe or its answer) does not hide a holder. The release check and {@code vipctl probe} both send this
     * many.
     */
    public static final int PROBE_NUM = 3;
    /**
     * The closest spacing of a release check's probes: the links wait in whole milliseconds (poll(2)), so a finer
     * spacing would push the last probe to the end of the wait, with no time left for its answer.
     */
    static final long MIN_PROBE_SPACING_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * While a holder answers, the release check starts a round this often at most (or each probe wait, if longer):
     * a release is seen within 0.1 s, and a long release wait sends 10 rounds a second, not one per probe wait.
     * RFC 5227's own spacing (PROBE_MIN 1 s) is for a host that is not in a hurry.
     */
    static final long REPROBE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** RFC 5227 §1.1 DEFEND_INTERVAL, 10 s: at most one defence per interval, so two defenders cannot ping-pong. */
    static final long DEFEND_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final ArpLink link;
    private final MacAddress ourMac;
    private final IpAddress vip;
    private final MonotonicClock clock;
    private final byte[] probe;

    public ArpChecks(ArpLink link, MacAddress ourMac, IpAddress vip) {
        this(link, ourMac, vip, MonotonicClock.SYSTEM);
    }

    ArpChecks(ArpLink link, MacAddress ourMac, IpAddress vip, MonotonicClock clock) {
        this.link = link;
        this.ourMac = ourMac;
        this.vip = vip;
        this.clock = clock;
        this.probe = ArpFrames.probe(ourMac, vip);
    }

    /**
     * The release check before a takeover: one {@linkplain #probeRound round} of {@value #PROBE_NUM} probes within
     * {@code probeWaitNanos}; if another MAC answers any of them, another round (each {@link #REPROBE_INTERVAL_NANOS}
     * or probe wait, whichever is longer, listening in between) until a whole round goes unanswered (the holder
     * released it) or {@code releaseWaitNanos} has passed since the first probe (it still holds it). A release wait
     * of 0 means one round.
     */
    @Override
    public ReleaseCheck releaseCheck(long probeWaitNanos, long releaseWaitNanos) throws IOException {
        long start = clock.nanoTime();
        Map<MacAddress, Claimant> everAnswered = new LinkedHashMap<>();
        int probes = 0;
        while (true) {
            ProbeRound round = probeRound(probeWaitNanos);
            probes += PROBE_NUM;
            if (round.answers().isEmpty()) {
                return new ReleaseCheck(everAnswered.isEmpty() ? ReleaseCheck.State.FREE : ReleaseCheck.State.RELEASED,
                        new ArrayList<>(everAnswered.values()), probes, probeWaitNanos, false);
            }
            for (Claimant claimant : round.answers()) {
                everAnswered.putIfAbsent(claimant.mac(), claimant);
            }
            if (clock.nanoTime() - start >= releaseWaitNanos) {
                return new ReleaseCheck(ReleaseCheck.State.HELD, round.answers(), probes, probeWaitNanos, false);
            }
            long nextRound = Math.min(round.sentNanos() + REPROBE_INTERVAL_NANOS, start + releaseWaitNanos);
            listen(nextRound, new LinkedHashMap<>(), null, false);
        }
    }

    /**
     * Sends {@value #PROBE_NUM} probes spread over {@code waitNanos}, at 0, w/{@value #PROBE_NUM},
     * 2w/{@value #PROBE_NUM}..., listening throughout, and collects every other MAC that claims the VIP until
     * {@code waitNanos} after the first: a free VIP costs one wait, and a holder is found if it answers any probe
     * before the wait ends. When that spacing would be under {@link #MIN_PROBE_SPACING_NANOS} (a wait under
     * {@value #PROBE_NUM} ms), the probes go back to back at the start, so each still has the whole wait.
     */
    public ProbeRound probeRound(long waitNanos) throws IOException {
        long spacing = waitNanos / PROBE_NUM < MIN_PROBE_SPACING_NANOS ? 0 : waitNanos / PROBE_NUM;
        Map<MacAddress, Claimant> claims = new LinkedHashMap<>();
        link.send(probe);
        long sent = clock.nanoTime();
        for (int i = 1; i < PROBE_NUM; i++) {
            listen(sent + i * spacing, claims, null, false);
            link.send(probe);
        }
        listen(sent + waitNanos, claims, null, false);
        return new ProbeRound(sent, new ArrayList<>(claims.values()));
    }

    /** Sends one probe and collects every other MAC that claims the VIP within {@code waitNanos}. */
    @Override
    public ProbeRound probe(long waitNanos) throws IOException {
        Map<MacAddress, Claimant> claims = new LinkedHashMap<>();
        link.send(probe);
        long sent = clock.nanoTime();
        listen(sent + waitNanos, claims, null, false);
        return new ProbeRound(sent, new ArrayList<>(claims.values()));
    }

    /** The probes of one {@link #probe} or {@link #probeRound} and their answers. */
    public static final class ProbeRound {
        private final long sentNanos;
        private final List<Claimant> answers;

        ProbeRound(long sentNanos, List<Claimant> answers) {
            this.sentNanos = sentNanos;
            this.answers = answers;
        }

        /** {@link System#nanoTime()} right after the (first) probe was handed to the link. */
        public long sentNanos() {
            return sentNanos;
        }

        /** Every other MAC that claimed the VIP, in order of arrival. */
        public List<Claimant> answers() {
            return answers;
        }
    }

    /**
     * Sends the announcement, listening for claims between its rounds instead of sleeping, and adds them to
     * {@code claims}.
     */
    public AnnouncementResult announce(Announcement announcement, Map<MacAddress, Claimant> claims)
            throws IOException, InterruptedException {
        MonotonicClock listening = new MonotonicClock() {
            @Override
            public long nanoTime() {
                return clock.nanoTime();
            }

            @Override
            public void sleep(long nanos) {
                try {
                    listen(clock.nanoTime() + nanos, claims, null, false);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        try {
            return announcement.send(link, listening);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Asks {@code peer} for its MAC with an ARP request from the VIP (which also teaches the peer the VIP's new MAC),
     * up to {@code attempts} times, each waiting {@code waitNanos} for the reply. Returns the nanoTime-stamped reply's
     * sender MAC, or null if the peer never answered. Claims seen meanwhile are added to {@code claims}.
     */
    @Override
    public PeerAnswer askPeer(IpAddress peer, long waitNanos, int attempts, Map<MacAddress, Claimant> claims) throws IOException {
        byte[] request = ArpFrames.request(ourMac, vip, peer);
        PeerWatch watch = new PeerWatch(peer);
        for (int attempt = 1; attempt <= attempts && watch.answer == null; attempt++) {
            long sent = clock.nanoTime();
            link.send(request);
            watch.sentNanos = sent;
            listen(sent + waitNanos, claims, watch, false);
        }
        return watch.answer;
    }

    /**
     * Listens until {@code untilNanos} for claims and answers a claim with one round of {@code announcement}, at most
     * once per DEFEND_INTERVAL; every claim is added to {@code claims}. Returns the number of defences sent.
     */
    public int defend(long untilNanos, Announcement announcement, Map<MacAddress, Claimant> claims) throws IOException {
        int defences = 0;
        long lastDefence = 0;
        while (listen(untilNanos, claims, null, true)) {
            long now = clock.nanoTime();
            if (defences == 0 || now - lastDefence >= DEFEND_INTERVAL_NANOS) {
                announcement.sendRound(link);
                lastDefence = now;
                defences++;
            }
        }
        return defences;
    }

    /**
     * Reads frames until {@code untilNanos}, adding claims to {@code claims} and the peer's answer to {@code peer}
     * (if given). With {@code stopAtClaim} it returns at the first claim. Returns whether a claim was seen.
     */
    private boolean listen(long untilNanos, Map<MacAddress, Claimant> claims, PeerWatch peer, boolean stopAtClaim) throws IOException {
        boolean claimed = false;
        byte[] frame;
        while ((frame = link.receive(untilNanos)) != null) {
            long received = clock.nanoTime();
            ArpPacket packet = ArpPacket.parse(frame);
            if (packet == null || packet.senderMac().equals(ourMac)) {
                continue;
            }
            if (peer != null && peer.isAnsweredBy(packet, vip)) {
                peer.answer = new PeerAnswer(packet.senderMac(), received - peer.sentNanos);
            }
            if (packet.senderIp().equals(vip)) {
                Claimant claimant = claims.get(packet.senderMac());
                if (claimant == null) {
                    claimant = new Claimant(packet.senderMac(), received, packet.toString());
                    claims.put(packet.senderMac(), claimant);
                }
                claimant.countFrame();
                claimed = true;
                if (stopAtClaim) {
                    return true;
                }
            }
        }
        return claimed;
    }

    /** The reply {@link #askPeer} waits for: from the peer's address, to the VIP. */
    private static final class PeerWatch {
        private final IpAddress peer;
        private long sentNanos;
        private PeerAnswer answer;

        PeerWatch(IpAddress peer) {
            this.peer = peer;
        }

        boolean isAnsweredBy(ArpPacket packet, IpAddress vip) {
            return answer == null && packet.opcode() == ArpPacket.REPLY && packet.senderIp().equals(peer) && packet.targetIp().equals(vip);
        }
    }

    /** The peer's answer: its MAC, and how long after the request it came. */
    public static final class PeerAnswer {
        private final MacAddress mac;
        private final long replyNanos;

        PeerAnswer(MacAddress mac, long replyNanos) {
            this.mac = mac;
            this.replyNanos = replyNanos;
        }

        public MacAddress mac() {
            return mac;
        }

        public long replyNanos() {
            return replyNanos;
        }
    }
}
