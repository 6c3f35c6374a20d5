package dev.vipctl.agent;

import dev.vipctl.os.OsException;

/**
 * The exit-code contract with whatever runs vipctl (a Management Layer, a script, an operator). Codes are stable:
 * add new ones at the end, never renumber. The same table is printed by {@code --help} and documented in the README;
 * each meaning fits one line of the help (94 characters).
 */
public enum ExitCode {
    OK(0, "done: the VIP is in the requested state (also when it already was)"),
    INTERNAL_ERROR(1, "unexpected internal error (a bug: please report the message)"),
    BAD_INPUT(2, "usage or bad input; nothing was changed"),
    NOT_PRIVILEGED(3, "not privileged (root, or CAP_NET_ADMIN+CAP_NET_RAW; Windows: elevated); nothing was changed"),
    INTERFACE_UNAVAILABLE(4, "interface missing, or without ARP, down or without carrier for 'up'; nothing was changed"),
    OS_REFUSED(5, "the kernel refused the change or did not answer; anything changed was undone: as it was"),
    VERIFICATION_FAILED(6, "the change did not verify (read back, retried once) and was undone: as it was"),
    ANNOUNCE_FAILED(7, "the ARP socket could not be opened or used before any change; nothing was changed"),
    NOT_CONFIGURED(8, "status: the VIP is not configured on the interface; probe: nobody answers for it"),
    UNSUPPORTED_OS(9, "this operating system is not supported, or its network API did not load; nothing was changed"),
    CONFLICT(10, "up --on-conflict fail: another MAC still holds the VIP; nothing was changed"),
    SPLIT_BRAIN(11, "another MAC answers for or claims the VIP too (MACs in the message); ours stays up"),
    LOCK_TIMEOUT(12, "another vipctl kept this VIP's lock past --lock-timeout-ms; nothing was changed"),
    PEER_SILENT(13, "the VIP is up and announced, but --verify-peer got no ARP answer through it"),
    NOT_ANNOUNCED(14, "up: the VIP is configured here, but announcing it failed: clients may keep the old MAC"),
    UNDO_FAILED(15, "a step failed and undoing this run's change failed too: the message says what is configured");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    /** The code for a failure of the OS layer, by its reason. */
    public static ExitCode of(OsException.Reason reason) {
        switch (reason) {
            case NO_SUCH_INTERFACE:
                return INTERFACE_UNAVAILABLE;
            case NOT_PERMITTED:
                return NOT_PRIVILEGED;
            case IO:
                return INTERNAL_ERROR;
            case NO_ANSWER:
                return OS_REFUSED;
            default:
                return OS_REFUSED;
        }
    }

    /** The table as {@code --help} prints it. */
    public static String table() {
        StringBuilder text = new StringBuilder("Exit codes:\n");
        for (ExitCode exitCode : values()) {
            text.append(String.format("  %2d  %s%n", exitCode.code, exitCode.meaning));
        }
        return text.toString();
    }
}
