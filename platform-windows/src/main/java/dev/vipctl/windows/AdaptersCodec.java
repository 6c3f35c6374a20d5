package dev.vipctl.windows;

import dev.vipctl.os.OsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Walks the chain of IP_ADAPTER_ADDRESSES that GetAdaptersAddresses writes into the caller's buffer
 * (docs/windows.md#ip_adapter_addresses): the first adapter at the buffer's start, each {@code Next} and each string a
 * pointer into the same buffer. A pointer is checked against the buffer before it is followed, so a malformed answer
 * is reported, never read past.
 */
final class AdaptersCodec {
    /** One adapter: the fields vipctl uses. */
    static final class Adapter {
        final int ifIndex;
        final long luid;
        /** The alias an administrator sees and renames ("Ethernet", "Local Area Connection"). */
        final String friendlyName;
        /** The adapter's fixed name, its interface GUID ("{4d36e972-...}"): Npcap's device is \Device\NPF_ + it. */
        final String adapterName;
        final byte[] physicalAddress;
        final int flags;
        final int ifType;
        final int operStatus;

        Adapter(int ifIndex, long luid, String friendlyName, String adapterName, byte[] physicalAddress, int flags,
                int ifType, int operStatus) {
            this.ifIndex = ifIndex;
            this.luid = luid;
            this.friendlyName = friendlyName;
            this.adapterName = adapterName;
            this.physicalAddress = physicalAddress;
            this.flags = flags;
            this.ifType = ifType;
            this.operStatus = operStatus;
        }
    }

    /** iptypes.h MAX_ADAPTER_ADDRESS_LENGTH 8: the room for PhysicalAddress. */
    private static final int MAX_ADAPTER_ADDRESS_LENGTH = 8;

    private final IpHelperLayout layout;

    AdaptersCodec(IpHelperLayout layout) {
        this.layout = layout;
    }

    /**
     * @param buffer      the bytes GetAdaptersAddresses wrote
     * @param baseAddress where {@code buffer} was in memory when it wrote them
     */
    List<Adapter> adapters(byte[] buffer, long baseAddress) throws OsException {
        ByteBuffer bytes = ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN);
        List<Adapter> adapters = new ArrayList<>();
        int at = buffer.length == 0 ? -1 : 0;
        while (at >= 0) {
            if (buffer.length - at < layout.adapterSize) {
                throw malformed("an adapter at " + at + " runs past the buffer's " + buffer.length + " bytes");
            }
            if (adapters.size() == buffer.length / layout.adapterSize) {
                throw malformed("the chain of adapters does not end within the buffer of " + buffer.length + " bytes");
            }
            long length = Integer.toUnsignedLong(bytes.getInt(at + layout.adapterLength));
            if (length < layout.adapterLuid + 8) {
                throw malformed("an adapter of Length " + length + " ends before its Luid at " + layout.adapterLuid);
            }
            int physicalLength = bytes.getInt(at + layout.adapterPhysicalAddressLength);
            if (physicalLength < 0 || physicalLength > MAX_ADAPTER_ADDRESS_LENGTH) {
                throw malformed("PhysicalAddressLength " + physicalLength + " is outside 0-" + MAX_ADAPTER_ADDRESS_LENGTH);
            }
            int physicalStart = at + layout.adapterPhysicalAddress;
            adapters.add(new Adapter(
                    bytes.getInt(at + layout.adapterIfIndex),
                    bytes.getLong(at + layout.adapterLuid),
                    utf16(bytes, offset(bytes, at + layout.adapterFriendlyName, baseAddress, "FriendlyName")),
                    ansi(bytes, offset(bytes, at + layout.adapterName, baseAddress, "AdapterName")),
                    Arrays.copyOfRange(buffer, physicalStart, physicalStart + physicalLength),
                    bytes.getInt(at + layout.adapterFlags),
                    bytes.getInt(at + layout.adapterIfType),
                    bytes.getInt(at + layout.adapterOperStatus)));
            at = pointer(bytes, at + layout.adapterNext) == 0 ? -1 : offset(bytes, at + layout.adapterNext, baseAddress, "Next");
        }
        return adapters;
    }

    private long pointer(ByteBuffer bytes, int at) {
        return layout.pointerSize == 8 ? bytes.getLong(at) : Integer.toUnsignedLong(bytes.getInt(at));
    }

    /** Where in the buffer the pointer at {@code at} points; malformed if it is null or outside the buffer. */
    private int offset(ByteBuffer bytes, int at, long baseAddress, String field) throws OsException {
        long pointer = pointer(bytes, at);
        long offset = pointer - baseAddress;
        if (offset < 0 || offset >= bytes.capacity()) {
            throw malformed(field + " points to 0x" + Long.toHexString(pointer) + ", outside the buffer at 0x"
                    + Long.toHexString(baseAddress) + " of " + bytes.capacity() + " bytes");
        }
        return (int) offset;
    }

    /** A NUL-terminated UTF-16LE string (wchar_t *). */
    private static String utf16(ByteBuffer bytes, int start) throws OsException {
        for (int end = start; end + 1 < bytes.capacity(); end += 2) {
            if (bytes.getShort(end) == 0) {
                return new String(bytes.array(), start, end - start, StandardCharsets.UTF_16LE);
            }
        }
        throw malformed("a UTF-16 string at " + start + " has no terminating NUL within the buffer");
    }

    /** A NUL-terminated string of the ANSI code page (char *); AdapterName holds only ASCII (a GUID in braces). */
    private static String ansi(ByteBuffer bytes, int start) throws OsException {
        for (int end = start; end < bytes.capacity(); end++) {
            if (bytes.get(end) == 0) {
                return new String(bytes.array(), start, end - start, StandardCharsets.US_ASCII);
            }
        }
        throw malformed("a string at " + start + " has no terminating NUL within the buffer");
    }

    private static OsException malformed(String detail) {
        return new OsException(OsException.Reason.IO, 0, "malformed IP Helper answer: " + detail);
    }
}
