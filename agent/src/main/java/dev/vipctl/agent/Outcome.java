package dev.vipctl.agent;

import dev.vipctl.os.InterfaceAddress;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What one engine operation found and did: the facts the log line, the JSON and the exit code are made from. */
public final class Outcome {
    private final List<String> actions = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private InterfaceAddress address;
    private int framesSent;
    private ExitCode exitCode = ExitCode.OK;
    private String message = "";

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

    void framesSent(int framesSent) {
        this.framesSent = framesSent;
    }

    void result(ExitCode exitCode, String message) {
        this.exitCode = exitCode;
        this.message = message;
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
