package dev.vipctl.agent;

import dev.vipctl.agent.arp.Announcement;
import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.AnnouncementResult;
import dev.vipctl.agent.arp.FrameSender;
import dev.vipctl.os.AddressFlag;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.NetInterface;
import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves one VIP on one interface. Everything slow happens in the start-up ({@link #start}): resolving the
 * interface, opening the frame sender, building the gratuitous ARP frames. The operations after it make only
 * the native calls they need, so the first frame leaves right after the address is confirmed, and the same
 * engine can stay resident and serve many operations.
 *
 * <p>Every operation checks the request against the host's state before it changes anything, so a request that
 * cannot be carried out ends with nothing changed.
 */
public final class TakeoverEngine implements AutoCloseable {
    /** Opens the sender of raw frames on an interface (pcap in production, a recorder in tests). */
    public interface FrameSenderOpener {
        FrameSender open(String interfaceName) throws IOException;
    }

    private final NetworkOs os;
    private final NetInterface nic;
    private final FrameSender sender;
    private final Announcement announcement;

    private TakeoverEngine(NetworkOs os, NetInterface nic, FrameSender sender, Announcement announcement) {
        this.os = os;
        this.nic = nic;
        this.sender = sender;
        this.announcement = announcement;
    }

    /**
     * Start-up. With an {@code announce} plan the engine can bring the VIP up: the interface must be up, the frame
     * sender is opened and the frames are prebuilt; without one (null) it can only take the VIP down and report.
     * The engine owns {@code os} and closes it.
     */
    public static TakeoverEngine start(NetworkOs os, String interfaceName, AnnouncePlan announce) throws TakeoverException {
        NetInterface nic;
        try {
            nic = os.resolve(interfaceName);
        } catch (OsException e) {
            os.close();
            throw translate(e);
        }
        if (announce == null) {
            return new TakeoverEngine(os, nic, null, null);
        }
        if (!nic.isUp()) {
            os.close();
            throw new TakeoverException(ExitCode.INTERFACE_UNAVAILABLE, "interface " + interfaceName
                    + " is administratively down; bring it up first (ip link set " + interfaceName + " up)");
        }
        Announcement frames = new Announcement(nic.mac(), announce.vip.address(), announce.profile);
        if (announce.profile.count() == 0) {
            return new TakeoverEngine(os, nic, null, frames);
        }
        try {
            return new TakeoverEngine(os, nic, announce.opener.open(interfaceName), frames);
        } catch (IOException e) {
            os.close();
            throw new TakeoverException(ExitCode.ANNOUNCE_FAILED, "cannot open " + interfaceName
                    + " for gratuitous ARP, so nothing was changed: " + e.getMessage(), e);
        }
    }

    /** What {@link #start} needs to prepare the announcements of {@link #up}. */
    public static final class AnnouncePlan {
        final Vip vip;
        final AnnouncementProfile profile;
        final FrameSenderOpener opener;

        public AnnouncePlan(Vip vip, AnnouncementProfile profile, FrameSenderOpener opener) {
            this.vip = vip;
            this.profile = profile;
            this.opener = opener;
        }
    }

    public NetInterface nic() {
        return nic;
    }

    /**
     * Makes {@code desired} (address, prefix, label) configured on the interface and announces it:
     * inspect, add (or relabel), read back and, if it does not match, remove and add once more, then announce.
     * Already configured as desired: nothing changes, the announcement is still sent (the caller is taking over).
     */
    public void up(InterfaceAddress desired, Outcome outcome, Timings timings) throws TakeoverException {
        if (announcement == null) {
            throw new IllegalStateException("engine was started without an announcement plan");
        }
        String what = desired + " on " + nic.name();
        List<InterfaceAddress> before = addresses();
        InterfaceAddress existing = find(before, desired);
        if (existing != null && !existing.label().equals(desired.label()) && isOwnAddress(existing)) {
            throw new TakeoverException(ExitCode.BAD_INPUT, existing + " is " + nic.name() + "'s own address, not a VIP:"
                    + " refusing to relabel it as " + desired.label() + " (that would remove and re-add it)");
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

        if (existing == null) {
            add(desired, outcome, "added");
        } else if (!existing.label().equals(desired.label())) {
            // The kernel cannot change a label in place (NATIVE_APIS.md §1.1): replace the address.
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
                outcome.address(configured);
                throw new TakeoverException(ExitCode.VERIFICATION_FAILED, "after adding " + what + " and retrying once, the kernel reports "
                        + (configured == null ? "no such address" : configured));
            }
        }
        outcome.address(configured);
        timings.mark("verify");

        if (sender == null) {
            return;
        }
        try {
            AnnouncementResult sent = announcement.send(sender);
            outcome.framesSent(sent.framesSent());
            timings.markSinceStart("startToFirstGarp", sent.firstFrameNanos());
            timings.mark("announce");
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.ANNOUNCE_FAILED, what + " is configured, but gratuitous ARP failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TakeoverException(ExitCode.ANNOUNCE_FAILED, what + " is configured, but the announcement was interrupted", e);
        }
    }

    /**
     * Removes exactly the named VIP and confirms it is gone. Without a prefix the one address with that IP is meant;
     * with several, the operator must name the prefix. The interface's own address is refused: see {@link #isOwnAddress}.
     * Already absent: nothing changes.
     */
    public void down(Vip vip, Outcome outcome, Timings timings) throws TakeoverException {
        List<InterfaceAddress> before = addresses();
        List<InterfaceAddress> candidates = candidates(before, vip);
        if (candidates.isEmpty()) {
            List<InterfaceAddress> otherPrefixes = withAddress(before, vip.address());
            if (!otherPrefixes.isEmpty()) {
                throw new TakeoverException(ExitCode.BAD_INPUT, vip + " is not on " + nic.name() + ", but " + otherPrefixes
                        + " is: name that prefix (or none) to take it down");
            }
            timings.mark("inspect");
            return;
        }
        if (candidates.size() > 1) {
            throw new TakeoverException(ExitCode.BAD_INPUT, vip.address() + " is on " + nic.name() + " more than once " + candidates
                    + ": name the prefix to remove, like " + vip.address() + "/" + candidates.get(0).prefixLength());
        }
        InterfaceAddress target = candidates.get(0);
        if (isOwnAddress(target)) {
            throw new TakeoverException(ExitCode.BAD_INPUT, target + " is " + nic.name() + "'s own address (primary, without a "
                    + nic.name() + ":tag label), not a VIP: refusing to remove it");
        }
        timings.mark("inspect");

        remove(target);
        outcome.action("removed");
        timings.mark("remove");

        InterfaceAddress left = find(addresses(), target);
        if (left != null) {
            outcome.address(left);
            throw new TakeoverException(ExitCode.VERIFICATION_FAILED, "removed " + target + " from " + nic.name() + " but the kernel still reports " + left);
        }
        timings.mark("verify");
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
     * The host's own address: a primary (non-secondary) address that carries no {@code <interface>:tag} label.
     * A VIP is either labelled like a sub-interface or, in the host's subnet, secondary. Removing the primary would
     * also take every secondary of its subnet with it (NATIVE_APIS.md §1.5, promote_secondaries=0).
     */
    static boolean isOwnAddress(InterfaceAddress address, String interfaceName) {
        return !address.has(AddressFlag.SECONDARY) && !address.label().startsWith(interfaceName + ":");
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
            if (e.reason() != OsException.Reason.ALREADY_EXISTS) {
                throw translate(e);
            }
            // Another actor added it between our look and our add: verification decides whether it is right.
            outcome.warn("added concurrently by someone else: " + e.getMessage());
        }
    }

    private void remove(InterfaceAddress address) throws TakeoverException {
        try {
            os.remove(nic, address);
        } catch (OsException e) {
            if (e.reason() != OsException.Reason.NO_SUCH_ADDRESS) {
                throw translate(e);
            }
            // Gone between our look and our remove: the state we want.
        }
    }

    /** The OS layer's message already says what it was doing and what the kernel answered. */
    private static TakeoverException translate(OsException e) {
        ExitCode code;
        switch (e.reason()) {
            case NO_SUCH_INTERFACE:
                code = ExitCode.INTERFACE_UNAVAILABLE;
                break;
            case NOT_PERMITTED:
                code = ExitCode.NOT_PRIVILEGED;
                break;
            case IO:
                code = ExitCode.INTERNAL_ERROR;
                break;
            default:
                code = ExitCode.OS_REFUSED;
        }
        return new TakeoverException(code, e.getMessage(), e);
    }

    @Override
    public void close() {
        if (sender != null) {
            sender.close();
        }
        os.close();
    }
}
