package dev.vipctl.windows;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import dev.vipctl.os.OsException;
import dev.vipctl.os.OsException.Reason;

/**
 * Whether this process may change addresses on Windows: its token must be elevated (an Administrator's full token),
 * which CreateUnicastIpAddressEntry otherwise refuses with ERROR_ACCESS_DENIED. Asked first, so the operator gets
 * the fix instead of a code. The functions are {@code WINAPI} ({@code __stdcall} on 32-bit x86), looked up with
 * {@link Function#ALT_CONVENTION} as in {@link IpHelperJna}; the DLLs are loaded at the first check, not before.
 */
public final class WindowsPrivileges {
    static final String NOT_ELEVATED = "not privileged: this process is not elevated; run from an elevated prompt, or as a"
            + " service account in Administrators";

    /** winnt.h TOKEN_QUERY 0x0008 */
    private static final int TOKEN_QUERY = 0x0008;
    /** winnt.h TOKEN_INFORMATION_CLASS TokenElevation 20 */
    private static final int TOKEN_ELEVATION = 20;
    /** winnt.h TOKEN_ELEVATION: one DWORD, TokenIsElevated, nonzero for an elevated token. */
    private static final int TOKEN_ELEVATION_SIZE = 4;

    private WindowsPrivileges() {
    }

    /** Throws NOT_PERMITTED, with the fix, unless this process's token is elevated. */
    public static void checkElevated() throws OsException {
        Pointer process = function("kernel32", "GetCurrentProcess").invokePointer(new Object[0]);
        PointerByReference token = new PointerByReference();
        if (function("advapi32", "OpenProcessToken").invokeInt(new Object[] {process, TOKEN_QUERY, token}) == 0) {
            throw failed("OpenProcessToken");
        }
        try {
            Memory elevation = new Memory(TOKEN_ELEVATION_SIZE);
            if (function("advapi32", "GetTokenInformation").invokeInt(new Object[] {token.getValue(), TOKEN_ELEVATION,
                    elevation, TOKEN_ELEVATION_SIZE, new IntByReference()}) == 0) {
                throw failed("GetTokenInformation(TokenElevation)");
            }
            if (elevation.getInt(0) == 0) {
                throw new OsException(Reason.NOT_PERMITTED, 0, NOT_ELEVATED);
            }
        } finally {
            function("kernel32", "CloseHandle").invokeInt(new Object[] {token.getValue()});
        }
    }

    private static Function function(String library, String name) {
        return Function.getFunction(library, name, Function.ALT_CONVENTION);
    }

    /** These functions return FALSE and leave the reason to GetLastError, which JNA keeps after every call. */
    private static OsException failed(String call) {
        int code = Native.getLastError();
        return new OsException(Reason.IO, code, call + " failed: Win32 error " + code);
    }
}
