package dev.vipctl.linux;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The access ACL's xattr value as docs/linux.md#posix-access-acls lays it out. The golden values were written from
 * linux/posix_acl_xattr.h and are what setfacl 2.3.1 stored for the same ACL (read back with getxattr).
 */
class PosixAclTest {
    /** setfacl --set u::rw,u:1234:rw,g::-,m::rw,o::- on a file. */
    @Test
    void ownerAndUser1234ReadWrite() {
        assertArrayEquals(Hex.bytes(
                "02 00 00 00"                  // a_version 2
                        + " 01 00 06 00 ff ff ff ff"   // ACL_USER_OBJ rw-
                        + " 02 00 06 00 d2 04 00 00"   // ACL_USER 1234 rw-
                        + " 04 00 00 00 ff ff ff ff"   // ACL_GROUP_OBJ ---
                        + " 10 00 06 00 ff ff ff ff"   // ACL_MASK rw-
                        + " 20 00 00 00 ff ff ff ff"), // ACL_OTHER ---
                PosixAcl.ownerAndOneUser(PosixAcl.READ | PosixAcl.WRITE, 1234, PosixAcl.READ | PosixAcl.WRITE));
    }

    /** setfacl --set u::rwx,u:70000:rwx,g::-,m::rwx,o::- on a directory: a uid wider than 16 bits, little-endian. */
    @Test
    void ownerAndUser70000AllOnADirectory() {
        assertArrayEquals(Hex.bytes("02 00 00 00 01 00 07 00 ff ff ff ff 02 00 07 00 70 11 01 00"
                        + " 04 00 00 00 ff ff ff ff 10 00 07 00 ff ff ff ff 20 00 00 00 ff ff ff ff"),
                PosixAcl.ownerAndOneUser(7, 70000, 7));
    }

    @Test
    void theMaskIsTheUsersPermissionsNotTheOwners() {
        byte[] value = PosixAcl.ownerAndOneUser(7, 0, PosixAcl.READ);
        assertArrayEquals(Hex.bytes("01 00 07 00"), Arrays.copyOfRange(value, 4, 8), "owner rwx");
        assertArrayEquals(Hex.bytes("02 00 04 00 00 00 00 00"), Arrays.copyOfRange(value, 12, 20), "uid 0 r--");
        assertArrayEquals(Hex.bytes("10 00 04 00"), Arrays.copyOfRange(value, 28, 32), "mask r--");
    }

    @Test
    void uidsAboveTwoToThe31AreUnsigned() {
        assertArrayEquals(Hex.bytes("02 00 06 00 fe ff ff ff"),
                Arrays.copyOfRange(PosixAcl.ownerAndOneUser(6, (int) 4294967294L, 6), 12, 20));
    }

    @Test
    void permissionsBeyondRwxAndTheUndefinedUidAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PosixAcl.ownerAndOneUser(8, 1234, 6));
        assertThrows(IllegalArgumentException.class, () -> PosixAcl.ownerAndOneUser(6, 1234, 0600));
        assertThrows(IllegalArgumentException.class, () -> PosixAcl.ownerAndOneUser(-1, 1234, 6));
        assertThrows(IllegalArgumentException.class, () -> PosixAcl.ownerAndOneUser(6, -1, 6), "ACL_UNDEFINED_ID");
    }
}
