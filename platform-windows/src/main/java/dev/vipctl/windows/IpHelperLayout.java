package dev.vipctl.windows;

/**
 * Sizes and field offsets, in bytes, of the IP Helper structures vipctl passes to and reads from {@code iphlpapi.dll},
 * one instance per Windows architecture (docs/windows.md#structures). The C declarations are those of the Windows SDK
 * and mingw-w64 ({@code ifdef.h}, {@code ws2def.h}, {@code ws2ipdef.h}, {@code netioapi.h}, {@code iptypes.h}); the offsets follow from
 * them by the compilers' layout rules (docs/windows.md#layout-rules-per-architecture).
 */
final class IpHelperLayout {
    /** 64-bit x86, as compiled by MSVC and x86_64-w64-mingw32-gcc. */
    static final IpHelperLayout X64 = sixtyFourBit("x64");

    /**
     * 64-bit ARM: x64's layout. The SDK declares these structures without any architecture condition, and ARM64 has the
     * same type sizes (LLP64) and the same rule, a member aligned to its own size up to 8 (default packing /Zp8), so
     * no member moves (docs/windows.md#layout-rules-per-architecture).
     */
    static final IpHelperLayout ARM64 = sixtyFourBit("arm64");

    /** The numbers of both 64-bit architectures. Each group lists one structure's numbers in the order of its fields below. */
    private static IpHelperLayout sixtyFourBit(String architecture) {
        return new IpHelperLayout(architecture,
                new int[] {8, 8},                                     // NET_LUID: size, alignment
                new int[] {16, 0, 2, 4, 8},                           // SOCKADDR_IN
                new int[] {28, 0, 2, 4, 8, 24},                       // SOCKADDR_IN6
                new int[] {28, 4, 0},                                 // SOCKADDR_INET
                new int[] {80, 8, 0, 32, 40, 44, 48, 52, 56, 60, 61, 64, 68, 72}, // MIB_UNICASTIPADDRESS_ROW
                new int[] {0, 8},                                     // MIB_UNICASTIPADDRESS_TABLE
                8,                                                    // a pointer
                new int[] {448, 0, 4, 8, 16, 72, 80, 88, 92, 100, 104, 224}, // IP_ADAPTER_ADDRESSES_LH
                new int[] {88, 8, 0, 28, 32, 40, 72, 76, 80, 84},    // MIB_IPNET_ROW2
                new int[] {168, 0, 8, 16, 56});                       // MIB_IPINTERFACE_ROW
    }

    /**
     * 32-bit x86, as compiled by MSVC and i686-w64-mingw32-gcc: up to the table, the same numbers as x64, because none
     * of those structures holds a pointer and both compilers align an 8-byte integer (NET_LUID, LARGE_INTEGER) to 8
     * inside a structure on x86 too (default packing /Zp8). A System V i386 compiler would align it to 4 and put
     * InterfaceLuid at 28. IP_ADAPTER_ADDRESSES, full of pointers, is the one structure that differs.
     */
    static final IpHelperLayout X86 = new IpHelperLayout("x86",
            new int[] {8, 8},
            new int[] {16, 0, 2, 4, 8},
            new int[] {28, 0, 2, 4, 8, 24},
            new int[] {28, 4, 0},
            new int[] {80, 8, 0, 32, 40, 44, 48, 52, 56, 60, 61, 64, 68, 72},
            new int[] {0, 8},
            4,
            new int[] {376, 0, 4, 8, 12, 40, 44, 52, 56, 64, 68, 176},
            new int[] {88, 8, 0, 28, 32, 40, 72, 76, 80, 84},
            new int[] {168, 0, 8, 16, 56});

    final String architecture;

    /** NET_LUID: one ULONG64, {@code Value}, at 0 (its bitfield view is docs/windows.md#net_luid). */
    final int luidSize;
    final int luidAlignment;

    /** SOCKADDR_IN, the IPv4 member of SOCKADDR_INET. */
    final int sockaddrInSize;
    final int sinFamily;
    final int sinPort;
    final int sinAddr;
    final int sinZero;

    /** SOCKADDR_IN6, the IPv6 member of SOCKADDR_INET. */
    final int sockaddrIn6Size;
    final int sin6Family;
    final int sin6Port;
    final int sin6Flowinfo;
    final int sin6Addr;
    final int sin6ScopeId;

    /** SOCKADDR_INET: a union of the two, whose {@code si_family} tells which one it holds. */
    final int sockaddrInetSize;
    final int sockaddrInetAlignment;
    final int siFamily;

    /** MIB_UNICASTIPADDRESS_ROW. */
    final int rowSize;
    final int rowAlignment;
    final int rowAddress;
    final int rowInterfaceLuid;
    final int rowInterfaceIndex;
    final int rowPrefixOrigin;
    final int rowSuffixOrigin;
    final int rowValidLifetime;
    final int rowPreferredLifetime;
    final int rowOnLinkPrefixLength;
    final int rowSkipAsSource;
    final int rowDadState;
    final int rowScopeId;
    final int rowCreationTimeStamp;

