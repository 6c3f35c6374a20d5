package dev.vipctl.linux;

import com.sun.jna.Native;
import dev.vipctl.os.OsException;
import dev.vipctl.os.posix.LibC;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Runs code inside a named network namespace ({@code ip netns add NAME}, which bind-mounts it at /run/netns/NAME).
 * {@code setns} moves only the calling thread, and for good: so the task runs on a thread of its own, started for it
 * and ended after it, and no other code of the JVM ever runs in the namespace. Sockets the task opens, such as
 * {@link LinuxNetworkOs#open()}'s, belong to the namespace for their whole life.
 */
public final class NetworkNamespace {
    /** linux/sched.h */
    private static final int CLONE_NEWNET = 0x40000000;
    /** Where iproute2 keeps the named namespaces. */
    private static final String NAMESPACE_DIRECTORY = "/run/netns/";

    private NetworkNamespace() {
    }

    /**
     * Runs {@code task} on a new thread inside the namespace and returns its result. Needs CAP_SYS_ADMIN.
     *
     * @throws OsException if the namespace cannot be entered (it does not exist, or no privilege); the task did not run
     * @throws Exception   whatever the task threw, as it threw it
     */
    public static <T> T call(String namespaceName, Callable<T> task) throws Exception {
        if (namespaceName.isEmpty() || namespaceName.contains("/") || namespaceName.equals(".") || namespaceName.equals("..")) {
            throw new IllegalArgumentException("'" + namespaceName + "' is not a network namespace name");
        }
        FutureTask<T> inNamespace = new FutureTask<>(() -> {
            enter(namespaceName);
            return task.call();
        });
        Thread thread = new Thread(inNamespace, "netns-" + namespaceName);
        thread.setDaemon(true); // a caller that stops waiting must not keep the JVM alive
        thread.start();
        try {
            return inNamespace.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception) {
                throw (Exception) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw e;
        }
    }

    private static void enter(String namespaceName) throws OsException {
        String path = NAMESPACE_DIRECTORY + namespaceName;
        int fd = FileCalls.open(path, FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = Native.getLastError();
            throw new OsException(errno == Errno.EPERM || errno == Errno.EACCES ? OsException.Reason.NOT_PERMITTED : OsException.Reason.IO,
                    errno, "cannot open network namespace " + namespaceName + " (" + path + "): " + Errno.describe(errno));
        }
        try {
            if (NamespaceLibC.setns(fd, CLONE_NEWNET) != 0) {
                int errno = Native.getLastError();
                throw new OsException(errno == Errno.EPERM ? OsException.Reason.NOT_PERMITTED : OsException.Reason.IO, errno,
                        "cannot enter network namespace " + namespaceName + ": setns failed: " + Errno.describe(errno));
            }
        } finally {
            LibC.close(fd);
        }
    }
}
