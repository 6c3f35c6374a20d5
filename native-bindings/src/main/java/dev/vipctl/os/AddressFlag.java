package dev.vipctl.os;

/** OS-neutral flags of a configured address; each implementation maps its own bits onto these. */
public enum AddressFlag {
    /** Linux: another address of the same subnet came first on the interface (IFA_F_SECONDARY). */
    SECONDARY,
    /** Configured without a lifetime (Linux IFA_F_PERMANENT). */
    PERMANENT,
    /** Duplicate address detection still running. */
    TENTATIVE,
    /** Duplicate address detection found another holder. */
    DAD_FAILED,
    /** Valid but no longer preferred as a source address. */
    DEPRECATED,
    /**
     * Never chosen as the source of the host's own connections (Windows SkipAsSource, which vipctl sets on every VIP
     * it adds there): an address that stands for a service, not for the host.
     */
    NOT_A_SOURCE
}
