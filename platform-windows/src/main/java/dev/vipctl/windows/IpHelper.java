package dev.vipctl.windows;

/**
 * The {@code iphlpapi.dll} calls vipctl makes, in bytes: each takes and returns the structures as
 * {@link IpHelperLayout} lays them out and returns the call's Win32 error code (docs/windows.md#the-calls), so that
 * the code above it and its tests need no native library. {@link IpHelperJna} makes the calls.
 */
interface IpHelper {
    /** winerror.h NO_ERROR 0 */
    int NO_ERROR = 0;
    /** winerror.h ERROR_ACCESS_DENIED 5: the caller is not an elevated administrator. */
    int ERROR_ACCESS_DENIED = 5;
    /** winerror.h ERROR_NOT_SUPPORTED 50: no IPv4 stack, or a Windows too old for the call. */
    int ERROR_NOT_SUPPORTED = 50;
    /** winerror.h ERROR_BAD_NET_NAME 67: SendARP had no answer to its ARP requests. */
    int ERROR_BAD_NET_NAME = 67;
    /** winerror.h ERROR_INVALID_PARAMETER 87 */
    int ERROR_INVALID_PARAMETER = 87;
    /** winerror.h ERROR_NO_DATA 232: GetAdaptersAddresses found no adapter. */
    int ERROR_NO_DATA = 232;
    /** winerror.h ERROR_NOT_FOUND 1168 */
    int ERROR_NOT_FOUND = 1168;
    /** winerror.h ERROR_OBJECT_ALREADY_EXISTS 5010 */
    int ERROR_OBJECT_ALREADY_EXISTS = 5010;

    /** What a call that allocates its answer returned: its error code and, on NO_ERROR, the answer's bytes. */
    final class Answer {
        final int errorCode;
        final byte[] bytes;
        /** Where the bytes were in the caller's memory: the pointers inside them point at this address and above. */
        final long baseAddress;

        Answer(int errorCode, byte[] bytes, long baseAddress) {
            this.errorCode = errorCode;
            this.bytes = bytes;
            this.baseAddress = baseAddress;
        }
    }

    /** ConvertInterfaceAliasToLuid: the LUID of the interface with that alias (its friendly name) into {@code luid[0]}. */
    int convertInterfaceAliasToLuid(String alias, long[] luid);

    /**
     * GetAdaptersAddresses(AF_INET, GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER), retried
     * with the size it asks for on ERROR_BUFFER_OVERFLOW: the chain of IP_ADAPTER_ADDRESSES, the first at offset 0.
     */
    Answer adaptersAddresses();

    /** GetUnicastIpAddressTable(AF_INET): the MIB_UNICASTIPADDRESS_TABLE, from NumEntries to the end of its last row. */
    Answer unicastAddressTable();

    /** CreateUnicastIpAddressEntry with this MIB_UNICASTIPADDRESS_ROW. */
    int createUnicastIpAddressEntry(byte[] row);

    /** DeleteUnicastIpAddressEntry with this row; Windows reads only its key (Address, then InterfaceLuid). */
    int deleteUnicastIpAddressEntry(byte[] row);

    /** GetUnicastIpAddressEntry: reads the row's key and fills in the rest of it, in place. */
    int getUnicastIpAddressEntry(byte[] row);

    /**
     * DeleteIpNetEntry2 with this MIB_IPNET_ROW2: deletes the host's neighbour (ARP) cache entry that the row's key
     * (Address, then InterfaceLuid, or InterfaceIndex where the LUID is 0) names.
     */
    int deleteIpNetEntry2(byte[] row);

    /**
     * SendARP(DestIP, SrcIP, pMacAddr, PhyAddrLen): the MAC of {@code destIp}, resolved by Windows' ARP, into
     * {@code mac} (8 bytes), its length into {@code length[0]}. An {@code IPAddr} is a DWORD holding the address in
     * network byte order, the 4 bytes in memory order ({@link SendArp#ipAddr}); {@code srcIp} 0 lets Windows choose
     * the interface. Blocks until an answer or Windows' own timeout.
     */
    int sendArp(int destIp, int srcIp, byte[] mac, int[] length);

    /**
     * GetIpInterfaceEntry: reads a MIB_IPINTERFACE_ROW's key (Family, then InterfaceLuid or InterfaceIndex) and fills
     * in the rest of it, in place.
     */
    int getIpInterfaceEntry(byte[] row);
}
