package dev.vipctl.windows;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import dev.vipctl.os.OsException;
import dev.vipctl.os.OsException.Reason;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where Npcap's DLLs are: Npcap installs them in the {@code Npcap} folder of the system directory, not on PATH (Npcap
 * guide, "Developing software with Npcap", DLL loading). The system directory comes from GetSystemDirectoryW, not from
 * an environment variable that whoever starts vipctl could set. A 32-bit JVM asks the same path, and Windows' file
 * system redirection shows it the 32-bit DLLs (SysWOW64\Npcap).
 */
public final class NpcapInstallation {
    /** Npcap's libpcap, the library pcap4j loads. */
    public static final String WPCAP_DLL = "wpcap.dll";
    /** minwindef.h MAX_PATH 260: room for the system directory in UTF-16 characters, its NUL included. */
    private static final int MAX_PATH = 260;

    private NpcapInstallation() {
    }

    /** The folder Npcap's DLLs are in, or would be in once Npcap is installed. */
    public static Path dllDirectory() throws OsException {
        return dllDirectory(systemDirectory());
    }

    static Path dllDirectory(Path systemDirectory) {
        return systemDirectory.resolve("Npcap");
    }

    /** Whether {@link #WPCAP_DLL} is in {@code dllDirectory}. */
    public static boolean installedIn(Path dllDirectory) {
        return Files.isRegularFile(dllDirectory.resolve(WPCAP_DLL));
    }

    /**
     * GetSystemDirectoryW (kernel32, {@code WINAPI}): the length written, without the NUL; 0 on failure, or the size
     * needed when the buffer is too small.
     */
    private static Path systemDirectory() throws OsException {
        Memory buffer = new Memory(2L * MAX_PATH);
        int length = Function.getFunction("kernel32", "GetSystemDirectoryW", Function.ALT_CONVENTION)
                .invokeInt(new Object[] {buffer, MAX_PATH});
        if (length == 0 || length >= MAX_PATH) {
            int code = length == 0 ? Native.getLastError() : 0;
            throw new OsException(Reason.IO, code, "GetSystemDirectoryW failed: " + (length == 0 ? "Win32 error " + code
                    : "the path needs " + length + " characters"));
        }
        return Path.of(buffer.getWideString(0));
    }
}
