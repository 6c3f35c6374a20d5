package dev.vipctl.agent;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Failed file operations in the operator's words: the JDK names some failures only by their class. */
public final class IoErrors {
    private IoErrors() {
    }

    /** Why the operation failed, without the path (the caller names it) and without Java class names. */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
            return ((FileSystemException) e).getReason();
        }
        return String.valueOf(e.getMessage());
    }

    /** The file and why the operation on it failed ("/proc/x: no such file or directory"), or the message of any other I/O error. */
    public static String describe(IOException e) {
        if (e instanceof FileSystemException && ((FileSystemException) e).getFile() != null) {
            return ((FileSystemException) e).getFile() + ": " + reason(e);
        }
        return String.valueOf(e.getMessage());
    }
}