    /** MIB_UNICASTIPADDRESS_TABLE: NumEntries, then the rows, one every {@link #rowSize} bytes from the first. */
    final int tableNumEntries;
    final int tableFirstRow;

    /** The size of a pointer: 8 on x64 and arm64, 4 on x86. */
    final int pointerSize;

    /**
     * IP_ADAPTER_ADDRESSES_LH (iptypes.h), the fields vipctl reads: its size, then Length, IfIndex, Next, AdapterName
     * (char *), FriendlyName (wchar_t *), PhysicalAddress[8], PhysicalAddressLength, Flags, IfType, OperStatus, Luid.
     */
    final int adapterSize;
    final int adapterLength;
    final int adapterIfIndex;
    final int adapterNext;
    final int adapterName;
    final int adapterFriendlyName;
    final int adapterPhysicalAddress;
    final int adapterPhysicalAddressLength;
    final int adapterFlags;
    final int adapterIfType;
    final int adapterOperStatus;
    final int adapterLuid;

    /**
     * MIB_IPNET_ROW2 (netioapi.h), one entry of the neighbour (ARP) cache: its size and alignment, then Address,
     * InterfaceIndex, InterfaceLuid, PhysicalAddress[32], PhysicalAddressLength, State, Flags, ReachabilityTime.
     */
    final int neighbourRowSize;
    final int neighbourRowAlignment;
    final int neighbourAddress;
    final int neighbourInterfaceIndex;
    final int neighbourInterfaceLuid;
    final int neighbourPhysicalAddress;
    final int neighbourPhysicalAddressLength;
    final int neighbourState;
    final int neighbourFlags;
    final int neighbourReachabilityTime;

    /**
     * MIB_IPINTERFACE_ROW (netioapi.h), the fields vipctl reads: its size, then Family (ADDRESS_FAMILY, u16),
     * InterfaceLuid, InterfaceIndex, DadTransmits (ULONG). No pointer in it, so the same on every architecture.
     */
    final int interfaceRowSize;
    final int interfaceRowFamily;
    final int interfaceRowLuid;
    final int interfaceRowIndex;
    final int interfaceRowDadTransmits;

    private IpHelperLayout(String architecture, int[] luid, int[] sockaddrIn, int[] sockaddrIn6, int[] sockaddrInet,
            int[] row, int[] table, int pointerSize, int[] adapter, int[] neighbourRow, int[] interfaceRow) {
        this.architecture = architecture;
        luidSize = luid[0];
        luidAlignment = luid[1];
        sockaddrInSize = sockaddrIn[0];
        sinFamily = sockaddrIn[1];
        sinPort = sockaddrIn[2];
        sinAddr = sockaddrIn[3];
        sinZero = sockaddrIn[4];
        sockaddrIn6Size = sockaddrIn6[0];
        sin6Family = sockaddrIn6[1];
        sin6Port = sockaddrIn6[2];
        sin6Flowinfo = sockaddrIn6[3];
        sin6Addr = sockaddrIn6[4];
        sin6ScopeId = sockaddrIn6[5];
        sockaddrInetSize = sockaddrInet[0];
        sockaddrInetAlignment = sockaddrInet[1];
        siFamily = sockaddrInet[2];
        rowSize = row[0];
        rowAlignment = row[1];
        rowAddress = row[2];
        rowInterfaceLuid = row[3];
        rowInterfaceIndex = row[4];
        rowPrefixOrigin = row[5];
        rowSuffixOrigin = row[6];
        rowValidLifetime = row[7];
        rowPreferredLifetime = row[8];
        rowOnLinkPrefixLength = row[9];
        rowSkipAsSource = row[10];
        rowDadState = row[11];
        rowScopeId = row[12];
        rowCreationTimeStamp = row[13];
        tableNumEntries = table[0];
        tableFirstRow = table[1];
        this.pointerSize = pointerSize;
        adapterSize = adapter[0];
        adapterLength = adapter[1];
        adapterIfIndex = adapter[2];
        adapterNext = adapter[3];
        adapterName = adapter[4];
        adapterFriendlyName = adapter[5];
        adapterPhysicalAddress = adapter[6];
        adapterPhysicalAddressLength = adapter[7];
        adapterFlags = adapter[8];
        adapterIfType = adapter[9];
        adapterOperStatus = adapter[10];
        adapterLuid = adapter[11];
        neighbourRowSize = neighbourRow[0];
        neighbourRowAlignment = neighbourRow[1];
        neighbourAddress = neighbourRow[2];
        neighbourInterfaceIndex = neighbourRow[3];
        neighbourInterfaceLuid = neighbourRow[4];
        neighbourPhysicalAddress = neighbourRow[5];
        neighbourPhysicalAddressLength = neighbourRow[6];
        neighbourState = neighbourRow[7];
        neighbourFlags = neighbourRow[8];
        neighbourReachabilityTime = neighbourRow[9];
        interfaceRowSize = interfaceRow[0];
        interfaceRowFamily = interfaceRow[1];
        interfaceRowLuid = interfaceRow[2];
        interfaceRowIndex = interfaceRow[3];
        interfaceRowDadTransmits = interfaceRow[4];
    }

    @Override
    public String toString() {
        return architecture;
    }
}
