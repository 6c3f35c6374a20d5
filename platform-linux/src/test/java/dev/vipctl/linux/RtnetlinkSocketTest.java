package dev.vipctl.linux;

import dev.vipctl.os.NetInterface;
import dev.vipctl.os.OsException;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The socket against the real kernel, reading only (no privileges needed): the loopback interface of the namespace
 * the test runs in, which every Linux has and which these requests leave as it is.
 */
class RtnetlinkSocketTest {
    private static final RtnetlinkCodec CODEC = new RtnetlinkCodec(ByteOrder.nativeOrder());
    /** Smaller than any reply below: the kernel's RTM_NEWLINK for lo is over 1 KB, its address dump over 60 bytes. */
    private static final int TINY_BUFFER = 16;

    @Test
    void aReplyLargerThanTheReceiveBufferGrowsItInsteadOfFailing() throws OsException {
        try (RtnetlinkSocket socket = RtnetlinkSocket.open(CODEC, TINY_BUFFER)) {
            List<RtnetlinkCodec.Message> replies = socket.request(CODEC.getLink(socket.nextSequence(), "lo"), "look up lo");

            NetInterface lo = CODEC.link(replies.get(0));
            assertEquals("lo", lo.name());

            RtnetlinkCodec.Replies dump = socket.dump(CODEC.dumpIpv4Addresses(socket.nextSequence(), lo.index()), "list lo's addresses");
            assertNull(dump.incomplete());
            assertEquals("127.0.0.1", CODEC.address(dump.messages().get(0)).address().address().toString());
        }
    }
}
