package dev.vipctl.agent;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.OsException;
import dev.vipctl.windows.WellKnownAccounts;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryFlag;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The {@link VipLock} on Windows (docs/windows.md#the-per-vip-lock): {@link FileChannel#tryLock()}, which is LockFileEx
 * there, on {@code vip-<address>.lock} in a directory that only Administrators and SYSTEM may write. Windows drops the
 * lock when the process's handle closes, however the process ends. The file stays when the lock is released: Windows
 * cannot remove a file another process holds open, and one small file per VIP ever used is all that accumulates.
 *
 * <p>%ProgramData% lets every user create folders in it, so a user could create {@code vipctl} there before vipctl
 * does, and then put files in it or lock them. A lock directory counts only if it is a plain directory (not a
 * symbolic link or junction, looked at without following links) owned by a trusted principal; vipctl creates it owned
 * by Administrators, with an ACL that lets only Administrators and SYSTEM in.
 */
final class WindowsVipLock implements VipLock {
    /** The environment variable Windows sets to the ProgramData folder (C:\ProgramData by default). */
    static final String PROGRAM_DATA = "ProgramData";
    /** The same poll as on Linux: FileChannel has no lock with a timeout either. */
    private static final long POLL_PAUSE_MILLIS = 5;

    /** Who may own the lock directory, and how a missing one is created. */
    static final class Trust {
        final Set<UserPrincipal> owners;
        private final DirectoryCreator creator;
        private final AclReader acl;

        Trust(Set<UserPrincipal> owners, DirectoryCreator creator, AclReader acl) {
            this.owners = owners;
            this.creator = creator;
            this.acl = acl;
        }
    }

    /** Reads a directory's ACL (on Windows its DACL, through AclFileAttributeView). */
    interface AclReader {
        List<AclEntry> read(Path directory) throws IOException;
    }

    /**
     * What lets a principal change a directory's contents or who may: add a file or a subdirectory, delete what is in
     * it, or rewrite its ACL or owner.
     */
    private static final Set<AclEntryPermission> CHANGES_THE_DIRECTORY = EnumSet.of(AclEntryPermission.ADD_FILE,
            AclEntryPermission.ADD_SUBDIRECTORY, AclEntryPermission.DELETE_CHILD, AclEntryPermission.DELETE,
            AclEntryPermission.WRITE_ACL, AclEntryPermission.WRITE_OWNER);

    /** Creates the lock directory, and makes it the trusted owners' alone; it does not exist before. */
    interface DirectoryCreator {
        void create(Path directory) throws IOException;
    }

    private final Path file;
    /** Holds the lock: closing it releases the lock. */
    private final FileChannel channel;
    private final long waitedMicros;

    private WindowsVipLock(Path file, FileChannel channel, long waitedMicros) {
        this.file = file;
        this.channel = channel;
        this.waitedMicros = waitedMicros;
    }

    /**
     * %ProgramData%\vipctl, from the environment of this process: an elevated process, or a service, gets it from the
     * system's environment, where Windows sets it; a user cannot change another process's environment.
     */
    static Path defaultDirectory() throws TakeoverException {
        String programData = System.getenv(PROGRAM_DATA);
        if (programData == null || programData.isEmpty() || !Path.of(programData).isAbsolute()) {
            throw new TakeoverException(ExitCode.BAD_INPUT, "the environment variable " + PROGRAM_DATA
                    + " is not an absolute path (" + programData + "), so there is no default lock directory: pass --lock-dir");
        }
        return Path.of(programData, "vipctl");
    }

    static VipLock acquire(Path lockDirectory, IpAddress vip, long timeoutMillis) throws TakeoverException {
        return acquire(lockDirectory, vip, timeoutMillis, administratorsAndSystem());
    }

    /**
     * Takes the lock of {@code vip} in {@code lockDirectory}, which must be a plain directory owned by one of
     * {@code trust}'s owners, or is created.
     *
     * @throws TakeoverException {@link ExitCode#LOCK_TIMEOUT} when still held after the timeout,
     *         {@link ExitCode#BAD_INPUT} for a directory that is a link, not a directory, or not a trusted owner's,
     *         {@link ExitCode#NOT_PRIVILEGED} when the directory or file may not be created or opened,
     *         {@link ExitCode#INTERNAL_ERROR} on any other I/O error
     */
    static VipLock acquire(Path lockDirectory, IpAddress vip, long timeoutMillis, Trust trust) throws TakeoverException {
        if (timeoutMillis < 0) {
            throw new IllegalArgumentException("lock timeout must be 0 or more milliseconds, not " + timeoutMillis);
        }
        long startNanos = System.nanoTime();
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        requireTrustedDirectory(lockDirectory, trust);
        Path file = lockDirectory.resolve("vip-" + vip + ".lock");
        FileChannel channel = open(file);
        long refusedNanos = 0;
        try {
            while (tryLock(channel, file) == null) {
                if (refusedNanos == 0) {
                    refusedNanos = System.nanoTime();
                }
                if (System.nanoTime() - startNanos >= timeoutNanos) {
                    throw new TakeoverException(ExitCode.LOCK_TIMEOUT, "VIP " + vip + " is still locked after " + timeoutMillis
                            + " ms (" + file + "): another vipctl is working on this VIP; raise --lock-timeout-ms");
                }
                Thread.sleep(POLL_PAUSE_MILLIS);
            }
            return new WindowsVipLock(file, channel, refusedNanos == 0 ? 0 : (System.nanoTime() - refusedNanos) / 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(channel);
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "interrupted while waiting for the lock " + file, e);
        } catch (TakeoverException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** Null while another process, or another channel of this one, holds it. */
    private static FileLock tryLock(FileChannel channel, Path file) throws TakeoverException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldInThisProcess) {
            return null;
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "cannot lock " + file + ": " + IoErrors.describe(e), e);
        }
    }

    private static FileChannel open(Path file) throws TakeoverException {
        try {
            return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (AccessDeniedException e) {
            throw noPermission(file, e);
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "cannot create or open " + file + " for the VIP's lock: "
                    + IoErrors.describe(e), e);
        }
    }

    /** Creates the directory when it is missing; refuses one that is a link, not a directory, or not trusted. */
    private static void requireTrustedDirectory(Path directory, Trust trust) throws TakeoverException {
        if (!checkExisting(directory, trust)) {
            create(directory, trust);
        }
    }

    /**
     * What {@code doctor} says of the lock directory: whether it exists, and if so, that it is one vipctl trusts.
     *
     * @return false when it does not exist (vipctl creates it)
     * @throws TakeoverException as {@link #acquire} refuses it
     */
    static boolean checkExisting(Path directory) throws TakeoverException {
        return checkExisting(directory, administratorsAndSystem());
    }

    private static boolean checkExisting(Path directory, Trust trust) throws TakeoverException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(directory, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException missing) {
            return false;
        } catch (AccessDeniedException e) {
            throw noPermission(directory, e);
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "cannot examine the lock directory " + directory + ": "
                    + IoErrors.describe(e), e);
        }
        // A junction reads as a directory that is also "other" (a reparse point); a symbolic link as a link.
        if (attributes.isSymbolicLink() || attributes.isOther() || !attributes.isDirectory()) {
            throw untrusted(directory, "it is " + (attributes.isDirectory() || attributes.isSymbolicLink()
                    ? "a symbolic link or junction, which vipctl does not follow" : "not a directory"));
        }
        UserPrincipal owner;
        try {
            owner = Files.getOwner(directory, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "cannot read the owner of the lock directory " + directory
                    + ": " + IoErrors.describe(e), e);
        }
        if (!trust.owners.contains(owner)) {
            throw untrusted(directory, "its owner is " + owner.getName() + ", not one of " + names(trust.owners)
                    + ": another user may have created it to control vipctl's locks");
        }
        List<AclEntry> acl;
        try {
            acl = trust.acl.read(directory);
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "cannot read the permissions of the lock directory " + directory
                    + ": " + IoErrors.describe(e), e);
        }
        Set<String> others = othersWhoMayChange(acl, trust.owners);
        if (!others.isEmpty()) {
            throw untrusted(directory, String.join(", ", others) + " may also create or remove files in it (an ACL inherited from"
                    + " its parent, for one): they could hold a VIP's lock; make it Administrators' and SYSTEM's alone:"
                    + " icacls \"" + directory + "\" /inheritance:r /grant:r *S-1-5-32-544:(OI)(CI)F *S-1-5-18:(OI)(CI)F");
        }
        return true;
    }

    /**
     * The principals other than {@code owners} that an ACL allows to change the directory itself. An entry that is
     * only inherited by what is created inside (INHERIT_ONLY, as %ProgramData%'s CREATOR OWNER) does not apply to it.
     */
    static Set<String> othersWhoMayChange(List<AclEntry> acl, Set<UserPrincipal> owners) {
        Set<String> others = new LinkedHashSet<>();
        for (AclEntry entry : acl) {
            if (entry.type() == AclEntryType.ALLOW && !entry.flags().contains(AclEntryFlag.INHERIT_ONLY)
                    && !owners.contains(entry.principal()) && !Collections.disjoint(entry.permissions(), CHANGES_THE_DIRECTORY)) {
                others.add(entry.principal().getName());
            }
        }
        return others;
    }

    /**
     * Creates the directory the trusted owners' alone, and checks that nothing appeared in it meanwhile: until its ACL
     * is set, it may briefly have the ACL it inherits.
     */
    private static void create(Path directory, Trust trust) throws TakeoverException {
        try {
            trust.creator.create(directory);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
                if (entries.iterator().hasNext()) {
                    throw untrusted(directory, "something was created in it while vipctl created it");
                }
            }
        } catch (FileAlreadyExistsException raced) {
            requireTrustedDirectory(directory, trust); // another vipctl created it at the same moment
        } catch (AccessDeniedException e) {
            throw noPermission(directory, e);
        } catch (IOException e) {
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "cannot create the lock directory " + directory + ": "
                    + IoErrors.describe(e), e);
        }
    }

    private static TakeoverException untrusted(Path directory, String why) {
        return new TakeoverException(ExitCode.BAD_INPUT, "refusing the lock directory " + directory + ": " + why
                + "; remove it (vipctl creates it again), or pass --lock-dir with a directory owned by Administrators");
    }

    private static TakeoverException noPermission(Path path, Exception cause) {
        return new TakeoverException(ExitCode.NOT_PRIVILEGED, "no permission to create or open " + path
                + " for the VIP's lock: run vipctl from an elevated prompt, or as a service account in Administrators", cause);
    }

    private static String names(Set<UserPrincipal> principals) {
        List<String> names = new ArrayList<>();
        for (UserPrincipal principal : principals) {
            names.add(principal.getName());
        }
        return String.join(", ", names);
    }

    /**
     * Administrators and SYSTEM may own the directory; vipctl creates it Administrators', for them alone. Their names
     * are looked up by SID, as a localized Windows translates them.
     */
    private static Trust administratorsAndSystem() throws TakeoverException {
        UserPrincipalLookupService lookup = Path.of("").getFileSystem().getUserPrincipalLookupService();
        Set<UserPrincipal> owners = new LinkedHashSet<>();
        try {
            for (String name : List.of(WellKnownAccounts.administrators(), WellKnownAccounts.localSystem())) {
                owners.add(lookup.lookupPrincipalByName(name));
            }
        } catch (OsException | IOException e) {
            throw new TakeoverException(ExitCode.INTERNAL_ERROR, "cannot look up Administrators and SYSTEM to check the lock"
                    + " directory's owner: " + e.getMessage(), e);
        }
        UserPrincipal administrators = owners.iterator().next();
        List<AclEntry> acl = onlyThese(owners);
        return new Trust(owners, directory -> {
            Files.createDirectory(directory, aclAttribute(acl));
            AclFileAttributeView view = Files.getFileAttributeView(directory, AclFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            view.setOwner(administrators);
            // The ACL given at creation is merged with what %ProgramData% passes on (Users may create files);
            // setting it again replaces it.
            view.setAcl(acl);
        }, directory -> Files.getFileAttributeView(directory, AclFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).getAcl());
    }

    /** Full control for each principal, passed on to the files and folders in the directory; nobody else. */
    static List<AclEntry> onlyThese(Set<UserPrincipal> principals) {
        List<AclEntry> acl = new ArrayList<>();
        for (UserPrincipal principal : principals) {
            acl.add(AclEntry.newBuilder().setType(AclEntryType.ALLOW).setPrincipal(principal)
                    .setPermissions(EnumSet.allOf(AclEntryPermission.class))
                    .setFlags(AclEntryFlag.FILE_INHERIT, AclEntryFlag.DIRECTORY_INHERIT).build());
        }
        return acl;
    }

    private static FileAttribute<List<AclEntry>> aclAttribute(List<AclEntry> acl) {
        return new FileAttribute<List<AclEntry>>() {
            @Override
            public String name() {
                return "acl:acl";
            }

            @Override
            public List<AclEntry> value() {
                return acl;
            }
        };
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // Closing releases what it can; nothing was locked through it.
        }
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public long waitedMicros() {
        return waitedMicros;
    }

    /** Releases the lock with the channel; the file stays (see above). */
    @Override
    public synchronized void close() {
        if (channel.isOpen()) {
            closeQuietly(channel);
        }
    }
}
