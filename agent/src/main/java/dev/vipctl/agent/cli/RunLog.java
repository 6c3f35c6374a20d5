package dev.vipctl.agent.cli;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * The lines of one run for {@code --log-file}, like the vendor scripts' Takeover.log: local time to the
 * millisecond, the process id, then the text. Lines are stamped when noted but written at the end of the run,
 * so formatting and file I/O stay off the path to the first gratuitous ARP. A shutdown hook may write them from
 * another thread, hence the locking.
 */
final class RunLog {
    private final List<Long> stamps = new ArrayList<>();
    private final List<String> lines = new ArrayList<>();

    private boolean written;

    synchronized void note(String text) {
        stamps.add(System.currentTimeMillis());
        lines.add(text);
    }

    /**
     * Appends the noted lines to {@code file} in one write, once: the end of the run and a signal's shutdown hook may
     * both ask, and the second finds it done.
     */
    synchronized void appendTo(Path file) throws IOException {
        if (written) {
            return;
        }
        written = true;
        ZoneId zone = ZoneId.systemDefault();
        long pid = ProcessHandle.current().pid();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            text.append(format(LocalDateTime.ofInstant(Instant.ofEpochMilli(stamps.get(i)), zone)))
                    .append(" vipctl[").append(pid).append("] ").append(lines.get(i)).append('\n');
        }
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE)) {
            writer.write(text.toString());
        }
    }

    /** "2026-11-22 07:01:02.345" without DateTimeFormatter, whose start-up cost is tens of milliseconds. */
    static String format(LocalDateTime time) {
        StringBuilder text = new StringBuilder(23);
        text.append(time.getYear()).append('-');
        pad(text, time.getMonthValue(), 2).append('-');
        pad(text, time.getDayOfMonth(), 2).append(' ');
        pad(text, time.getHour(), 2).append(':');
        pad(text, time.getMinute(), 2).append(':');
        pad(text, time.getSecond(), 2).append('.');
        return pad(text, time.getNano() / 1_000_000, 3).toString();
    }

    private static StringBuilder pad(StringBuilder text, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            text.append('0');
        }
        return text.append(digits);
    }
}
