package dev.vipctl.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The value of the extended attribute {@code system.posix_acl_access} (docs/linux.md#posix-access-acls), as
 * linux/posix_acl_xattr.h lays it out, little-endian on every host: {@code struct posix_acl_xattr_header} (u32
 * a_version @0), then one {@code struct posix_acl_xattr_entry} per 8 bytes (u16 e_tag @0, u16 e_perm @2, u32 e_id @4).
 * Pure byte code.
 */
public final class PosixAcl {
    /** linux/xattr.h: XATTR_NAME_POSIX_ACL_ACCESS */
    public static final String ACCESS_ATTRIBUTE = "system.posix_acl_access";
    /** linux/posix_acl.h: ACL_READ 0x04, ACL_WRITE 0x02, ACL_EXECUTE 0x01 (the rwx bits of a file mode). */
    public static final int READ = 0x04;
    public static final int WRITE = 0x02;
    public static final int EXECUTE = 0x01;

    /** linux/posix_acl_xattr.h: POSIX_ACL_XATTR_VERSION 0x0002 */
    private static final int VERSION = 0x0002;
    /**
     * linux/posix_acl.h: ACL_USER_OBJ 0x01, ACL_USER 0x02, ACL_GROUP_OBJ 0x04, ACL_MASK 0x10, ACL_OTHER 0x20. The kernel
     * (posix_acl_valid, fs/posix_acl.c) accepts the entries only in this order, and a named user only with a mask.
     */
    private static final int USER_OBJ = 0x01;
    private static final int USER = 0x02;
    private static final int GROUP_OBJ = 0x04;
    private static final int MASK = 0x10;
    private static final int OTHER = 0x20;
    /** linux/posix_acl_xattr.h: ACL_UNDEFINED_ID (-1), the e_id of the entries that name nobody. */
    private static final int UNDEFINED_ID = -1;
    private static final int HEADER_BYTES = 4;
    private static final int ENTRY_BYTES = 8;
    private static final int TAG_OFFSET = 0;
    private static final int PERM_OFFSET = 2;
    private static final int ID_OFFSET = 4;

    private PosixAcl() {
    }

    /**
     * An access ACL in which the owner has {@code ownerPerms}, the user {@code uid} has {@code userPerms}, and the
     * owning group and others have nothing; the mask is {@code userPerms}, so the named user gets exactly those. In
     * getfacl's words, for 6, 1234, 6: {@code user::rw- user:1234:rw- group::--- mask::rw- other::---}.
     *
     * @param uid an unsigned 32-bit user id, (u32)-1 excepted
     * @throws IllegalArgumentException for permissions outside rwx (0 to 7) or the uid -1
     */
    public static byte[] ownerAndOneUser(int ownerPerms, int uid, int userPerms) {
        requirePerms(ownerPerms);
        requirePerms(userPerms);
        if (uid == UNDEFINED_ID) {
            throw new IllegalArgumentException("uid 4294967295 is ACL_UNDEFINED_ID, no user");
        }
        ByteBuffer value = ByteBuffer.allocate(HEADER_BYTES + 5 * ENTRY_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        value.putInt(0, VERSION);
        putEntry(value, 0, USER_OBJ, ownerPerms, UNDEFINED_ID);
        putEntry(value, 1, USER, userPerms, uid);
        putEntry(value, 2, GROUP_OBJ, 0, UNDEFINED_ID);
        putEntry(value, 3, MASK, userPerms, UNDEFINED_ID);
        putEntry(value, 4, OTHER, 0, UNDEFINED_ID);
        return value.array();
    }

    private static void putEntry(ByteBuffer value, int index, int tag, int perms, int id) {
        int entry = HEADER_BYTES + index * ENTRY_BYTES;
        value.putShort(entry + TAG_OFFSET, (short) tag);
        value.putShort(entry + PERM_OFFSET, (short) perms);
        value.putInt(entry + ID_OFFSET, id);
    }

    private static void requirePerms(int perms) {
        if ((perms & ~(READ | WRITE | EXECUTE)) != 0) {
            throw new IllegalArgumentException("permissions " + perms + " are not a combination of read 4, write 2 and execute 1");
        }
    }
}
