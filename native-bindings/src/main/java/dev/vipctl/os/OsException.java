package dev.vipctl.os;

/** A native call failed. Carries what kind of failure it was, the OS error code, and the OS's own words. */
public final class OsException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, in terms the agent acts on; every implementation maps its error codes onto these. */
    public enum Reason {
        /** The interface does not exist. */
        NO_SUCH_INTERFACE,
        /** The caller lacks the privilege (Linux EPERM/EACCES). */
        NOT_PERMITTED,
        /** The address is already configured (Linux EEXIST). */
        ALREADY_EXISTS,
        /** The address to remove is not configured (Linux EADDRNOTAVAIL). */
        NO_SUCH_ADDRESS,
        /** The OS refused the request for another reason. */
        REFUSED,
        /**
         * The OS took the request but its answer did not come in time: whether it was carried out is unknown until the
         * state is read back.
         */
        NO_ANSWER,
        /** The call itself failed. */
        IO
    }

    private final Reason reason;
    private final int errorCode;

    /**
     * @param errorCode the OS's code (a positive errno on POSIX systems), 0 when there is none
     */
    public OsException(Reason reason, int errorCode, String message) {
        super(message);
        this.reason = reason;
        this.errorCode = errorCode;
    }

    public Reason reason() {
        return reason;
    }

    public int errorCode() {
        return errorCode;
    }
}
