package dev.vipctl.agent;

import dev.vipctl.agent.arp.ArpChecks;
import dev.vipctl.agent.arp.Claimant;
import dev.vipctl.agent.arp.ReleaseCheck;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.MacAddress;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What one engine operation found and did: the facts the log line, the JSON and the exit code are made from. */
public final class Outcome {
    private final List<String> actions = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private InterfaceAddress address;
    private InterfaceAddress found;
    private int framesSent;
    private ExitCode exitCode = ExitCode.OK;
    private String message = "";
    private ReleaseCheck releaseCheck;
    private final List<Claimant> claimants = new ArrayList<>();
    private long takeoverNanos;
    private int defences;
    private ArpChecks.PeerAnswer peerAnswer;
    private final Map<MacAddress, Long> probeAnswers = new LinkedHashMap<>();
    private String withoutCapture;

    /** A change made on the host, in the order made ("added", "removed", "re-added after failed verification"). */
    void action(String action) {
        actions.add(action);
    }

    void warn(String warning) {
        warnings.add(warning);
    }

    /** The VIP as the OS reports it after the operation (null when it is not configured). */
    void address(InterfaceAddress address) {
        this.address = address;
    }

    /** The VIP as the operation found it before changing anything (null when it was not configured). */
    void found(InterfaceAddress found) {
        this.found = found;
    }

    void framesSent(int framesSent) {
        this.framesSent = framesSent;
    }

    void result(ExitCode exitCode, String message) {
        this.exitCode = exitCode;
        this.message = message;
    }

    void releaseCheck(ReleaseCheck releaseCheck) {
        this.releaseCheck = releaseCheck;
    }

    /** Other MACs that claimed the VIP after our takeover, which happened at {@code takeoverNanos} (nanoTime). */
    void claimants(List<Claimant> claimants, long takeoverNanos) {
        this.claimants.addAll(claimants);
        this.takeoverNanos = takeoverNanos;
    }

    void defences(int defences) {
        this.defences = defences;
    }

    void peerAnswer(ArpChecks.PeerAnswer peerAnswer) {
        this.peerAnswer = peerAnswer;
    }

    void probeAnswer(MacAddress mac, long replyNanos) {
        probeAnswers.putIfAbsent(mac, replyNanos);
    }

    /** vipctl asked through the OS's resolver, sent no frame and let the OS announce, for this reason. */
    void withoutCapture(String why) {
        this.withoutCapture = why;
    }

    /**
     * Why vipctl could not send and capture frames on this run ("Npcap is not installed: no ..."), so that the release
     * check and the peer question went through the OS's resolver (SendARP) and the OS's own duplicate address detection
     * announced the VIP; null when vipctl used frames, or no wire at all.
     */
    public String withoutCapture() {
        return withoutCapture;
    }

    /** The release check before 'up' (null when probing was off or it did not run). */
    public ReleaseCheck releaseCheck() {
        return releaseCheck;
    }

    public List<Claimant> claimants() {
        return Collections.unmodifiableList(claimants);
    }

    /** When the claimant's first frame came, in µs after the takeover (our first announcement). */
    public long claimedAfterTakeoverMicros(Claimant claimant) {
        return (claimant.firstNanos() - takeoverNanos) / 1000;
    }

    /** Announcements sent in defence during the defend window. */
    public int defences() {
        return defences;
    }

    /** The --verify-peer's answer, or null (not asked, or silent). */
    public ArpChecks.PeerAnswer peerAnswer() {
        return peerAnswer;
    }

    /** 'probe': each MAC that answered, with its first reply time in ns after the probe. */
    public Map<MacAddress, Long> probeAnswers() {
        return Collections.unmodifiableMap(probeAnswers);
    }

    public List<String> actions() {
        return Collections.unmodifiableList(actions);
    }

    public boolean changed() {
        return !actions.isEmpty();
    }

    public List<String> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    public InterfaceAddress address() {
        return address;
    }

    public InterfaceAddress found() {
        return found;
    }

    public int framesSent() {
        return framesSent;
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    public String message() {
        return message;
    }
}
