package dev.vipctl.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client's view of a VIP: {@code ping -D} every few milliseconds from the client's namespace, with the arrival
 * time of every reply, so that the gap a switchover leaves can be measured.
 */
public final class ClientPing implements AutoCloseable {
    /** "[1732262462.123456] 64 bytes from 198.51.100.100: icmp_seq=5 ttl=64 time=0.051 ms" */
    private static final Pattern REPLY = Pattern.compile("^\\[(\\d+)\\.(\\d{6})\\] \\d+ bytes from .*icmp_seq=(\\d+)");

    private final Process process;
    private final int intervalMillis;
    private final List<long[]> replies = new ArrayList<>();
    private final Thread reader;

    private ClientPing(Process process, int intervalMillis) {
        this.process = process;
        this.intervalMillis = intervalMillis;
        this.reader = new Thread(this::readReplies, "client-ping-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts pinging {@code target} from {@code client} every {@code intervalMillis} ms. */
    public static ClientPing start(NamespaceLab.Host client, String target, int intervalMillis) {
        String interval = String.format(java.util.Locale.ROOT, "%.3f", intervalMillis / 1000.0);
        return new ClientPing(client.start("ping", "-D", "-n", "-i", interval, "-W", "1", target), intervalMillis);
    }

    private void readReplies() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                Matcher reply = REPLY.matcher(line);
                if (reply.find()) {
                    long micros = Long.parseLong(reply.group(1)) * 1_000_000 + Long.parseLong(reply.group(2));
                    synchronized (replies) {
                        replies.add(new long[] {micros, Long.parseLong(reply.group(3))});
                    }
                }
            }
        } catch (IOException e) {
            // ping was stopped: the replies read so far are the record.
        }
    }

    public int intervalMillis() {
        return intervalMillis;
    }

    /** Waits up to {@code timeoutMillis} for a reply that arrives after {@code afterMicros} (epoch µs); true if one came. */
    public boolean awaitReplyAfter(long afterMicros, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < deadline) {
            synchronized (replies) {
                if (!replies.isEmpty() && replies.get(replies.size() - 1)[0] > afterMicros) {
                    return true;
                }
            }
            Thread.sleep(5);
        }
        return false;
    }

    /**
     * The longest time without a reply that overlaps [{@code fromMicros}, {@code toMicros}] (epoch µs), and the
     * ICMP sequence numbers lost in it.
     */
    public Gap longestGap(long fromMicros, long toMicros) {
        Gap longest = new Gap(0, 0);
        synchronized (replies) {
            for (int i = 1; i < replies.size(); i++) {
                long[] before = replies.get(i - 1);
                long[] after = replies.get(i);
                if (after[0] >= fromMicros && before[0] <= toMicros && after[0] - before[0] > longest.micros) {
                    longest = new Gap(after[0] - before[0], (int) (after[1] - before[1] - 1));
                }
            }
        }
        return longest;
    }

    /** A stretch without replies. */
    public static final class Gap {
        public final long micros;
        public final int lostReplies;

        Gap(long micros, int lostReplies) {
            this.micros = micros;
            this.lostReplies = lostReplies;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        reader.join(2000);
    }
}
