package dev.vipctl.agent;

/** Which OS this JVM runs on, from {@code os.name}; a class of its own, so that asking loads nothing else. */
public final class ThisOs {
    private ThisOs() {
    }

    public static boolean isLinux() {
        return System.getProperty("os.name", "").startsWith("Linux");
    }

    /** Every Windows JVM's {@code os.name} starts so ("Windows 10", "Windows Server 2022"). */
    public static boolean isWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }
}
