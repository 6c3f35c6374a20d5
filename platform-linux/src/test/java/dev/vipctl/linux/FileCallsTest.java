package dev.vipctl.linux;

import com.sun.jna.Native;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The open(2) flags per architecture, and what a descriptor or a name refers to, read on a real file system. */
class FileCallsTest {
    @TempDir
    Path dir;

    private final List<Integer> openDescriptors = new ArrayList<>();

    @AfterEach
    void closeDescriptors() {
        for (int fd : openDescriptors) {
            FileCalls.close(fd);
        }
    }

    /** asm-generic/fcntl.h. */
    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "amd64", "i386", "x86", "s390x", "riscv64"})
    void genericArchitecturesHaveNoFollowAt0400000AndDirectoryAt0200000(String arch) {
        assertEquals(0400000, FileCalls.noFollowFlag(arch));
        assertEquals(0200000, FileCalls.directoryFlag(arch));
    }

    /** arch/arm64, arch/arm and arch/powerpc uapi/asm/fcntl.h. */
    @ParameterizedTest
    @ValueSource(strings = {"aarch64", "arm", "ppc64le", "ppc64", "ppc"})
    void armAndPowerPcHaveNoFollowAt0100000AndDirectoryAt040000(String arch) {
        assertEquals(0100000, FileCalls.noFollowFlag(arch));
        assertEquals(040000, FileCalls.directoryFlag(arch));
    }

    /**
     * arch/m68k/include/uapi/asm/fcntl.h numbers O_NOFOLLOW 0100000 like ARM; 0400000 there is O_LARGEFILE, so the
     * generic value would silently follow links. OpenJDK builds for m68k (Zero) and reports os.arch "m68k".
     */
    @Test
    void m68kHasNoFollowAt0100000AndDirectoryAt040000() {
        assertEquals(0100000, FileCalls.noFollowFlag("m68k"));
        assertEquals(040000, FileCalls.directoryFlag("m68k"));
    }

    /** These number all their flags differently: guessing would open files with the wrong flags. */
    @ParameterizedTest
    @ValueSource(strings = {"mips", "mipsel", "mips64el", "sparcv9", "sparc", "alpha", "parisc"})
    void architecturesWithTheirOwnFlagNumbersAreRefusedByName(String arch) {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> FileCalls.noFollowFlag(arch));
        assertTrue(e.getMessage().contains(arch), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> FileCalls.directoryFlag(arch));
    }

    @Test
    void noFollowOnThisMachineRefusesToOpenASymlink() throws Exception {
        Path target = Files.createFile(dir.resolve("target"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);

        int fd = FileCalls.open(link.toString(), FileCalls.O_RDONLY | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC, 0);
        int errno = Native.getLastError();
        if (fd >= 0) {
            openDescriptors.add(fd);
        }
        assertEquals(-1, fd, "O_NOFOLLOW " + Integer.toOctalString(FileCalls.O_NOFOLLOW) + " is not this architecture's");
        assertEquals(Errno.ELOOP, errno);

        int direct = open(target, FileCalls.O_RDONLY | FileCalls.O_NOFOLLOW);
        assertTrue(FileCalls.describe(direct).sameFileAs(FileCalls.describe(target)), "a regular file opens as usual");
    }

    @Test
    void directoryOnThisMachineOpensADirectoryAndRefusesAFile() throws Exception {
        Path file = Files.createFile(dir.resolve("file"));
        int fd = FileCalls.open(file.toString(), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
        int errno = Native.getLastError();
        if (fd >= 0) {
            openDescriptors.add(fd);
        }
        assertEquals(-1, fd, "O_DIRECTORY " + Integer.toOctalString(FileCalls.O_DIRECTORY) + " is not this architecture's");
        assertEquals(Errno.ENOTDIR, errno);

        open(dir, FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_NOFOLLOW);
    }

    @Test
    void aFifoMadeByMkfifoIsAFifo() throws Exception {
        Path fifo = dir.resolve("request.q");
        assertEquals(0, FileCalls.mkfifo(fifo.toString(), 0600), () -> Errno.describe(Native.getLastError()));

        FileCalls.OpenFile byName = FileCalls.describe(fifo);
        assertTrue(byName.isFifo());
        assertFalse(byName.isRegularFile());
        // Read-write: Linux opens a FIFO so without waiting for the other end.
        int fd = open(fifo, FileCalls.O_RDWR | FileCalls.O_NONBLOCK);
        FileCalls.OpenFile byDescriptor = FileCalls.describe(fd);
        assertTrue(byDescriptor.isFifo());
        assertTrue(byDescriptor.sameFileAs(byName));
    }

    @Test
    void aRegularFileIsOneThroughItsDescriptorAndItsName() throws Exception {
        Path file = Files.createFile(dir.resolve("vip.lock"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        int fd = open(file, FileCalls.O_RDWR);

        FileCalls.OpenFile byDescriptor = FileCalls.describe(fd);
        FileCalls.OpenFile byName = FileCalls.describe(file);
        assertTrue(byDescriptor.isRegularFile());
        assertFalse(byDescriptor.isFifo());
        assertTrue(byDescriptor.sameFileAs(byName));
        assertTrue(byName.sameFileAs(byDescriptor));
        assertEquals(0640, byName.permissions());
        assertEquals(1, byDescriptor.links);
        assertEquals(Files.getAttribute(file, "unix:uid"), byDescriptor.uid);
        assertEquals(Files.getAttribute(file, "unix:gid"), byDescriptor.gid);
    }

    @Test
    void anotherFileIsNotTheSame() throws Exception {
        Path one = Files.createFile(dir.resolve("one"));
        Path two = Files.createFile(dir.resolve("two"));
        assertFalse(FileCalls.describe(one).sameFileAs(FileCalls.describe(two)));
        assertFalse(FileCalls.describe(open(one, FileCalls.O_RDONLY)).sameFileAs(FileCalls.describe(two)));
    }

    @Test
    void aDeletedFileStillOpenHasNoLinks() throws Exception {
        Path file = Files.createFile(dir.resolve("vip.lock"));
        int fd = open(file, FileCalls.O_RDWR);
        Path secondName = Files.createLink(dir.resolve("second-name"), file);
        assertEquals(2, FileCalls.describe(fd).links);

        Files.delete(file);
        assertEquals(1, FileCalls.describe(fd).links, "still named once");
        Files.delete(secondName);
        assertEquals(0, FileCalls.describe(fd).links, "open, but named nowhere");
        assertTrue(FileCalls.describe(fd).isRegularFile());
    }

    @Test
    void aNameIsDescribedWithoutFollowingALink() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertEquals(0, FileCalls.mkfifo(fifo.toString(), 0600));
        Path link = Files.createSymbolicLink(dir.resolve("link"), fifo);

        FileCalls.OpenFile described = FileCalls.describe(link);
        assertFalse(described.isFifo(), "the link itself, not the FIFO it names");
        assertFalse(described.sameFileAs(FileCalls.describe(fifo)));
    }

    /** Opens with O_CLOEXEC, closed after the test. */
    private int open(Path path, int flags) {
        int fd = FileCalls.open(path.toString(), flags | FileCalls.O_CLOEXEC, 0);
        assertTrue(fd >= 0, () -> "open " + path + ": " + Errno.describe(Native.getLastError()));
        openDescriptors.add(fd);
        return fd;
    }
}
