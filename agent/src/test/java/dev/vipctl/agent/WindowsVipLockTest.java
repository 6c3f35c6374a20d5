package dev.vipctl.agent;

import dev.vipctl.os.IpAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryFlag;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Windows lock's logic on this host's file system: FileChannel locks work on Linux too (fcntl here, LockFileEx on
 * Windows), and the trusted owners are a parameter, so root plays Administrators and {@code nobody} the user who
 * created the directory first. The ACL it sets on Windows is checked as data; setting it has not run on Windows.
 */
class WindowsVipLockTest {
    private static final IpAddress VIP = IpAddress.parseIpv4("198.51.100.100");
    private static final UserPrincipalLookupService USERS = Path.of("/").getFileSystem().getUserPrincipalLookupService();

    @TempDir
    Path directory;

    /** What the directory's ACL says; Linux's file system has none to read, so the test gives it. */
    private List<AclEntry> acl = List.of();

    private WindowsVipLock.Trust trusting(UserPrincipal owner) {
        return new WindowsVipLock.Trust(Set.of(owner), created -> Files.createDirectory(created,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))), read -> acl);
    }

    private static AclEntry allow(UserPrincipal principal, AclEntryPermission permission, AclEntryFlag... flags) {
        return AclEntry.newBuilder().setType(AclEntryType.ALLOW).setPrincipal(principal).setPermissions(permission)
                .setFlags(flags).build();
    }

    @Test
    void aDirectoryWhoseAclLetsAnotherUserAddFilesIsRefusedWithTheFix() throws Exception {
        assumeRoot();
        Path locks = Files.createDirectory(directory.resolve("vipctl"));
        UserPrincipal nobody = USERS.lookupPrincipalByName("nobody");
        // %ProgramData%'s own: Users may add files and subfolders; CREATOR OWNER's full control is inherit-only.
        acl = List.of(allow(root(), AclEntryPermission.ADD_FILE), allow(nobody, AclEntryPermission.READ_DATA),
                allow(nobody, AclEntryPermission.ADD_FILE, AclEntryFlag.INHERIT_ONLY, AclEntryFlag.FILE_INHERIT));
        WindowsVipLock.acquire(locks, VIP, 0, trusting(root())).close();

        acl = List.of(allow(root(), AclEntryPermission.ADD_FILE), allow(nobody, AclEntryPermission.ADD_SUBDIRECTORY,
                AclEntryFlag.DIRECTORY_INHERIT));
        TakeoverException refused = assertThrows(TakeoverException.class, () -> WindowsVipLock.acquire(locks, VIP, 0, trusting(root())));
        assertEquals(ExitCode.BAD_INPUT, refused.exitCode());
        assertTrue(refused.getMessage().contains("nobody may also create or remove files in it"), refused.getMessage());
        assertTrue(refused.getMessage().contains("icacls \"" + locks + "\" /inheritance:r"), refused.getMessage());
    }

    private static UserPrincipal root() throws IOException {
        return USERS.lookupPrincipalByName("root");
    }

    private static void assumeRoot() throws IOException {
        assumeTrue(Files.getOwner(Path.of(System.getProperty("java.io.tmpdir"))).getName().equals("root")
                && "root".equals(System.getProperty("user.name")), "skipped: needs root, so that root owns what the test creates");
    }

    @Test
    void twoHoldersExcludeEachOtherUntilTheFirstLetsGo() throws Exception {
        assumeRoot();
        Path locks = directory.resolve("vipctl");
        VipLock first = WindowsVipLock.acquire(locks, VIP, 0, trusting(root()));
        assertEquals(locks.resolve("vip-198.51.100.100.lock"), first.file());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(locks)), "created by the trust's creator");
        TakeoverException held = assertThrows(TakeoverException.class, () -> WindowsVipLock.acquire(locks, VIP, 30, trusting(root())));
        assertEquals(ExitCode.LOCK_TIMEOUT, held.exitCode());
        assertTrue(held.getMessage().contains("still locked after 30 ms"), held.getMessage());
        try (VipLock otherVip = WindowsVipLock.acquire(locks, IpAddress.parseIpv4("198.51.100.101"), 0, trusting(root()))) {
            assertEquals(0, otherVip.waitedMicros());
        }
        first.close();
        first.close();
        try (VipLock second = WindowsVipLock.acquire(locks, VIP, 0, trusting(root()))) {
            assertEquals(first.file(), second.file(), "the file stays, and is locked again");
        }
    }

    @Test
    void aDirectoryAnotherUserOwnsIsRefused() throws Exception {
        assumeRoot();
        Path planted = Files.createDirectory(directory.resolve("vipctl"));
        Files.setOwner(planted, USERS.lookupPrincipalByName("nobody"));

        TakeoverException e = assertThrows(TakeoverException.class, () -> WindowsVipLock.acquire(planted, VIP, 0, trusting(root())));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("its owner is nobody, not one of root"), e.getMessage());
        assertEquals(List.of(), List.of(planted.toFile().list()), "nothing created in it");
    }

    @Test
    void aLinkedDirectoryIsRefusedWithoutFollowingIt() throws Exception {
        assumeRoot();
        Path real = Files.createDirectory(directory.resolve("real"));
        Path link = Files.createSymbolicLink(directory.resolve("vipctl"), real);

        TakeoverException e = assertThrows(TakeoverException.class, () -> WindowsVipLock.acquire(link, VIP, 0, trusting(root())));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("a symbolic link or junction, which vipctl does not follow"), e.getMessage());
        assertEquals(List.of(), List.of(real.toFile().list()), "nothing created where it points");
    }

    @Test
    void aFileInPlaceOfTheDirectoryIsRefused() throws Exception {
        assumeRoot();
        Path file = Files.createFile(directory.resolve("vipctl"));
        TakeoverException e = assertThrows(TakeoverException.class, () -> WindowsVipLock.acquire(file, VIP, 0, trusting(root())));
        assertEquals(ExitCode.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void theDirectorysAclGivesTheTrustedOwnersAllAndPassesItOn() throws Exception {
        UserPrincipal someone = USERS.lookupPrincipalByName("root");
        List<AclEntry> acl = WindowsVipLock.onlyThese(Set.of(someone));
        assertEquals(1, acl.size());
        AclEntry entry = acl.get(0);
        assertEquals(AclEntryType.ALLOW, entry.type());
        assertEquals(someone, entry.principal());
        assertEquals(EnumSet.allOf(AclEntryPermission.class), entry.permissions());
        assertEquals(EnumSet.of(AclEntryFlag.FILE_INHERIT, AclEntryFlag.DIRECTORY_INHERIT), entry.flags());
    }

    @Test
    void theDefaultDirectoryIsUnderProgramData() throws Exception {
        String programData = System.getenv(WindowsVipLock.PROGRAM_DATA);
        if (programData == null) {
            TakeoverException e = assertThrows(TakeoverException.class, WindowsVipLock::defaultDirectory);
            assertTrue(e.getMessage().contains("pass --lock-dir"), e.getMessage());
        } else {
            assertEquals(Path.of(programData, "vipctl"), WindowsVipLock.defaultDirectory());
        }
    }
}
