package dev.vipctl.agent;

/** A run ended short of its goal; says which exit code that is and why, in words for the operator. */
public final class TakeoverException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ExitCode exitCode;

    public TakeoverException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public TakeoverException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }
}
