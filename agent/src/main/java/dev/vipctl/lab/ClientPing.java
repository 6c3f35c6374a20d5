package dev.vipctl.lab;

import dev.vipctl.linux.NetworkNamespace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client's view of a VIP: a request to it every few milliseconds from the client's namespace, with the arrival
 * time and sequence number of every reply, so that the gap a switchover leaves can be measured. Two ways to ask:
 * <ul>
 * <li>{@link #start}: {@code ping -D}. While a reply is outstanding iputils ping waits 10 ms (its MININTERVAL) before
 * it sends again, so during a blackout it asks only every 10 ms, whatever {@code -i} says.</li>
 * <li>{@link #udpEcho}: UDP echo requests on a fixed schedule, answered by echo servers on both HA hosts: the same
 * path through the client's neighbour entry, and a gap resolution of the interval even while nobody answers.</li>
 * </ul>
 */
public final class ClientPing implements AutoCloseable {
    /** "[1732262462.123456] 64 bytes from 198.51.100.100: icmp_seq=5 ttl=64 time=0.051 ms" */
    private static final Pattern REPLY = Pattern.compile("^\\[(\\d+)\\.(\\d{6})\\] \\d+ bytes from .*icmp_seq=(\\d+)");
    /** The echo service's well-known port (RFC 862). */
    private static final int ECHO_PORT = 7;

    private final int intervalMillis;
    /** {arrival in epoch µs, sequence number} of every reply, in arrival order. */
    private final List<long[]> replies = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    /** Stops the requests and the answers; the threads then end. */
    private final Runnable stop;

    private ClientPing(int intervalMillis, Runnable stop) {
        this.intervalMillis = intervalMillis;
        this.stop = stop;
    }

    /** Starts {@code ping -D} of {@code target} from {@code client} every {@code intervalMillis} ms. */
    public static ClientPing start(NamespaceLab.Host client, String target, int intervalMillis) {
        String interval = String.format(java.util.Locale.ROOT, "%.3f", intervalMillis / 1000.0);
        Process process = client.start("ping", "-D", "-n", "-i", interval, "-W", "1", target);
        ClientPing ping = new ClientPing(intervalMillis, process::destroy);
        ping.startThread("client-ping-reader", () -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    Matcher reply = REPLY.matcher(line);
                    if (reply.find()) {
                        ping.record(Long.parseLong(reply.group(1)) * 1_000_000 + Long.parseLong(reply.group(2)), Long.parseLong(reply.group(3)));
                    }
                }
            } catch (IOException e) {
                // ping was stopped: the replies read so far are the record.
            }
        });
        return ping;
    }

    /**
     * Starts echo servers on the lab's two HA hosts (whichever holds the VIP answers) and sends a UDP echo request to
     * the VIP from the lab's client every {@code intervalMillis} ms.
     */
    static ClientPing udpEcho(NamespaceLab lab, int intervalMillis) throws Exception {
        List<DatagramChannel> channels = new ArrayList<>();
        ClientPing ping = new ClientPing(intervalMillis, () -> {
            for (DatagramChannel channel : channels) {
                try {
                    channel.close(); // ends the blocked receive() with an AsynchronousCloseException
                } catch (IOException e) {
                    // closed anyway
                }
            }
        });
        try {
            for (NamespaceLab.Host host : List.of(lab.hostA(), lab.hostB())) {
                DatagramChannel server = openIn(host, new InetSocketAddress(ECHO_PORT));
                channels.add(server);
                ping.startThread("echo-" + host.role(), () -> {
                    ByteBuffer request = ByteBuffer.allocate(64);
                    try {
                        while (true) {
                            SocketAddress from = server.receive(request);
                            request.flip();
                            server.send(request, from);
                            request.clear();
                        }
                    } catch (IOException e) {
                        // closed: the bench is done with it
                    }
                });
            }
            DatagramChannel client = openIn(lab.client(), new InetSocketAddress(0));
            channels.add(client);
            ping.startThread("client-echo-reader", () -> {
                ByteBuffer reply = ByteBuffer.allocate(64);
                try {
                    while (true) {
                        client.receive(reply);
                        long micros = WireWatch.nowMicros();
                        reply.flip();
                        ping.record(micros, reply.getLong());
                        reply.clear();
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            InetSocketAddress vip = new InetSocketAddress(NamespaceLab.VIP, ECHO_PORT);
            long period = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
            ping.startThread("client-echo-sender", () -> {
                ByteBuffer request = ByteBuffer.allocate(Long.BYTES);
                long next = System.nanoTime();
                for (long sequence = 1; ; sequence++) {
                    request.clear();
                    request.putLong(sequence).flip();
                    try {
                        client.send(request, vip);
                    } catch (ClosedChannelException e) {
                        return;
                    } catch (IOException e) {
                        // not sent (e.g. no neighbour yet): a request without a reply, like a lost one
                    }
                    next += period; // a fixed schedule: a late wake-up does not shift the ones after it
                    LockSupport.parkNanos(next - System.nanoTime());
                }
            });
            return ping;
        } catch (Exception e) {
            ping.close();
            throw e;
        }
    }

    /** A datagram channel opened and bound inside the host's namespace, where it stays. */
    private static DatagramChannel openIn(NamespaceLab.Host host, InetSocketAddress address) throws Exception {
        return NetworkNamespace.call(host.namespace(), () -> DatagramChannel.open(StandardProtocolFamily.INET).bind(address));
    }

    private void startThread(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    private void record(long arrivalMicros, long sequence) {
        synchronized (replies) {
            replies.add(new long[] {arrivalMicros, sequence});
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
     * requests whose replies were lost in it.
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
        stop.run();
        for (Thread thread : threads) {
            thread.join(2000);
        }
    }
}
