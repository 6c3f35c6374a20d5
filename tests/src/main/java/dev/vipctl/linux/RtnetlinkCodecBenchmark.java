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

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
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
    private final RtnetlinkCodec codec = new RtnetlinkCodec(ByteOrder.LITTLE_ENDIAN);
    private final InterfaceAddress vip = new InterfaceAddress(IpAddress.parseIpv4("198.51.100.100"), 24, "eth0:1");
    private byte[] dump;
    private byte[] done;

    @Setup
    public void recordADump() {
        dump = concat(newAddress("198.51.100.11", 0x80, "eth0"), newAddress("198.51.100.100", 0x81, "eth0:1"),
                newAddress("198.51.100.101", 0x81, "eth0:2"));
        done = message(RtnetlinkCodec.NLMSG_DONE, new byte[4]);
    }

    @Benchmark
    public byte[] encodeAdd() {
        return codec.newAddress(7, 2, vip);
    }

    @Benchmark
    public byte[] encodeDelete() {
        return codec.deleteAddress(7, 2, vip);
    }

    /** Three addresses in one datagram and NLMSG_DONE in the next, decoded into address entries. */
    @Benchmark
    public RtnetlinkCodec.AddressEntry decodeAddressDump() throws OsException {
        RtnetlinkCodec.Replies replies = codec.replies(3);
        replies.add(codec.messages(dump, dump.length));
        replies.add(codec.messages(done, done.length));
        List<RtnetlinkCodec.Message> messages = replies.messages();
        RtnetlinkCodec.AddressEntry last = null;
        for (RtnetlinkCodec.Message message : messages) {
            last = codec.address(message);
        }
        return last;
    }

    /** An RTM_NEWADDR as the kernel dumps it on index 2: IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_FLAGS. */
    private static byte[] newAddress(String ip, int flags, String label) {
        byte[] address = IpAddress.parseIpv4(ip).bytes();
        byte[] labelBytes = Arrays.copyOf((label + "\0").getBytes(StandardCharsets.US_ASCII), (label.length() + 4) & ~3);
        ByteBuffer body = ByteBuffer.allocate(8 + 8 + 8 + 4 + labelBytes.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        body.put((byte) 2).put((byte) 24).put((byte) flags).put((byte) 0).putInt(2);
        body.putShort((short) 8).putShort((short) 1).put(address);
        body.putShort((short) 8).putShort((short) 2).put(address);
        body.putShort((short) (4 + label.length() + 1)).putShort((short) 3).put(labelBytes);
        body.putShort((short) 8).putShort((short) 8).putInt(flags);
        return message(RtnetlinkCodec.RTM_NEWADDR, body.array());
    }

    private static byte[] message(int type, byte[] body) {
        return ByteBuffer.allocate(16 + body.length).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(16 + body.length).putShort((short) type).putShort((short) 0x2).putInt(3).putInt(4242).put(body).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteBuffer all = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(part -> part.length).sum());
        for (byte[] part : parts) {
            all.put(part);
        }
        return all.array();
    }
}
