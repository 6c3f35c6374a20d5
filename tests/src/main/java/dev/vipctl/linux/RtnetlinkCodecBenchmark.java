package dev.vipctl.linux;

import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.OsException;
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
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * The rtnetlink codec's work per takeover: encoding the add and delete requests, decoding an address dump. In the
 * codec's package because the codec is package-private; on the class path a package may span jars.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RtnetlinkCodecBenchmark {
    /** The dump's sequence number in the recording. */
    private static final int DUMP_SEQUENCE = 8;

    private final RtnetlinkCodec codec = new RtnetlinkCodec(ByteOrder.LITTLE_ENDIAN);
    private final InterfaceAddress vip = new InterfaceAddress(IpAddress.parseIpv4("198.51.100.100"), 24, "eth0:1");
    private byte[] dump;
    private byte[] done;

    /**
     * The two datagrams a Linux 6.18 kernel sent for an RTM_GETADDR dump of eth0 (index 3): 198.51.100.11/24,
     * 198.51.100.100/32 and 198.51.100.100/24 label eth0:1, each with IFA_CACHEINFO; then NLMSG_DONE. Copied from
     * platform-linux's test recording getaddr-dump.hex, which is not on this module's class path.
     */
    @Setup
    public void recordedDump() throws OsException {
        dump = hex("50000000 14002200 08000000 c4230000 02188000 03000000 08000100 c633640b"
                + "08000200 c633640b 09000300 65746830 00000000 08000800 80000000 14000600"
                + "ffffffff ffffffff 16c80200 16c80200"
                + "50000000 14002200 08000000 c4230000 02208000 03000000 08000100 c6336464"
                + "08000200 c6336464 09000300 65746830 00000000 08000800 80000000 14000600"
                + "ffffffff ffffffff 23c80200 23c80200"
                + "58000000 14002200 08000000 c4230000 02188100 03000000 08000100 c6336464"
                + "08000200 c6336464 08000400 c63364ff 0b000300 65746830 3a310000 08000800"
                + "81000000 14000600 ffffffff ffffffff 23c80200 23c80200");
        done = hex("14000000 03002200 08000000 c4230000 00000000");
        RtnetlinkCodec.Replies replies = gather();
        // Guards against a benchmark that would time nothing, e.g. every message skipped for its sequence number.
        if (replies.end() == null || replies.messages().size() != 3) {
            throw new IllegalStateException("the recorded dump no longer gathers into three addresses and NLMSG_DONE");
        }
    }

    @Benchmark
    public byte[] encodeAdd() {
        return codec.newAddress(7, 3, vip);
    }

    @Benchmark
    public byte[] encodeDelete() {
        return codec.deleteAddress(7, 3, vip);
    }

    /** Both datagrams gathered as the socket does, then every message decoded into an address entry. */
    @Benchmark
    public void decodeAddressDump(Blackhole blackhole) throws OsException {
        RtnetlinkCodec.Replies replies = gather();
        blackhole.consume(replies.end());
        for (RtnetlinkCodec.Message message : replies.messages()) {
            blackhole.consume(codec.address(message));
        }
    }

    private RtnetlinkCodec.Replies gather() throws OsException {
        RtnetlinkCodec.Replies replies = codec.replies(DUMP_SEQUENCE);
        replies.add(codec.messages(dump, dump.length));
        replies.add(codec.messages(done, done.length));
        return replies;
    }

    private static byte[] hex(String text) {
        String digits = text.replace(" ", "");
        byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }
}
