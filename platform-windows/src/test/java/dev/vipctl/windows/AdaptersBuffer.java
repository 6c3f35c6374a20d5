package dev.vipctl.windows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Lays out a GetAdaptersAddresses answer as Windows does: the IP_ADAPTER_ADDRESSES one after the other from the
 * buffer's start, each Next pointing at the following one (null in the last), and their strings after them, every
 * pointer an address in the buffer as it lies at {@link #baseAddress}. The offsets are written out here from the
 * table in docs/windows.md#ip_adapter_addresses, not taken from the layout under test.
 */
final class AdaptersBuffer {
    /** One adapter to lay out. */
    static final class Entry {
        final int ifIndex;
        final long luid;
        final String friendlyName;
        final String adapterName;
        final byte[] physicalAddress;
        final int ifType;
        final int operStatus;
        /** IP_ADAPTER_ADDRESSES.Flags */
        int flags = FLAGS;

        Entry(int ifIndex, long luid, String friendlyName, String adapterName, byte[] physicalAddress, int ifType, int operStatus) {
            this.ifIndex = ifIndex;
            this.luid = luid;
            this.friendlyName = friendlyName;
            this.adapterName = adapterName;
            this.physicalAddress = physicalAddress;
            this.ifType = ifType;
            this.operStatus = operStatus;
        }
    }

    /** IP_ADAPTER_ADDRESS_DNS_ELIGIBLE | IP_ADAPTER_DHCP_ENABLED (iptypes.h 0x1, 0x4), as a typical adapter has. */
    static final int FLAGS = 0x5;

    final boolean x64;
    final long baseAddress;

    AdaptersBuffer(boolean x64) {
        this.x64 = x64;
        this.baseAddress = x64 ? 0x000001d2_3a4b0000L : 0x00a40000L;
    }

    int size() {
        return x64 ? 448 : 376;
    }

    /** Offsets of Length, IfIndex, Next, AdapterName, FriendlyName, PhysicalAddress, its length, Flags, IfType, OperStatus, Luid. */
    private int[] offsets() {
        return x64 ? new int[] {0, 4, 8, 16, 72, 80, 88, 92, 100, 104, 224} : new int[] {0, 4, 8, 12, 40, 44, 52, 56, 64, 68, 176};
    }

    byte[] build(List<Entry> entries) {
        int[] o = offsets();
        ByteBuffer adapters = ByteBuffer.allocate(size() * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        List<int[]> stringOffsets = new ArrayList<>();
        for (Entry entry : entries) {
            int friendly = strings.size();
            strings.writeBytes((entry.friendlyName + "\0").getBytes(StandardCharsets.UTF_16LE));
            int name = strings.size();
            strings.writeBytes((entry.adapterName + "\0").getBytes(StandardCharsets.US_ASCII));
            while (strings.size() % 8 != 0) {
                strings.write(0);
            }
            stringOffsets.add(new int[] {friendly, name});
        }
        int stringsStart = adapters.capacity();
        for (int i = 0; i < entries.size(); i++) {
            Entry entry = entries.get(i);
            int at = i * size();
            adapters.putInt(at + o[0], size());
            adapters.putInt(at + o[1], entry.ifIndex);
            putPointer(adapters, at + o[2], i + 1 < entries.size() ? baseAddress + at + size() : 0);
            putPointer(adapters, at + o[3], baseAddress + stringsStart + stringOffsets.get(i)[1]);
            putPointer(adapters, at + o[4], baseAddress + stringsStart + stringOffsets.get(i)[0]);
            System.arraycopy(entry.physicalAddress, 0, adapters.array(), at + o[5], entry.physicalAddress.length);
            adapters.putInt(at + o[6], entry.physicalAddress.length);
            adapters.putInt(at + o[7], entry.flags);
            adapters.putInt(at + o[8], entry.ifType);
            adapters.putInt(at + o[9], entry.operStatus);
            adapters.putLong(at + o[10], entry.luid);
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        buffer.writeBytes(adapters.array());
        buffer.writeBytes(strings.toByteArray());
        return buffer.toByteArray();
    }

    /** Offset of the first adapter's field, for tests that break one: "Next", "FriendlyName". */
    int offsetOf(String field) {
        int[] o = offsets();
        switch (field) {
            case "Next":
                return o[2];
            case "FriendlyName":
                return o[4];
            default:
                throw new IllegalArgumentException(field);
        }
    }

    void putPointer(ByteBuffer buffer, int at, long pointer) {
        if (x64) {
            buffer.putLong(at, pointer);
        } else {
            buffer.putInt(at, (int) pointer);
        }
    }
}
