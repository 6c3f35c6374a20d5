package dev.vipctl.windows;

import dev.vipctl.os.IpAddress;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds the MIB_IPNET_ROW2 that DeleteIpNetEntry2 takes to delete one entry of the host's neighbour (ARP) cache
 * (docs/windows.md#mib_ipnet_row2), over plain bytes like {@link UnicastAddressRowCodec}. IPv4 only.
 */
final class NeighbourRowCodec {
    private final IpHelperLayout layout;

    NeighbourRowCodec(IpHelperLayout layout) {
        this.layout = layout;
    }

    /**
     * The row's key, which is all DeleteIpNetEntry2 reads: the neighbour's address, and the interface by its LUID, or
     * by its index where the LUID is 0. The physical address, its length, State, Flags and ReachabilityTime stay 0.
     */
    byte[] key(IpAddress neighbour, long interfaceLuid, int interfaceIndex) {
        if (!neighbour.isIpv4()) {
            throw new IllegalArgumentException("vipctl flushes IPv4 neighbours only, not " + neighbour);
        }
        ByteBuffer row = ByteBuffer.allocate(layout.neighbourRowSize).order(ByteOrder.LITTLE_ENDIAN);
        row.putShort(layout.neighbourAddress + layout.siFamily, (short) UnicastAddressRowCodec.AF_INET);
        System.arraycopy(neighbour.bytes(), 0, row.array(), layout.neighbourAddress + layout.sinAddr, 4);
        row.putInt(layout.neighbourInterfaceIndex, interfaceIndex);
        row.putLong(layout.neighbourInterfaceLuid, interfaceLuid);
        return row.array();
    }
}
