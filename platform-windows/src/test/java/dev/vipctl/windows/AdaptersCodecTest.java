package dev.vipctl.windows;

import dev.vipctl.os.OsException;
import dev.vipctl.windows.AdaptersCodec.Adapter;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The walk over hand-built GetAdaptersAddresses buffers (AdaptersBuffer) on x64 and x86, pointers and all. */
class AdaptersCodecTest {
    private static final byte[] MAC = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
    private static final AdaptersBuffer.Entry ETHERNET = new AdaptersBuffer.Entry(12, 0x0006000001000000L, "Local Area Connection",
            "{4D36E972-E325-11CE-BFC1-08002BE10318}", MAC, 6, 1);
    private static final AdaptersBuffer.Entry LOOPBACK = new AdaptersBuffer.Entry(1, 0x0018000000000000L, "Loopback Pseudo-Interface 1",
            "{A1B2C3D4-0000-0000-0000-000000000001}", new byte[0], 24, 1);

    @Test
    void aChainOfTwoAdaptersOnX64AndX86() throws Exception {
        for (boolean x64 : new boolean[] {true, false}) {
            AdaptersBuffer buffer = new AdaptersBuffer(x64);
            List<Adapter> adapters = codec(x64).adapters(buffer.build(List.of(ETHERNET, LOOPBACK)), buffer.baseAddress);

            assertEquals(2, adapters.size());
            Adapter ethernet = adapters.get(0);
            assertEquals(12, ethernet.ifIndex);
            assertEquals(0x0006000001000000L, ethernet.luid);
            assertEquals("Local Area Connection", ethernet.friendlyName);
            assertEquals("{4D36E972-E325-11CE-BFC1-08002BE10318}", ethernet.adapterName);
            assertArrayEquals(MAC, ethernet.physicalAddress);
            assertEquals(AdaptersBuffer.FLAGS, ethernet.flags);
            assertEquals(6, ethernet.ifType);
            assertEquals(1, ethernet.operStatus);
            Adapter loopback = adapters.get(1);
            assertEquals("Loopback Pseudo-Interface 1", loopback.friendlyName);
            assertEquals(24, loopback.ifType);
            assertEquals(0, loopback.physicalAddress.length);
        }
    }

    @Test
    void aFriendlyNameOutsideTheBasicPlaneIsRead() throws Exception {
        AdaptersBuffer buffer = new AdaptersBuffer(true);
        AdaptersBuffer.Entry named = new AdaptersBuffer.Entry(3, 1L, "Ethernet \u00e9\uD83D\uDD0C", "{X}", MAC, 6, 1);
        assertEquals("Ethernet \u00e9\uD83D\uDD0C", codec(true).adapters(buffer.build(List.of(named)), buffer.baseAddress).get(0).friendlyName);
    }

    @Test
    void anEmptyBufferHasNoAdapters() throws Exception {
        assertEquals(List.of(), codec(true).adapters(new byte[0], 0x1000));
    }

    @Test
    void aNextPointerOutsideTheBufferIsMalformed() {
        for (boolean x64 : new boolean[] {true, false}) {
            AdaptersBuffer buffer = new AdaptersBuffer(x64);
            byte[] bytes = buffer.build(List.of(ETHERNET, LOOPBACK));
            buffer.putPointer(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), buffer.offsetOf("Next"), buffer.baseAddress + bytes.length);

            assertMalformed(x64, bytes, buffer.baseAddress, "Next points to");
        }
    }

    @Test
    void aStringPointerBelowTheBufferIsMalformed() {
        for (boolean x64 : new boolean[] {true, false}) {
            AdaptersBuffer buffer = new AdaptersBuffer(x64);
            byte[] bytes = buffer.build(List.of(ETHERNET));
            buffer.putPointer(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), buffer.offsetOf("FriendlyName"), buffer.baseAddress - 2);

            assertMalformed(x64, bytes, buffer.baseAddress, "FriendlyName points to");
        }
    }

    @Test
    void aChainThatLoopsIsMalformed() {
        AdaptersBuffer buffer = new AdaptersBuffer(true);
        byte[] bytes = buffer.build(List.of(ETHERNET, LOOPBACK));
        buffer.putPointer(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN), buffer.size() + buffer.offsetOf("Next"), buffer.baseAddress);

        assertMalformed(true, bytes, buffer.baseAddress, "does not end");
    }

    @Test
    void anAdapterCutShortIsMalformed() {
        AdaptersBuffer buffer = new AdaptersBuffer(false);
        byte[] bytes = buffer.build(List.of(ETHERNET));

        assertMalformed(false, java.util.Arrays.copyOf(bytes, 200), buffer.baseAddress, "runs past");
    }

    private static AdaptersCodec codec(boolean x64) {
        return new AdaptersCodec(x64 ? IpHelperLayout.X64 : IpHelperLayout.X86);
    }

    private static void assertMalformed(boolean x64, byte[] bytes, long baseAddress, String expected) {
        OsException e = assertThrows(OsException.class, () -> codec(x64).adapters(bytes, baseAddress));
        assertEquals(OsException.Reason.IO, e.reason());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
