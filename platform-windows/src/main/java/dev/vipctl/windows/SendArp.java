package dev.vipctl.windows;

import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.OsException;
import dev.vipctl.os.OsException.Reason;

import java.util.Arrays;

/**
 * Windows' own ARP resolution, iphlpapi SendARP (docs/windows.md#without-npcap-sendarp): how vipctl asks who answers
 * for an address where it cannot send and capture frames itself. SendARP resolves: it sends ARP requests for the
 * target until one is answered or its own timeout ends, and returns the answering MAC. It cannot send a request from
 * 0.0.0.0 (an RFC 5227 probe), cannot send a gratuitous ARP, and may answer from the neighbour cache without asking.
 */
public final class SendArp {
    /** SendARP's pMacAddr: at least 6 bytes; its page's example passes two ULONGs, 8. */
    private static final int MAC_BUFFER = 8;
    private static final int ETHERNET_ADDRESS_LENGTH = 6;

    private final IpHelper ipHelper;

    SendArp(IpHelper ipHelper) {
        this.ipHelper = ipHelper;
    }

    /** SendARP through iphlpapi.dll. */
    public static SendArp overIphlpapi() {
        return new SendArp(new IpHelperJna(WindowsNetworking.layoutOfThisJvm()));
    }

    /**
     * The MAC that answers for {@code target}, asked from {@code source}, or null when nobody answered
     * (ERROR_BAD_NET_NAME). {@code source} null lets Windows choose the interface by its routes to the target; an
     * address must be one of this host's, where SendARP answers ERROR_NOT_FOUND (NO_SUCH_ADDRESS here).
     *
     * @throws OsException for any other code, naming it
     */
    public MacAddress resolve(IpAddress target, IpAddress source) throws OsException {
        byte[] mac = new byte[MAC_BUFFER];
        int[] length = {MAC_BUFFER};
        int code = ipHelper.sendArp(ipAddr(target), source == null ? 0 : ipAddr(source), mac, length);
        String call = "SendARP(" + target + (source == null ? "" : ", from " + source) + ")";
        switch (code) {
            case IpHelper.NO_ERROR:
                if (length[0] != ETHERNET_ADDRESS_LENGTH) {
                    throw new OsException(Reason.IO, 0, call + " answered a " + length[0] + "-byte address, not an Ethernet MAC");
                }
                return MacAddress.of(Arrays.copyOf(mac, ETHERNET_ADDRESS_LENGTH));
            case IpHelper.ERROR_BAD_NET_NAME:
                return null;
            case IpHelper.ERROR_NOT_FOUND:
                throw new OsException(Reason.NO_SUCH_ADDRESS, code, call + ": ERROR_NOT_FOUND (1168): " + source
                        + " is not an address of this host");
            default:
                throw new OsException(Reason.IO, code, call + ": " + WindowsNetworkOs.name(code));
        }
    }

    /**
     * An IPv4 address as SendARP's IPAddr: a DWORD in network byte order, i.e. whose bytes in memory, little-endian on
     * every Windows architecture, are the address's bytes in order: 192.0.2.10 is 0x0A0200C0.
     */
    static int ipAddr(IpAddress address) {
        byte[] bytes = address.bytes();
        if (bytes.length != 4) {
            throw new IllegalArgumentException("SendARP resolves IPv4 addresses only: " + address);
        }
        return (bytes[0] & 0xff) | (bytes[1] & 0xff) << 8 | (bytes[2] & 0xff) << 16 | (bytes[3] & 0xff) << 24;
    }
}
