package dev.vipctl.linux;

import com.sun.jna.Native;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link FileCalls#grantUser} on the file systems the agent's files live on: ext4 (/tmp here) and tmpfs (/dev/shm, as
 * /run is). Root makes a FIFO and a directory, grants one uid access through a descriptor, and other uids, run with
 * setpriv, show who can then use them; getfacl reads the ACL back.
 */
class FileCallsGrantUserTest {
    /** Unnamed uids and gids with no rights of their own here. */
    private static final int GRANTED = 4242;
    private static final int OTHER = 4243;
    private static final int ROOT_GROUP = 0;

    private final List<Integer> openDescriptors = new ArrayList<>();
    private Path dir;

    @AfterEach
    void cleanUp() throws IOException {
        for (int fd : openDescriptors) {
            FileCalls.close(fd);
        }
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(file);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/tmp", "/dev/shm"})
    void theGrantedUserOpensTheFifoReadWriteAndNoOneElseDoes(String fileSystem) throws Exception {
        makeDirectoryAsRoot(fileSystem);
        Path fifo = dir.resolve("1.q");
        assertEquals(0, FileCalls.mkfifo(fifo.toString(), 0600), () -> Errno.describe(Native.getLastError()));
        assertFalse(opensReadWrite(GRANTED, GRANTED, fifo), "mode 0600: root's alone before the grant");

        int fd = open(fifo, FileCalls.O_RDONLY | FileCalls.O_NONBLOCK | FileCalls.O_NOFOLLOW);
        FileCalls.grantUser(fd, PosixAcl.READ | PosixAcl.WRITE, GRANTED, PosixAcl.READ | PosixAcl.WRITE);

        assertTrue(opensReadWrite(GRANTED, GRANTED, fifo), "the granted uid");
        assertFalse(opensReadWrite(OTHER, OTHER, fifo), "another uid");
        assertFalse(opensReadWrite(OTHER, ROOT_GROUP, fifo), "a member of the owning group");
        assertEquals("user::rw-\nuser:4242:rw-\ngroup::---\nmask::rw-\nother::---\n\n", getfacl(fifo));
        assertEquals(0660, FileCalls.describe(fifo).permissions(), "the group bits show the mask");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/tmp", "/dev/shm"})
    void theGrantedUserCreatesFilesInTheDirectoryAndNoOneElseDoes(String fileSystem) throws Exception {
        makeDirectoryAsRoot(fileSystem);
        Path pool = Files.createDirectory(dir.resolve("4242"));
        Files.setPosixFilePermissions(pool, PosixFilePermissions.fromString("rwx------"));
        assertFalse(succeedsAs(GRANTED, GRANTED, "touch", pool.resolve("before").toString()), "mode 0700: root's alone before the grant");

        int fd = open(pool, FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_NOFOLLOW);
        FileCalls.grantUser(fd, 7, GRANTED, 7);

        assertTrue(succeedsAs(GRANTED, GRANTED, "touch", pool.resolve("granted").toString()), "the granted uid");
        assertEquals(GRANTED, FileCalls.describe(pool.resolve("granted")).uid);
        assertFalse(succeedsAs(OTHER, OTHER, "touch", pool.resolve("other").toString()), "another uid");
        assertFalse(succeedsAs(OTHER, ROOT_GROUP, "touch", pool.resolve("group").toString()), "a member of the owning group");
        assertEquals("user::rwx\nuser:4242:rwx\ngroup::---\nmask::rwx\nother::---\n\n", getfacl(pool));
        assertEquals(0770, FileCalls.describe(pool).permissions(), "the group bits show the mask");
    }

    /** procfs has no ACLs; EOPNOTSUPP is what any such file system answers. */
    @Test
    void aFileSystemWithoutAclsIsNamedPlainly() {
        int fd = open(Path.of("/proc/self/status"), FileCalls.O_RDONLY);

        IOException e = assertThrows(IOException.class, () -> FileCalls.grantUser(fd, 6, GRANTED, 6));
        assertTrue(e.getMessage().contains("does not support POSIX ACLs (EOPNOTSUPP (95))"), e.getMessage());
        assertTrue(e.getMessage().contains("uid 4242") && e.getMessage().contains("/proc/"), e.getMessage());
    }

    /** A directory of root's, mode 0711, on {@code fileSystem}: others may pass through it to what it holds. */
    private void makeDirectoryAsRoot(String fileSystem) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: needs root to run commands as other uids");
        assertTrue(runs("setpriv", "--version"), "needs setpriv: apt-get install util-linux");
        assertTrue(runs("getfacl", "--version"), "needs getfacl: apt-get install acl");
        dir = Files.createTempDirectory(Path.of(fileSystem), "vipctl-acl-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    }

    /** Opens the FIFO read-write (Linux opens a FIFO so without waiting for a peer) as uid and gid, no other groups. */
    private static boolean opensReadWrite(int uid, int gid, Path fifo) throws Exception {
        return succeedsAs(uid, gid, "sh", "-c", "exec 3<>\"$1\"", "sh", fifo.toString());
    }

    private static boolean succeedsAs(int uid, int gid, String... command) throws Exception {
        List<String> asUser = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--"));
        asUser.addAll(List.of(command));
        return runs(asUser.toArray(new String[0]));
    }

    private static boolean runs(String... command) throws InterruptedException {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } catch (IOException notInstalled) {
            return false;
        }
    }

    private static String getfacl(Path file) throws Exception {
        Process getfacl = new ProcessBuilder("getfacl", "--omit-header", "--numeric", "--absolute-names", file.toString()).redirectErrorStream(true).start();
        String text = new String(getfacl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, getfacl.waitFor(), text);
        return text;
    }

    /** Opens with O_CLOEXEC, closed after the test. */
    private int open(Path path, int flags) {
        int fd = FileCalls.open(path.toString(), flags | FileCalls.O_CLOEXEC, 0);
        assertTrue(fd >= 0, () -> "open " + path + ": " + Errno.describe(Native.getLastError()));
        openDescriptors.add(fd);
        return fd;
    }
}
