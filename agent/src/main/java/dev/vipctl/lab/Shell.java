package dev.vipctl.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a short external command (the lab's {@code ip} calls) and returns its output. Never on the takeover path. */
public final class Shell {
    /** What a finished command left behind. */
    public static final class Result {
        public final int exitCode;
        public final String stdout;
        public final String stderr;

        Result(int exitCode, String stdout, String stderr) {
            this.exitCode = exitCode;
            this.stdout = stdout;
            this.stderr = stderr;
        }
    }

    private Shell() {
    }

    /** Whether {@code command} is an executable in a directory of PATH (a default PATH where there is none). */
    public static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /** Runs the command, waits at most 30 s, and returns whatever it exited with. */
    public static Result run(List<String> command) {
        return run(command, 30);
    }

    /** Runs the command, waits at most {@code timeoutSeconds}, and returns whatever it exited with. */
    public static Result run(List<String> command, long timeoutSeconds) {
        return run(command, Map.of(), timeoutSeconds);
    }

    /**
     * Runs the command with {@code environment} added to this process's, waits at most {@code timeoutSeconds}, and
     * returns whatever it exited with. (Set here rather than through {@code env}, which would be one more process.)
     */
    public static Result run(List<String> command, Map<String, String> environment, long timeoutSeconds) {
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
        try {
            StreamCollector out = new StreamCollector(process.getInputStream());
            StreamCollector err = new StreamCollector(process.getErrorStream());
            out.start();
            err.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
            }
            out.join();
            err.join();
            return new Result(process.exitValue(), out.text(), err.text());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        }
    }

    /** Runs the command and returns its standard output; a non-zero exit is an error that quotes its stderr. */
    public static String check(String... command) {
        Result result = run(Arrays.asList(command));
        if (result.exitCode != 0) {
            throw new IllegalStateException("'" + String.join(" ", command) + "' exited with " + result.exitCode + ": " + result.stderr.trim());
        }
        return result.stdout;
    }

    private static final class StreamCollector extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        StreamCollector(InputStream in) {
            this.in = in;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                in.transferTo(bytes);
            } catch (IOException ignored) {
                // The process died; what was read so far is all there is.
            }
        }

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
