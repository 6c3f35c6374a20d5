package dev.vipctl.windows;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import dev.vipctl.os.OsException;
import dev.vipctl.os.OsException.Reason;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The names of the two accounts that may own vipctl's lock directory, found by their SIDs: the names are translated on
 * a localized Windows ("VORDEFINIERT\Administratoren"), the SIDs are the same everywhere
 * (docs/windows.md#the-per-vip-lock). A SID is built here as bytes and named by advapi32 LookupAccountSidW
 * ({@code WINAPI}, looked up with {@link Function#ALT_CONVENTION} as in {@link IpHelperJna}).
 */
public final class WellKnownAccounts {
    /** winnt.h SECURITY_NT_AUTHORITY {0,0,0,0,0,5}: the authority of both SIDs, S-1-5-... */
    private static final int SECURITY_NT_AUTHORITY = 5;
    /** winnt.h SECURITY_BUILTIN_DOMAIN_RID 32 and DOMAIN_ALIAS_RID_ADMINS 544: Administrators is S-1-5-32-544. */
    private static final int SECURITY_BUILTIN_DOMAIN_RID = 32;
    private static final int DOMAIN_ALIAS_RID_ADMINS = 544;
    /** winnt.h SECURITY_LOCAL_SYSTEM_RID 18: LocalSystem is S-1-5-18. */
    private static final int SECURITY_LOCAL_SYSTEM_RID = 18;
    /** winnt.h SID_REVISION 1 */
    private static final int SID_REVISION = 1;
    /** winerror.h ERROR_INSUFFICIENT_BUFFER 122: LookupAccountSidW wrote the lengths it needs. */
    private static final int ERROR_INSUFFICIENT_BUFFER = 122;

    /** The Administrators group, S-1-5-32-544. */
    static final byte[] ADMINISTRATORS = sid(SECURITY_NT_AUTHORITY, SECURITY_BUILTIN_DOMAIN_RID, DOMAIN_ALIAS_RID_ADMINS);
    /** LocalSystem, S-1-5-18. */
    static final byte[] LOCAL_SYSTEM = sid(SECURITY_NT_AUTHORITY, SECURITY_LOCAL_SYSTEM_RID);

    private WellKnownAccounts() {
    }

    /** "DOMAIN\name" of the Administrators group on this Windows, in its language. */
    public static String administrators() throws OsException {
        return name(ADMINISTRATORS, "S-1-5-32-544");
    }

    /** "DOMAIN\name" of LocalSystem on this Windows, in its language. */
    public static String localSystem() throws OsException {
        return name(LOCAL_SYSTEM, "S-1-5-18");
    }

    /**
     * A SID as Windows lays it out (winnt.h SID): Revision (u8), SubAuthorityCount (u8), IdentifierAuthority (6 bytes,
     * big-endian), then each SubAuthority (u32, little-endian like every Windows integer).
     */
    static byte[] sid(int authority, int... subAuthorities) {
        ByteBuffer sid = ByteBuffer.allocate(8 + 4 * subAuthorities.length).order(ByteOrder.LITTLE_ENDIAN);
        sid.put((byte) SID_REVISION).put((byte) subAuthorities.length);
        sid.put(new byte[] {0, 0, 0, 0, 0, (byte) authority});
        for (int subAuthority : subAuthorities) {
            sid.putInt(subAuthority);
        }
        return sid.array();
    }

    /** LookupAccountSidW on this machine: once to learn the lengths, once to read the names. */
    private static String name(byte[] sidBytes, String sidText) throws OsException {
        Function lookup = Function.getFunction("advapi32", "LookupAccountSidW", Function.ALT_CONVENTION);
        Memory sid = new Memory(sidBytes.length);
        sid.write(0, sidBytes, 0, sidBytes.length);
        IntByReference nameLength = new IntByReference(0);
        IntByReference domainLength = new IntByReference(0);
        IntByReference use = new IntByReference();
        lookup.invokeInt(new Object[] {Pointer.NULL, sid, Pointer.NULL, nameLength, Pointer.NULL, domainLength, use});
        int code = Native.getLastError();
        if (code != ERROR_INSUFFICIENT_BUFFER) {
            throw new OsException(Reason.IO, code, "LookupAccountSidW(" + sidText + ") failed: Win32 error " + code);
        }
        Memory name = new Memory(2L * nameLength.getValue());
        Memory domain = new Memory(2L * domainLength.getValue());
        if (lookup.invokeInt(new Object[] {Pointer.NULL, sid, name, nameLength, domain, domainLength, use}) == 0) {
            code = Native.getLastError();
            throw new OsException(Reason.IO, code, "LookupAccountSidW(" + sidText + ") failed: Win32 error " + code);
        }
        return domain.getWideString(0) + "\\" + name.getWideString(0);
    }
}
