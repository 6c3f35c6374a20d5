package dev.vipctl.agent;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-phase durations of one run in microseconds, in the order they happened. Phases are measured with
 * {@link System#nanoTime()}; the time before {@code main} comes from the launcher's wall clock.
 */
public final class Timings {
    private final long mainStartNanos;
    private final long launchToMainMicros;
    private long lastMarkNanos;
    private final Map<String, Long> micros = new LinkedHashMap<>();

    /**
     * @param mainStartNanos     {@link System#nanoTime()} taken first thing in {@code main}
     * @param launchToMainMicros process start to {@code main} in µs, or -1 when unknown (not started by the launcher)
     */
    public Timings(long mainStartNanos, long launchToMainMicros) {
        this.mainStartNanos = mainStartNanos;
        this.lastMarkNanos = mainStartNanos;
        this.launchToMainMicros = launchToMainMicros;
        if (launchToMainMicros >= 0) {
            micros.put("startToMain", launchToMainMicros);
        }
    }

    /** Records a phase that ended before {@code main} (the launcher's, through the resident agent), measured by the caller. */
    public void markBeforeMain(String phase, long durationMicros) {
        micros.put(phase, durationMicros);
    }

    /** Records the time since the previous mark (or since {@code main}) as {@code phase}. */
    public void mark(String phase) {
        long now = System.nanoTime();
        micros.put(phase, (now - lastMarkNanos) / 1000);
        lastMarkNanos = now;
    }

    /** Records a point in time as a duration since process start (or since {@code main} when that is unknown). */
    public void markSinceStart(String name, long nanoTime) {
        micros.put(name, sinceStartMicros(nanoTime));
    }

    /** Whether the durations "since start" include the JVM's own start (the launcher told us when it began). */
    public boolean knowsProcessStart() {
        return launchToMainMicros >= 0;
    }

    private long sinceStartMicros(long nanoTime) {
        return Math.max(0, launchToMainMicros) + (nanoTime - mainStartNanos) / 1000;
    }

    /** Ends the run: records {@code total} and returns every phase. */
    public Map<String, Long> finish() {
        micros.put("total", sinceStartMicros(System.nanoTime()));
        return micros;
    }

    public Map<String, Long> micros() {
        return micros;
    }
}
