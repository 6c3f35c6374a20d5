package dev.vipctl.tests;

import dev.vipctl.benchmarks.ArpFramesBenchmark;
import dev.vipctl.linux.RtnetlinkCodecBenchmark;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every JMH micro-benchmark runs and reports a score; how fast is for the benchmark run, not for this test. */
class MicroBenchmarksTest {
    private static final Class<?>[] BENCHMARKS = {RtnetlinkCodecBenchmark.class, ArpFramesBenchmark.class};

    @Test
    void everyBenchmarkRunsAndReportsAPositiveScoreInNanosecondsPerOperation() throws Exception {
        Set<String> declared = new TreeSet<>();
        OptionsBuilder options = new OptionsBuilder();
        for (Class<?> benchmark : BENCHMARKS) {
            options.include(benchmark.getName() + "\\.");
            for (Method method : benchmark.getMethods()) {
                if (method.isAnnotationPresent(Benchmark.class)) {
                    declared.add(benchmark.getName() + "." + method.getName());
                }
            }
        }
        // shouldFailOnError: a benchmark that throws fails the run with its exception, instead of only lacking a result.
        Collection<RunResult> results = new Runner(options.forks(0).warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(50)).shouldFailOnError(true).verbosity(VerboseMode.SILENT)
                .build()).run();

        Set<String> ran = new TreeSet<>();
        for (RunResult result : results) {
            ran.add(result.getParams().getBenchmark());
            double score = result.getPrimaryResult().getScore();
            assertTrue(Double.isFinite(score) && score > 0, result.getParams().getBenchmark() + " scored " + score);
            assertEquals("ns/op", result.getPrimaryResult().getScoreUnit());
        }
        assertEquals(declared, ran);
        assertEquals(7, ran.size(), "three codec and four frame benchmarks");
    }
}
