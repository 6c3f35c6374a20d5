package dev.vipctl.agent;

import dev.vipctl.agent.arp.Announcement;
import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.AnnouncementResult;
import dev.vipctl.agent.arp.ArpChecks;
import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.agent.arp.ArpResolver;
import dev.vipctl.agent.arp.ArpWire;
import dev.vipctl.agent.arp.Claimant;
import dev.vipctl.agent.arp.ReleaseCheck;
import dev.vipctl.agent.arp.ResolverChecks;
import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Moves one VIP on one interface. Everything slow happens in the start-up ({@link #start}): resolving the
 * interface, opening the link for ARP, building the frames. The operations after it make only the native calls
 * and send only the frames they need, so the same engine can stay resident and serve many operations.
 *
 * <p>Every operation checks the request against the host's state, and {@link #up} also against the wire, before it
 * changes anything, so a request that cannot be carried out ends with nothing changed.
 */
public final class TakeoverEngine implements AutoCloseable {
    /** Opens the link for ARP on an interface (AF_PACKET or pcap in production, a recorder in tests). */
    public interface ArpLinkOpener {
        /** Opens the interface whose {@link NetInterface#captureDevice()} this is, to send frames and receive ARP. */
        ArpLink open(String captureDevice) throws IOException;

        /**
         * Where this host cannot send and capture frames (Windows without Npcap): the OS's resolver to ask through
         * instead of opening a link. Null, the default, where frames work.
         */
        default ArpResolver resolverInstead() {
            return null;
        }
    }

    private final NetworkOs os;
    private final NetInterface nic;
    private final ArpLink link;
    /** The questions about the VIP; null when the plan needs no ARP. */
    private final ArpWire arp;
    /** {@link #arp} when vipctl sends and captures frames itself (announces, probes after the takeover, defends); else null. */
    private final ArpChecks frames;
    private final Announcement announcement;
    private final WireChecks checks;

    private TakeoverEngine(NetworkOs os, NetInterface nic, ArpLink link, ArpWire arp, ArpChecks frames, Announcement announcement,
            WireChecks checks) {
        this.os = os;
        this.nic = nic;
        this.link = link;
        this.arp = arp;
        this.frames = frames;
        this.announcement = announcement;
        this.checks = checks;
    }

    /** Start-up for {@link #down} and {@link #status}, which need no link. The engine owns {@code os} and closes it. */
    public static TakeoverEngine start(NetworkOs os, String interfaceName) throws TakeoverException {
        return new TakeoverEngine(os, resolve(os, interfaceName), null, null, null, null, null);
    }

    /**
     * Start-up for {@link #up} and {@link #probe}: the interface must be up and have carrier; the link is opened when
     * the plan announces, probes or defends, and the frames are prebuilt. Such a plan also needs ARP on the interface;
     * one that uses no ARP at all (an {@code up} that neither announces nor probes) may add the VIP to any interface,
     * as a direct-server-return host puts it on loopback. Where the opener has a resolver instead of frames, the
     * questions go through it and nothing is opened; a plan that defends is then refused. The engine owns {@code os}
     * and closes it.
     */
    public static TakeoverEngine start(NetworkOs os, String interfaceName, WirePlan plan) throws TakeoverException {
        NetInterface nic = resolve(os, interfaceName);
        boolean needsLink = plan.profile.count() > 0 || plan.checks.probes() || plan.checks.defendMillis() > 0;
        if (needsLink && nic.arp() != NetInterface.Arp.ON) {
            os.close();
            throw withoutArp(nic);
        }
        if (!nic.isUp() || !nic.isRunning()) {
            os.close();
            throw new TakeoverException(ExitCode.INTERFACE_UNAVAILABLE, !nic.isUp()
                    ? "interface " + interfaceName + " is administratively down; bring it up first (ip link set " + interfaceName + " up)"
                    : "interface " + interfaceName + " has no carrier (cable, switch port or peer link down), so the VIP could not"
                    + " be reached through it; fix the link first (ip link show " + interfaceName + ")");
        }
        if (!needsLink) {
            return new TakeoverEngine(os, nic, null, null, null, null, plan.checks);
        }
        ArpResolver resolver = plan.opener.resolverInstead();
        if (resolver != null) {
            if (plan.checks.defendMillis() > 0) {
                os.close();
                throw new TakeoverException(ExitCode.BAD_INPUT, "--defend-ms listens for claims and answers them with gratuitous ARP,"
                        + " which needs vipctl to capture and send frames, and it cannot here: " + resolver.why()
                        + "; install Npcap, or leave out --defend-ms");
            }
            return new TakeoverEngine(os, nic, null, new ResolverChecks(uncached(resolver, os, nic), nic.mac(), plan.vip), null, null,
                    plan.checks);
        }
        Announcement frames = plan.profile.count() == 0 ? null : new Announcement(nic.mac(), plan.vip, plan.profile);
        ArpLink link;
        try {
            link = plan.opener.open(nic.captureDevice());
        } catch (IOException e) {
            os.close();
            throw new TakeoverException(ExitCode.ANNOUNCE_FAILED, "cannot open " + interfaceName
                    + " for ARP, so nothing was changed: " + e.getMessage(), e);
        }
        ArpChecks checks = new ArpChecks(link, nic.mac(), plan.vip);
        return new TakeoverEngine(os, nic, link, checks, checks, frames, plan.checks);
    }

    /**
     * {@code resolver}, asking the link each time: SendARP answers from this host's neighbour cache when it has an entry
     * (its page, remarks), so without deleting the entry first a holder that has let go would still answer from the
     * cache, and every later question of the release check with it.
     */
    private static ArpResolver uncached(ArpResolver resolver, NetworkOs os, NetInterface nic) {
        return new ArpResolver() {
            @Override
            public MacAddress resolve(IpAddress target, IpAddress source) throws IOException {
                try {
                    os.flushNeighbour(nic, target);
                } catch (OsException e) {
                    throw new IOException("cannot delete this host's neighbour entry for " + target + " before asking for it: "
                            + e.getMessage(), e);
                }
                return resolver.resolve(target, source);
            }

            @Override
            public String why() {
                return resolver.why();
            }
        };
    }

    /** Refuses an interface on which ARP does not run, as {@link #start(NetworkOs, String, WirePlan)} does for 'up'. */
    public void requireArp() throws TakeoverException {
        if (nic.arp() != NetInterface.Arp.ON) {
            throw withoutArp(nic);
        }
    }

    private static TakeoverException withoutArp(NetInterface nic) {
        return new TakeoverException(ExitCode.INTERFACE_UNAVAILABLE, whyNoArp(nic) + "; " + noArpFix(nic));
    }

    /**
     * Why no gratuitous ARP can announce a VIP on {@code nic} (its {@link NetInterface#arp()} is not ON), nor a probe
     * find who holds it: the clients learn where a VIP is only through ARP on a link layer they share.
     */
    static String whyNoArp(NetInterface nic) {
        switch (nic.arp()) {
            case LOOPBACK:
                return nic.name() + " is a loopback interface: it has no link layer, so no gratuitous ARP can announce a VIP there"
                        + " and no host can take it over";
            case NOT_ETHERNET:
                return nic.name() + " is not an Ethernet interface (a tunnel or point-to-point link): ARP does not exist there, so no"
                        + " gratuitous ARP can announce a VIP and no probe can find who holds it";
            case OFF:
                return nic.name() + " has ARP turned off (NOARP): it neither sends nor answers ARP, so no gratuitous ARP can announce"
                        + " a VIP there and no probe can find who holds it";
            default:
                throw new IllegalArgumentException(nic.name() + " runs ARP");
        }
    }

    /** What to do about {@link #whyNoArp}. */
    static String noArpFix(NetInterface nic) {
        return (nic.arp() == NetInterface.Arp.OFF ? "turn ARP on (ip link set dev " + nic.name() + " arp on) or " : "")
                + "use the interface that faces the clients";
    }

    private static NetInterface resolve(NetworkOs os, String interfaceName) throws TakeoverException {
        try {
            return os.resolve(interfaceName);
        } catch (OsException e) {
            os.close();
            throw translate(e);
        }
    }

    /** What {@link #start} needs to prepare {@link #up} or {@link #probe} for one VIP. */
    public static final class WirePlan {
        final IpAddress vip;
        final AnnouncementProfile profile;
        final WireChecks checks;
        final ArpLinkOpener opener;

        /** @throws IllegalArgumentException see {@link #checkConsistent} */
        public WirePlan(IpAddress vip, AnnouncementProfile profile, WireChecks checks, ArpLinkOpener opener) {
            checkConsistent(profile, checks);
            this.vip = vip;
            this.profile = profile;
            this.checks = checks;
            this.opener = opener;
        }

        /** @throws IllegalArgumentException if the checks defend but the profile announces nothing to defend with */
        public static void checkConsistent(AnnouncementProfile profile, WireChecks checks) {
            if (checks.defendMillis() > 0 && profile.count() == 0) {
                throw new IllegalArgumentException("--defend-ms defends with a fresh announcement, so it needs --garp-count above 0");
            }
        }
    }

    /**
     * Takes the VIP over, top to bottom: inspect the interface; check on the wire that no other MAC still holds the
     * VIP (policy {@code --on-conflict}); add (or relabel) it, read it back and, if wrong, remove and add once more;
     * delete this host's own ARP entry for it; announce it, listening between rounds; probe once more, since only our
     * MAC may answer now; ask the peer; defend.
     * Already configured as desired: nothing changes, the announcement is still sent (the caller is taking over).
     * A failure of the change or its verification undoes what this run changed ({@link ExitCode#UNDO_FAILED} if that
     * fails too); a failure to announce leaves the VIP configured ({@link ExitCode#NOT_ANNOUNCED}). A split brain or a
     * silent peer leaves the VIP up and is reported in {@code outcome} with its exit code.
     */
    public void up(InterfaceAddress desired, Outcome outcome, Timings timings) throws TakeoverException {
        requireWirePlan();
        noteWithoutCapture(outcome);
        String what = desired + " on " + nic.name();
        List<InterfaceAddress> before = addresses();
        InterfaceAddress existing = find(before, desired);
        boolean relabel = existing != null && !existing.label().equals(desired.label());
        if (relabel && isOwnAddress(existing)) {
            throw new TakeoverException(ExitCode.BAD_INPUT, existing + " is " + nic.name() + "'s own address, not a VIP:"
                    + " refusing to relabel it as " + desired.label() + " (that would remove and re-add it)");
        }
        if (relabel) {
            List<InterfaceAddress> lost = secondariesLostWith(before, existing);
            if (!lost.isEmpty()) {
                throw new TakeoverException(ExitCode.BAD_INPUT, "relabelling " + existing + " as " + desired.label() + " removes and"
                        + " re-adds it, and the kernel would remove the secondaries of its subnet " + lost + " with it, because "
                        + nic.name() + " does not promote them (net.ipv4.conf." + nic.name() + ".promote_secondaries=0): nothing was"
                        + " changed; set it to 1, or keep the label " + existing.label());
            }
        }
        if (existing == null) {
            List<InterfaceAddress> otherPrefixes = withAddress(before, desired.address());
            if (!otherPrefixes.isEmpty()) {
                throw new TakeoverException(ExitCode.BAD_INPUT, desired.address() + " is already on " + nic.name() + " as "
                        + otherPrefixes + "; refusing to add a second copy as /" + desired.prefixLength()
                        + ": take that one down first, or use its prefix");
            }
        }
        timings.mark("inspect");

        if (checks.probes()) {
            checkRelease(desired, outcome);
            timings.mark("releaseCheck");
        }

        try {
            outcome.address(configure(desired, existing, outcome, timings));
        } catch (TakeoverException failure) {
            throw undo(failure, existing, desired, outcome);
        }
        if (existing == null || relabel) {
            flushNeighbour(desired.address(), outcome);
        }
        timings.mark("verify");

        if (arp == null) {
            return;
        }
        if (frames == null) {
            askThroughTheResolver(what, outcome, timings);
            return;
        }
        try {
            watchTheWire(what, outcome, timings);
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.NOT_ANNOUNCED, what + " is configured, but " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TakeoverException(ExitCode.NOT_ANNOUNCED, what + " is configured, but the announcement was interrupted", e);
        }
    }

    /** Adds (or relabels) the VIP and reads it back; if wrong, removes and adds it once more. Returns it as configured. */
    private InterfaceAddress configure(InterfaceAddress desired, InterfaceAddress existing, Outcome outcome, Timings timings)
            throws TakeoverException {
        if (existing == null) {
            add(desired, outcome, "added");
        } else if (!existing.label().equals(desired.label())) {
            // The kernel cannot change a label in place (docs/linux.md#labels): replace the address.
            remove(existing);
            add(desired, outcome, "relabelled from '" + existing.label() + "'");
        }
        timings.mark("add");

        InterfaceAddress configured = find(addresses(), desired);
        if (!matches(configured, desired)) {
            if (configured != null) {
                remove(configured);
            }
            add(desired, outcome, "re-added after verification found " + (configured == null ? "nothing" : configured));
            configured = find(addresses(), desired);
            if (!matches(configured, desired)) {
                throw new TakeoverException(ExitCode.VERIFICATION_FAILED, "after adding " + desired + " on " + nic.name()
                        + " and retrying once, the kernel reports " + (configured == null ? "no such address" : configured));
            }
        }
        return configured;
    }

    /**
     * Puts the VIP back as it was before this run ({@code existing}, or absent) after {@code failure}, and returns the
     * exception to throw: the failure itself, saying that it was undone, or {@link ExitCode#UNDO_FAILED}.
     */
    private TakeoverException undo(TakeoverException failure, InterfaceAddress existing, InterfaceAddress desired, Outcome outcome) {
        String vip = desired.address() + "/" + desired.prefixLength();
        String was = existing == null ? "not configured" : "configured as " + existing;
        InterfaceAddress now = null;
        boolean undid = false;
        try {
            now = find(addresses(), desired);
            if (!sameAs(now, existing)) {
                if (now != null) {
                    remove(now);
                }
                if (existing != null) {
                    putBack(existing, outcome);
                }
                outcome.action("undone: " + was + " again");
                undid = true;
                now = find(addresses(), desired);
            }
        } catch (TakeoverException | OsException e) {
            outcome.address(now);
            return new TakeoverException(ExitCode.UNDO_FAILED, failure.getMessage() + "; undoing it failed too (" + e.getMessage()
                    + "): the kernel last reported " + (now == null ? vip + " absent" : now), failure);
        }
        outcome.address(now);
        if (!sameAs(now, existing)) {
            return new TakeoverException(ExitCode.UNDO_FAILED, failure.getMessage() + "; undoing it failed too: the kernel reports "
                    + (now == null ? vip + " absent" : now) + ", where it was " + was, failure);
        }
        return new TakeoverException(failure.exitCode(), failure.getMessage() + (undid ? "; undone: " : "; nothing was changed: ")
                + vip + " is " + was + ", as before", failure);
    }

    /**
     * Adds {@code existing} again. An answer that did not come (the kernel carries a request out while it is sent) or an
     * address already there is left to the read-back that follows, which says whether the VIP is as it was.
     */
    private void putBack(InterfaceAddress existing, Outcome outcome) throws OsException {
        InterfaceAddress again = new InterfaceAddress(existing.address(), existing.prefixLength(), existing.label());
        try {
            os.add(nic, again);
        } catch (OsException e) {
            if (e.reason() != OsException.Reason.NO_ANSWER && e.reason() != OsException.Reason.ALREADY_EXISTS) {
                throw e;
            }
            outcome.warn("putting " + again + " back: " + e.getMessage() + "; read back to see what is there");
        }
    }

    /** Whether {@code now} is the address {@code before} was (both absent, or the same address, prefix and label). */
    private static boolean sameAs(InterfaceAddress now, InterfaceAddress before) {
        return now == null ? before == null : before != null && now.sameAddressAndPrefix(before) && now.label().equals(before.label());
    }

    /** Probes for the VIP until it is free or released, or the release wait ends; a holder left means a conflict. */
    private void checkRelease(InterfaceAddress desired, Outcome outcome) throws TakeoverException {
        ReleaseCheck check;
        try {
            check = arp.releaseCheck(millisToNanos(checks.probeWaitMillis()), millisToNanos(checks.releaseWaitMillis()));
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.ANNOUNCE_FAILED, "the release check of " + desired.address() + " failed, so nothing was changed: "
                    + e.getMessage(), e);
        }
        outcome.releaseCheck(check);
        if (check.state() != ReleaseCheck.State.HELD) {
            return;
        }
        String held = desired.address() + " is " + check.describe();
        if (checks.onConflict() == WireChecks.OnConflict.FAIL) {
            throw new TakeoverException(ExitCode.CONFLICT, held + " (waited " + checks.releaseWaitMillis() + " ms for its release);"
                    + " --on-conflict fail: nothing was changed");
        }
        outcome.warn("conflict: " + held + "; taking it over (--on-conflict takeover)");
    }

    /**
     * After the VIP is configured: announce (listening between rounds), then, with probing on, one more round of
     * {@value ArpChecks#PROBE_NUM} probes within the probe wait (as the release check's, so that one lost frame does not
     * hide another holder), the peer's answer and the defend window. Any other MAC that claims the VIP from our first
     * frame on is a split brain.
     */
    private void watchTheWire(String what, Outcome outcome, Timings timings) throws IOException, InterruptedException {
        Map<MacAddress, Claimant> claims = new LinkedHashMap<>();
        long takeover = System.nanoTime();
        if (announcement != null) {
            // With probing off the wire is not consulted at all: the rounds are paced by sleeping.
            AnnouncementResult sent = checks.probes() ? frames.announce(announcement, claims) : announcement.send(link);
            outcome.framesSent(sent.framesSent());
            takeover = sent.firstFrameNanos();
            timings.markSinceStart("startToFirstGarp", takeover);
            timings.mark("announce");
        }
        if (checks.probes()) {
            for (Claimant answer : frames.probeRound(millisToNanos(checks.probeWaitMillis())).answers()) {
                claims.putIfAbsent(answer.mac(), answer);
            }
            timings.mark("wireVerify");
        }
        IpAddress peer = checks.verifyPeer();
        if (peer != null) {
            outcome.peerAnswer(arp.askPeer(peer, millisToNanos(checks.probeWaitMillis()), WireChecks.PEER_ATTEMPTS, claims));
            timings.mark("verifyPeer");
        }
        if (checks.defendMillis() > 0) {
            outcome.defences(frames.defend(System.nanoTime() + millisToNanos(checks.defendMillis()), announcement, claims));
            timings.mark("defend");
        }
        outcome.claimants(new ArrayList<>(claims.values()), takeover);

        if (!claims.isEmpty()) {
            Claimant first = claims.values().iterator().next();
            outcome.result(ExitCode.SPLIT_BRAIN, what + " is up here, but " + String.join(", ", Claimant.macs(claims.values())) + " also claim"
                    + (claims.size() == 1 ? "s" : "") + " it (split brain; first frame: " + first.firstFrame() + ")."
                    + (outcome.defences() > 0 ? " Defended " + outcome.defences() + " time(s), but clients may still reach the other host." : "")
                    + " Take it down on the other host, or check which host the clients reach");
        } else if (peer != null && outcome.peerAnswer() == null) {
            outcome.result(ExitCode.PEER_SILENT, what + " is up and announced, but " + peer + " did not answer "
                    + WireChecks.PEER_ATTEMPTS + " ARP requests from it within " + checks.probeWaitMillis() + " ms each:"
                    + " the VIP is not proven usable on the segment");
        }
    }

    /**
     * After the VIP is configured, without frames of vipctl's own: Windows' duplicate address detection, which ran when
     * the address was added (WindowsNetworkOs waits for it), is the announcement, and nothing can be probed after it
     * or defended; the peer, if any, is asked through the resolver.
     */
    private void askThroughTheResolver(String what, Outcome outcome, Timings timings) throws TakeoverException {
        IpAddress peer = checks.verifyPeer();
        if (peer == null) {
            return;
        }
        try {
            outcome.peerAnswer(arp.askPeer(peer, millisToNanos(checks.probeWaitMillis()), WireChecks.PEER_ATTEMPTS, new LinkedHashMap<>()));
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.NOT_ANNOUNCED, what + " is configured, but asking " + peer + " for its MAC failed: "
                    + e.getMessage(), e);
        }
        timings.mark("verifyPeer");
        if (outcome.peerAnswer() == null) {
            outcome.result(ExitCode.PEER_SILENT, what + " is up, but " + peer + " did not answer " + WireChecks.PEER_ATTEMPTS
                    + " SendARP questions from it: the VIP is not proven usable on the segment");
        }
    }

    /**
     * Who answers for the VIP right now: {@value ArpChecks#PROBE_NUM} probes, each waiting the probe wait, and
     * whether it is configured here (this host's kernel does not answer its own probes). One holder: OK; none:
     * {@link ExitCode#NOT_CONFIGURED}; more than one, this host included: {@link ExitCode#SPLIT_BRAIN}. Changes nothing.
     */
    public void probe(IpAddress vip, Outcome outcome, Timings timings) throws TakeoverException {
        requireWirePlan();
        if (arp == null) {
            throw new IllegalStateException("probe needs a probe wait above 0");
        }
        noteWithoutCapture(outcome);
        try {
            for (int i = 0; i < ArpChecks.PROBE_NUM; i++) {
                ArpChecks.ProbeRound round = arp.probe(millisToNanos(checks.probeWaitMillis()));
                for (Claimant answer : round.answers()) {
                    outcome.probeAnswer(answer.mac(), answer.firstNanos() - round.sentNanos());
                }
            }
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.ANNOUNCE_FAILED, "cannot probe for " + vip + " on " + nic.name() + ": " + e.getMessage(), e);
        }
        timings.mark("probe");
        List<InterfaceAddress> here = withAddress(addresses(), vip);
        if (!here.isEmpty()) {
            outcome.address(here.get(0));
        }
        timings.mark("inspect");
        int holders = outcome.probeAnswers().size() + (here.isEmpty() ? 0 : 1);
        String who = (here.isEmpty() ? "" : "this host (" + nic.mac() + ", configured as " + here.get(0) + ")"
                + (outcome.probeAnswers().isEmpty() ? "" : " and ")) + String.join(", ", answered(outcome.probeAnswers()));
        if (holders == 0) {
            outcome.result(ExitCode.NOT_CONFIGURED, "nobody answers for " + vip + " on " + nic.name() + "'s segment ("
                    + ArpChecks.PROBE_NUM + (frames == null ? " SendARP questions" : " probes, " + checks.probeWaitMillis() + " ms each")
                    + "), and it is not configured here");
        } else if (holders > 1) {
            outcome.result(ExitCode.SPLIT_BRAIN, vip + " is held by " + who + " at once: split brain");
        } else {
            outcome.result(ExitCode.OK, vip + " is held by " + who);
        }
    }

    /** Asking through the OS's resolver: says why, for the report. */
    private void noteWithoutCapture(Outcome outcome) {
        if (arp instanceof ResolverChecks) {
            outcome.withoutCapture(((ResolverChecks) arp).why());
        }
    }

    private void requireWirePlan() {
        if (checks == null) {
            throw new IllegalStateException("the engine was started without a wire plan");
        }
    }

    /** "02:00:00:00:00:0a (answered in 0.31 ms)" for each MAC. */
    private static List<String> answered(Map<MacAddress, Long> replyNanos) {
        List<String> words = new ArrayList<>();
        for (Map.Entry<MacAddress, Long> answer : replyNanos.entrySet()) {
            words.add(answer.getKey() + String.format(Locale.ROOT, " (answered in %.2f ms)", answer.getValue() / 1e6));
        }
        return words;
    }

    private static long millisToNanos(int millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /**
     * Removes exactly the named VIP, deletes this host's own ARP entry for it, and confirms it is gone. The operator
     * must name it exactly (address and prefix), and it must be a VIP, not the interface's own address (see
     * {@link #isOwnAddress}); {@code force} lifts both rules. Removing a subnet's primary address where the OS does not
     * promote secondaries takes them with it: that is warned about before, and what went is reported after. Already
     * absent: nothing changes.
     */
    public void down(Vip vip, boolean force, Outcome outcome, Timings timings) throws TakeoverException {
        List<InterfaceAddress> before = addresses();
        List<InterfaceAddress> candidates = candidates(before, vip);
        if (candidates.isEmpty()) {
            List<InterfaceAddress> otherPrefixes = withAddress(before, vip.address());
            if (!otherPrefixes.isEmpty()) {
                throw new TakeoverException(ExitCode.BAD_INPUT, vip + " is not on " + nic.name() + ", but " + otherPrefixes
                        + " is: name that prefix to take it down");
            }
            timings.mark("inspect");
            return;
        }
        if (candidates.size() > 1) {
            throw new TakeoverException(ExitCode.BAD_INPUT, vip.address() + " is on " + nic.name() + " more than once " + candidates
                    + ": name the prefix to remove, like " + vip.address() + "/" + candidates.get(0).prefixLength());
        }
        InterfaceAddress target = candidates.get(0);
        outcome.found(target);
        if (!vip.hasPrefix() && !force) {
            throw new TakeoverException(ExitCode.BAD_INPUT, "--vip " + vip + " does not name the address exactly; " + nic.name()
                    + " has " + target + ": name it as " + vip.address() + "/" + target.prefixLength() + " (or add --force)");
        }
        if (isOwnAddress(target) && !force) {
            throw new TakeoverException(ExitCode.BAD_INPUT, target + " is " + nic.name() + "'s own address (primary, without a "
                    + nic.name() + ":tag label), not a VIP: refusing to remove it (--force removes it anyway)");
        }
        List<InterfaceAddress> secondaries = secondariesLostWith(before, target);
        if (!secondaries.isEmpty()) {
            outcome.warn("removing " + target + " also removes the secondaries of its subnet " + secondaries + ", because "
                    + nic.name() + " does not promote them (net.ipv4.conf." + nic.name() + ".promote_secondaries=0;"
                    + " set it to 1 to keep them)");
        }
        timings.mark("inspect");

        if (remove(target)) {
            outcome.action("removed");
        } else {
            outcome.warn(target + " was gone when vipctl came to remove it: something else removed it meanwhile");
        }
        flushNeighbour(target.address(), outcome);
        timings.mark("remove");

        List<InterfaceAddress> after = addresses();
        InterfaceAddress left = find(after, target);
        if (left != null) {
            outcome.address(left);
            throw new TakeoverException(ExitCode.VERIFICATION_FAILED, "removed " + target + " from " + nic.name() + " but the kernel still reports " + left);
        }
        // A set, not a search per address: an interface may carry thousands of addresses.
        Set<String> remaining = new HashSet<>();
        for (InterfaceAddress address : after) {
            remaining.add(address.address() + "/" + address.prefixLength());
        }
        List<InterfaceAddress> alsoGone = new ArrayList<>();
        for (InterfaceAddress address : before) {
            if (!address.sameAddressAndPrefix(target) && !remaining.contains(address.address() + "/" + address.prefixLength())) {
                alsoGone.add(address);
            }
        }
        if (!alsoGone.isEmpty()) {
            outcome.warn("the kernel also removed " + alsoGone + " with " + target);
        }
        timings.mark("verify");
    }

    /**
     * The secondaries the kernel removes with {@code address}: those of its subnet if it is a subnet's primary and the
     * interface does not promote them (promote_secondaries is read, two files, only when there are any).
     */
    private List<InterfaceAddress> secondariesLostWith(List<InterfaceAddress> addresses, InterfaceAddress address) throws TakeoverException {
        List<InterfaceAddress> secondaries = address.has(AddressFlag.SECONDARY) ? List.of() : secondariesOf(addresses, address);
        return secondaries.isEmpty() || promotesSecondaries() ? List.of() : secondaries;
    }

    private boolean promotesSecondaries() throws TakeoverException {
        try {
            return os.promotesSecondaries(nic);
        } catch (OsException e) {
            throw translate(e);
        }
    }

    /** The secondary addresses in {@code primary}'s subnet (same prefix length and network). */
    private static List<InterfaceAddress> secondariesOf(List<InterfaceAddress> addresses, InterfaceAddress primary) {
        List<InterfaceAddress> found = new ArrayList<>();
        int prefix = primary.prefixLength();
        for (InterfaceAddress address : addresses) {
            if (address.has(AddressFlag.SECONDARY) && address.prefixLength() == prefix
                    && primary.address().inIpv4Subnet(address.address(), prefix)) {
                found.add(address);
            }
        }
        return found;
    }

    /** Reports whether the VIP is configured here, and how. */
    public void status(Vip vip, Outcome outcome) throws TakeoverException {
        List<InterfaceAddress> found = candidates(addresses(), vip);
        if (found.isEmpty()) {
            outcome.result(ExitCode.NOT_CONFIGURED, vip + " is not configured on " + nic.name());
            return;
        }
        outcome.address(found.get(0));
        for (InterfaceAddress other : found.subList(1, found.size())) {
            outcome.warn("also configured as " + other);
        }
    }

    /**
     * The host's own address: a primary (non-secondary) address that carries no {@code <interface>:tag} label and is
     * a source of the host's connections. A VIP is labelled like a sub-interface, or, in the host's subnet, secondary
     * (Linux); or never a source address (Windows, which has no labels: vipctl adds every VIP there with SkipAsSource,
     * docs/windows.md#windowsnetworkos). Removing the primary would also take every secondary of its subnet with it
     * (promote_secondaries=0, docs/linux.md#primary-and-secondary-addresses).
     */
    static boolean isOwnAddress(InterfaceAddress address, String interfaceName) {
        return !address.has(AddressFlag.SECONDARY) && !address.has(AddressFlag.NOT_A_SOURCE)
                && !address.label().startsWith(interfaceName + ":");
    }

    private boolean isOwnAddress(InterfaceAddress address) {
        return isOwnAddress(address, nic.name());
    }

    private static boolean matches(InterfaceAddress configured, InterfaceAddress desired) {
        return configured != null && configured.label().equals(desired.label())
                && !configured.has(AddressFlag.TENTATIVE) && !configured.has(AddressFlag.DAD_FAILED);
    }

    private static InterfaceAddress find(List<InterfaceAddress> addresses, InterfaceAddress wanted) {
        for (InterfaceAddress address : addresses) {
            if (address.sameAddressAndPrefix(wanted)) {
                return address;
            }
        }
        return null;
    }

    private static List<InterfaceAddress> candidates(List<InterfaceAddress> addresses, Vip vip) {
        List<InterfaceAddress> found = new ArrayList<>();
        for (InterfaceAddress address : withAddress(addresses, vip.address())) {
            if (!vip.hasPrefix() || address.prefixLength() == vip.prefixLength()) {
                found.add(address);
            }
        }
        return found;
    }

    private static List<InterfaceAddress> withAddress(List<InterfaceAddress> addresses, IpAddress wanted) {
        List<InterfaceAddress> found = new ArrayList<>();
        for (InterfaceAddress address : addresses) {
            if (address.address().equals(wanted)) {
                found.add(address);
            }
        }
        return found;
    }

    private List<InterfaceAddress> addresses() throws TakeoverException {
        try {
            return os.addresses(nic);
        } catch (OsException e) {
            throw translate(e);
        }
    }

    private void add(InterfaceAddress desired, Outcome outcome, String action) throws TakeoverException {
        try {
            os.add(nic, desired);
            outcome.action(action);
        } catch (OsException e) {
            if (e.reason() == OsException.Reason.NO_ANSWER) {
                // The request was taken, its answer lost: the address table says whether it was carried out.
                if (find(addresses(), desired) == null) {
                    throw translate(e);
                }
                outcome.action(action);
                outcome.warn(e.getMessage() + "; read back: it was added");
            } else if (e.reason() == OsException.Reason.ALREADY_EXISTS) {
                // Another actor added it between our look and our add: verification decides whether it is right.
                outcome.warn("added concurrently by someone else: " + e.getMessage());
            } else {
                throw translate(e);
            }
        }
    }

    /** Removes the address; false when it was already gone (someone else removed it after our look). */
    private boolean remove(InterfaceAddress address) throws TakeoverException {
        try {
            os.remove(nic, address);
            return true;
        } catch (OsException e) {
            if (e.reason() == OsException.Reason.NO_SUCH_ADDRESS) {
                return false;
            }
            if (e.reason() == OsException.Reason.NO_ANSWER && find(addresses(), address) == null) {
                return true; // the request was taken, its answer lost, and the address is gone
            }
            throw translate(e);
        }
    }

    /**
     * Deletes this host's neighbour entry for the VIP after the VIP came or went here ({@link NetworkOs#flushNeighbour});
     * its time counts in the phase it ends. A failure is a warning: the VIP is where it should be, and only this host's
     * own packets to it may go to the MAC it learned before, until the entry expires.
     */
    private void flushNeighbour(IpAddress vip, Outcome outcome) {
        try {
            os.flushNeighbour(nic, vip);
        } catch (OsException e) {
            outcome.warn("this host's ARP cache entry for " + vip + " could not be deleted, so its own packets to " + vip
                    + " may go to the MAC it learned before until the entry expires: " + e.getMessage());
        }
    }

    /** The OS layer's message already says what it was doing and what the kernel answered. */
    private static TakeoverException translate(OsException e) {
        return new TakeoverException(ExitCode.of(e.reason()), e.getMessage(), e);
    }

    @Override
    public void close() {
        if (link != null) {
            link.close();
        }
        os.close();
    }
}
