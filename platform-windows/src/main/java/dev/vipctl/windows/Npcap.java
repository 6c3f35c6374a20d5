package dev.vipctl.windows;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.function.Predicate;

/**
 * Where Npcap, the capture driver vipctl sends and receives ARP frames through on Windows, keeps its DLLs, and how it
 * names an adapter (docs/windows.md#the-wire). Npcap installs {@code wpcap.dll} and {@code Packet.dll}, which wpcap.dll
 * loads, into {@code Npcap} under the system directory, not into the system directory itself; its developer guide has
 * programs find them there rather than through the DLL search path. vipctl asks Windows for the system directory
 * (GetSystemDirectoryW) and reads no environment variable and no PATH, which a less privileged user could set.
 */
public final class Npcap {
    /** The folder under the system directory that Npcap installs its DLLs into. */
    static final String FOLDER = "Npcap";
    /** The libpcap API; pcap4j loads it. */
    static final String WPCAP = "wpcap.dll";
    /** Npcap's packet driver interface, which wpcap.dll loads from its own folder. */
    static final String PACKET = "Packet.dll";
    /** Npcap's device for an adapter is this prefix followed by the adapter's AdapterName, its GUID in braces. */
    static final String DEVICE_PREFIX = "\\Device\\NPF_";
    /** windef.h MAX_PATH 260: the buffer GetSystemDirectoryW fills first, in UTF-16 units with the terminating NUL. */
    private static final int MAX_PATH = 260;

    private final String wpcap;
    private final String missing;

    private Npcap(String wpcap, String missing) {
        this.wpcap = wpcap;
        this.missing = missing;
    }

    /** The Npcap device of the adapter with this AdapterName ("{4D36E972-...}"). */
    static String deviceName(String adapterName) {
        return DEVICE_PREFIX + adapterName;
    }

    /** Npcap on this host: GetSystemDirectoryW, then {@link #in}. */
    public static Npcap installed() {
        return in(systemDirectory(), file -> Files.isRegularFile(Paths.get(file)));
    }

    /**
     * Npcap as installed under {@code systemDirectory}: present when its folder holds both DLLs ({@code exists} says
     * which files exist), missing otherwise, naming what is not there.
     */
    public static Npcap in(String systemDirectory, Predicate<String> exists) {
        String folder = systemDirectory + "\\" + FOLDER + "\\";
        for (String dll : List.of(WPCAP, PACKET)) {
            if (!exists.test(folder + dll)) {
                return new Npcap(null, "Npcap is not installed: no " + folder + dll);
            }
        }
        return new Npcap(folder + WPCAP, null);
    }

    /** Whether both DLLs are there. */
    public boolean isInstalled() {
        return wpcap != null;
    }

    /**
     * The absolute path of wpcap.dll, for pcap4j to load. JNA loads an absolute path with LoadLibraryExW and
     * LOAD_WITH_ALTERED_SEARCH_PATH, so Windows looks for the DLLs wpcap.dll needs (Packet.dll) in its folder first.
     *
     * @throws IllegalStateException when Npcap is not installed
     */
    public String wpcap() {
        if (wpcap == null) {
            throw new IllegalStateException(missing);
        }
        return wpcap;
    }

    /** Why Npcap cannot be used ("Npcap is not installed: no C:\Windows\System32\Npcap\wpcap.dll"); null when it can. */
    public String missing() {
        return missing;
    }

    /**
     * kernel32 GetSystemDirectoryW: the length written without the NUL, or, when the buffer is too small, the size
     * needed with it; 0 on failure. A system directory longer than MAX_PATH is asked for once more at its size.
     */
    private static String systemDirectory() {
        Function getSystemDirectory = Function.getFunction("kernel32", "GetSystemDirectoryW", Function.ALT_CONVENTION);
        int size = MAX_PATH;
        while (true) {
            Memory buffer = new Memory(2L * size);
            int length = getSystemDirectory.invokeInt(new Object[] {buffer, size});
            if (length == 0) {
                throw new IllegalStateException("GetSystemDirectoryW failed: Win32 error " + Native.getLastError());
            }
            if (length < size) {
                return buffer.getWideString(0).substring(0, length);
            }
            size = length;
        }
    }
}
