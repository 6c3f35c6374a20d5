package dev.vipctl.benchmarks;

import dev.vipctl.agent.arp.ArpFrames;
import dev.vipctl.agent.arp.ArpPacket;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/** Building the frames a takeover sends, and parsing the 60-byte frames it receives. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ArpFramesBenchmark {
    private final MacAddress mac = MacAddress.parse("02:00:00:00:00:0a");
    private final IpAddress vip = IpAddress.parseIpv4("198.51.100.100");
    private byte[] received;

    /** A reply as it comes off the wire: padded to the Ethernet minimum of 60 bytes. */
    @Setup
    public void receiveAReply() {
        received = Arrays.copyOf(ArpFrames.announcementReply(MacAddress.parse("02:00:00:00:00:0b"), vip), 60);
        // Else parse() would time its early rejection instead of a whole parse.
        if (ArpPacket.parse(received) == null) {
            throw new IllegalStateException("the reply does not parse as ARP");
        }
    }

    @Benchmark
    public byte[] announcementRequest() {
        return ArpFrames.announcementRequest(mac, vip);
    }

    @Benchmark
    public byte[] announcementReply() {
        return ArpFrames.announcementReply(mac, vip);
    }

    @Benchmark
    public byte[] probe() {
        return ArpFrames.probe(mac, vip);
    }

    @Benchmark
    public ArpPacket parse() {
        return ArpPacket.parse(received);
    }
}
