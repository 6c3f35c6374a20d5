package dev.vipctl.windows;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every size and offset of every architecture's layout against the table in docs/windows.md#structures, which was
 * compiled from the mingw-w64 headers for x86_64 and i686 and matches the offsets WireGuard asserts on Windows; and
 * against the C declarations laid out here by the Windows compilers' rule (docs/windows.md#layout-rules-per-architecture).
 */
class IpHelperLayoutTest {
    private static final List<IpHelperLayout> ALL = List.of(IpHelperLayout.X64, IpHelperLayout.X86, IpHelperLayout.ARM64);

    /** docs/windows.md#structures, written out as "STRUCT.field" = bytes; the same on x64, x86 and arm64. */
    private static final Map<String, Integer> DOCUMENTED = new LinkedHashMap<>();

    static {
        DOCUMENTED.put("NET_LUID size", 8);
        DOCUMENTED.put("NET_LUID alignment", 8);
        DOCUMENTED.put("SOCKADDR_IN size", 16);
        DOCUMENTED.put("SOCKADDR_IN.sin_family", 0);
        DOCUMENTED.put("SOCKADDR_IN.sin_port", 2);
        DOCUMENTED.put("SOCKADDR_IN.sin_addr", 4);
        DOCUMENTED.put("SOCKADDR_IN.sin_zero", 8);
        DOCUMENTED.put("SOCKADDR_IN6 size", 28);
        DOCUMENTED.put("SOCKADDR_IN6.sin6_family", 0);
        DOCUMENTED.put("SOCKADDR_IN6.sin6_port", 2);
        DOCUMENTED.put("SOCKADDR_IN6.sin6_flowinfo", 4);
        DOCUMENTED.put("SOCKADDR_IN6.sin6_addr", 8);
        DOCUMENTED.put("SOCKADDR_IN6.sin6_scope_id", 24);
        DOCUMENTED.put("SOCKADDR_INET size", 28);
        DOCUMENTED.put("SOCKADDR_INET alignment", 4);
        DOCUMENTED.put("SOCKADDR_INET.si_family", 0);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW size", 80);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW alignment", 8);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW.Address", 0);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW.InterfaceLuid", 32);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW.InterfaceIndex", 40);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW.PrefixOrigin", 44);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW.SuffixOrigin", 48);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW.ValidLifetime", 52);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW.PreferredLifetime", 56);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW.OnLinkPrefixLength", 60);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW.SkipAsSource", 61);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW.DadState", 64);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW.ScopeId", 68);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_ROW.CreationTimeStamp", 72);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_TABLE.NumEntries", 0);
        DOCUMENTED.put("MIB_UNICASTIPADDRESS_TABLE.Table", 8);
        DOCUMENTED.put("MIB_IPNET_ROW2 size", 88);
        DOCUMENTED.put("MIB_IPNET_ROW2 alignment", 8);
        DOCUMENTED.put("MIB_IPNET_ROW2.Address", 0);
        DOCUMENTED.put("MIB_IPNET_ROW2.InterfaceIndex", 28);
        DOCUMENTED.put("MIB_IPNET_ROW2.InterfaceLuid", 32);
        DOCUMENTED.put("MIB_IPNET_ROW2.PhysicalAddress", 40);
        DOCUMENTED.put("MIB_IPNET_ROW2.PhysicalAddressLength", 72);
        DOCUMENTED.put("MIB_IPNET_ROW2.State", 76);
        DOCUMENTED.put("MIB_IPNET_ROW2.Flags", 80);
        DOCUMENTED.put("MIB_IPNET_ROW2.ReachabilityTime", 84);
        DOCUMENTED.put("MIB_IPINTERFACE_ROW size", 168);
        DOCUMENTED.put("MIB_IPINTERFACE_ROW.Family", 0);
        DOCUMENTED.put("MIB_IPINTERFACE_ROW.InterfaceLuid", 8);
        DOCUMENTED.put("MIB_IPINTERFACE_ROW.InterfaceIndex", 16);
        DOCUMENTED.put("MIB_IPINTERFACE_ROW.DadTransmits", 56);
    }

    /**
     * MIB_IPINTERFACE_ROW as netioapi.h declares it, every member with its size and alignment: ADDRESS_FAMILY (USHORT),
     * NET_LUID, NET_IFINDEX, ULONG, ULONG64, two ULONGs, nine BOOLEANs, NL_ROUTER_DISCOVERY_BEHAVIOR (enum), four
     * ULONGs, NL_LINK_LOCAL_ADDRESS_BEHAVIOR (enum), ULONG, ZoneIndices[ScopeLevelCount 16] of ULONG, three ULONGs,
     * four BOOLEANs, ULONG, two NL_INTERFACE_OFFLOAD_RODs and a BOOLEAN.
     */
    private static Map<String, Integer> interfaceRowByRule(int packing, int offloadRodSize) {
        String[] names = {"Family", "InterfaceLuid", "InterfaceIndex", "MaxReassemblySize", "InterfaceIdentifier",
            "MinRouterAdvertisementInterval", "MaxRouterAdvertisementInterval", "AdvertisingEnabled", "ForwardingEnabled",
            "WeakHostSend", "WeakHostReceive", "UseAutomaticMetric", "UseNeighborUnreachabilityDetection",
            "ManagedAddressConfigurationSupported", "OtherStatefulConfigurationSupported", "AdvertiseDefaultRoute",
            "RouterDiscoveryBehavior", "DadTransmits", "BaseReachableTime", "RetransmitTime", "PathMtuDiscoveryTimeout",
            "LinkLocalAddressBehavior", "LinkLocalAddressTimeout", "ZoneIndices", "SitePrefixLength", "Metric", "NlMtu",
            "Connected", "SupportsWakeUpPatterns", "SupportsNeighborDiscovery", "SupportsRouterDiscovery", "ReachableTime",
            "TransmitOffload", "ReceiveOffload", "DisableDefaultRoutes"};
        int[] sizes = {2, 8, 4, 4, 8, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4, 4, 4, 4, 4, 4, 4, 64, 4, 4, 4, 1, 1, 1, 1, 4,
            offloadRodSize, offloadRodSize, 1};
        Map<String, Integer> numbers = new LinkedHashMap<>();
        int offset = 0;
        int structAlignment = 1;
        for (int i = 0; i < names.length; i++) {
            // An array aligns as its element, a struct of UCHAR bitfields as a UCHAR, anything else as its size.
            int natural = names[i].equals("ZoneIndices") ? 4 : names[i].endsWith("Offload") ? 1 : sizes[i];
            int alignment = Math.min(natural, packing);
            offset = roundUp(offset, alignment);
            numbers.put("MIB_IPINTERFACE_ROW." + names[i], offset);
            offset += sizes[i];
            structAlignment = Math.max(structAlignment, alignment);
        }
        numbers.put("MIB_IPINTERFACE_ROW size", roundUp(offset, structAlignment));
        return numbers;
    }

    /**
     * The interface row by the layout rule gives the documented numbers on every architecture, and WireGuard's, which
     * it asserts on Windows (types_test.go: DadTransmits 56, DisableDefaultRoutes 166, size 168).
     */
    @Test
    void theInterfaceRowIsWhatTheWindowsLayoutRuleMakesOfItsDeclaration() {
        for (IpHelperLayout layout : ALL) {
            Map<String, Integer> byRule = interfaceRowByRule(layout == IpHelperLayout.X64 ? 16 : 8, 1);
            assertEquals(layout.interfaceRowSize, byRule.get("MIB_IPINTERFACE_ROW size"), layout.architecture);
            assertEquals(layout.interfaceRowFamily, byRule.get("MIB_IPINTERFACE_ROW.Family"), layout.architecture);
            assertEquals(layout.interfaceRowLuid, byRule.get("MIB_IPINTERFACE_ROW.InterfaceLuid"), layout.architecture);
            assertEquals(layout.interfaceRowIndex, byRule.get("MIB_IPINTERFACE_ROW.InterfaceIndex"), layout.architecture);
            assertEquals(layout.interfaceRowDadTransmits, byRule.get("MIB_IPINTERFACE_ROW.DadTransmits"), layout.architecture);
            assertEquals(166, byRule.get("MIB_IPINTERFACE_ROW.DisableDefaultRoutes"), layout.architecture);
        }
    }

    /**
     * mingw-w64's nldef.h declares NL_INTERFACE_OFFLOAD_ROD with nine one-bit BOOLEANs (Microsoft's with eight): two
     * bytes, which would make mingw's row 176 bytes. The fields vipctl reads do not move, and vipctl passes Windows'
     * own 168 (docs/windows.md#mib_ipinterface_row).
     */
    @Test
    void mingwsTwoByteOffloadStructMovesOnlyTheTail() {
        Map<String, Integer> mingw = interfaceRowByRule(16, 2);
        assertEquals(176, mingw.get("MIB_IPINTERFACE_ROW size"));
        assertEquals(56, mingw.get("MIB_IPINTERFACE_ROW.DadTransmits"));
        assertEquals(8, mingw.get("MIB_IPINTERFACE_ROW.InterfaceLuid"));
    }

    @Test
    void everyArchitectureMatchesTheDocumentedTable() {
        for (IpHelperLayout layout : ALL) {
            assertEquals(DOCUMENTED, numbers(layout), layout.architecture);
        }
    }

    /**
     * MIB_UNICASTIPADDRESS_ROW as netioapi.h declares it, laid out member by member: each member at the next multiple
     * of min(its alignment, the default packing), the structure's size a multiple of its largest alignment. x86 and
     * arm64 pack by 8 by default, x64 by 16; no member here is larger than 8, so all three give the same offsets.
     */
    @Test
    void theRowIsWhatTheWindowsLayoutRuleMakesOfItsDeclaration() {
        for (IpHelperLayout layout : ALL) {
            int packing = layout == IpHelperLayout.X64 ? 16 : 8;
            assertEquals(rowByRule(packing, 8), rowNumbers(layout), layout.architecture);
        }
    }

    /**
     * MIB_IPNET_ROW2 as netioapi.h declares it, by the same rule: SOCKADDR_INET (28, align 4), NET_IFINDEX, NET_LUID,
     * UCHAR PhysicalAddress[32], ULONG PhysicalAddressLength, NL_NEIGHBOR_STATE (enum), the union of the IsRouter and
     * IsUnreachable bits with UCHAR Flags (1 byte), the union of two ULONGs ReachabilityTime.
     */
    @Test
    void theNeighbourRowIsWhatTheWindowsLayoutRuleMakesOfItsDeclaration() {
        String[] names = {"Address", "InterfaceIndex", "InterfaceLuid", "PhysicalAddress", "PhysicalAddressLength", "State",
            "Flags", "ReachabilityTime"};
        int[] sizes = {28, 4, 8, 32, 4, 4, 1, 4};
        int[] alignments = {4, 4, 8, 1, 4, 4, 1, 4};
        for (IpHelperLayout layout : ALL) {
            int packing = layout == IpHelperLayout.X64 ? 16 : 8;
            Map<String, Integer> byRule = new LinkedHashMap<>();
            int offset = 0;
            int structAlignment = 1;
            for (int i = 0; i < names.length; i++) {
                int alignment = Math.min(alignments[i], packing);
                offset = roundUp(offset, alignment);
                byRule.put("MIB_IPNET_ROW2." + names[i], offset);
                offset += sizes[i];
                structAlignment = Math.max(structAlignment, alignment);
            }
            byRule.put("MIB_IPNET_ROW2 size", roundUp(offset, structAlignment));
            byRule.put("MIB_IPNET_ROW2 alignment", structAlignment);
            assertEquals(byRule, neighbourRowNumbers(layout), layout.architecture);
        }
    }

    /** The rule with System V i386's alignment of 8-byte integers (4) puts InterfaceLuid at 28: the rule matters. */
    @Test
    void theLayoutRuleSeesTheDifferenceOfAFourByteAlignedLuid() {
        assertEquals(28, rowByRule(8, 4).get("MIB_UNICASTIPADDRESS_ROW.InterfaceLuid"));
    }

    /**
     * Sizes and alignments of the members: SOCKADDR_INET (28, align 4: its largest members are the ULONGs of
     * SOCKADDR_IN6), NET_LUID (ULONG64), NET_IFINDEX, the two origins (enums), the lifetimes (ULONG), UINT8, BOOLEAN
     * (UCHAR), NL_DAD_STATE (enum), SCOPE_ID (a union around a ULONG), LARGE_INTEGER (a union around a LONGLONG).
     */
    private static Map<String, Integer> rowByRule(int packing, int eightByteAlignment) {
        String[] names = {"Address", "InterfaceLuid", "InterfaceIndex", "PrefixOrigin", "SuffixOrigin", "ValidLifetime",
            "PreferredLifetime", "OnLinkPrefixLength", "SkipAsSource", "DadState", "ScopeId", "CreationTimeStamp"};
        int[] sizes = {28, 8, 4, 4, 4, 4, 4, 1, 1, 4, 4, 8};
        int[] alignments = {4, eightByteAlignment, 4, 4, 4, 4, 4, 1, 1, 4, 4, eightByteAlignment};
        Map<String, Integer> numbers = new LinkedHashMap<>();
        int offset = 0;
        int structAlignment = 1;
        for (int i = 0; i < names.length; i++) {
            int alignment = Math.min(alignments[i], packing);
            offset = roundUp(offset, alignment);
            numbers.put("MIB_UNICASTIPADDRESS_ROW." + names[i], offset);
            offset += sizes[i];
            structAlignment = Math.max(structAlignment, alignment);
        }
        numbers.put("MIB_UNICASTIPADDRESS_ROW size", roundUp(offset, structAlignment));
        numbers.put("MIB_UNICASTIPADDRESS_ROW alignment", structAlignment);
        // MIB_UNICASTIPADDRESS_TABLE: ULONG NumEntries, then Table[] aligned as a row.
        numbers.put("MIB_UNICASTIPADDRESS_TABLE.Table", roundUp(4, structAlignment));
        return numbers;
    }

    private static Map<String, Integer> rowNumbers(IpHelperLayout layout) {
        Map<String, Integer> all = numbers(layout);
        Map<String, Integer> row = new LinkedHashMap<>();
        all.forEach((name, value) -> {
            if (name.startsWith("MIB_UNICASTIPADDRESS_ROW.")) {
                row.put(name, value);
            }
        });
        row.put("MIB_UNICASTIPADDRESS_ROW size", layout.rowSize);
        row.put("MIB_UNICASTIPADDRESS_ROW alignment", layout.rowAlignment);
        row.put("MIB_UNICASTIPADDRESS_TABLE.Table", layout.tableFirstRow);
        return row;
    }

    private static int roundUp(int offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    private static Map<String, Integer> numbers(IpHelperLayout layout) {
        Map<String, Integer> numbers = new LinkedHashMap<>();
        numbers.put("NET_LUID size", layout.luidSize);
        numbers.put("NET_LUID alignment", layout.luidAlignment);
        numbers.put("SOCKADDR_IN size", layout.sockaddrInSize);
        numbers.put("SOCKADDR_IN.sin_family", layout.sinFamily);
        numbers.put("SOCKADDR_IN.sin_port", layout.sinPort);
        numbers.put("SOCKADDR_IN.sin_addr", layout.sinAddr);
        numbers.put("SOCKADDR_IN.sin_zero", layout.sinZero);
        numbers.put("SOCKADDR_IN6 size", layout.sockaddrIn6Size);
        numbers.put("SOCKADDR_IN6.sin6_family", layout.sin6Family);
        numbers.put("SOCKADDR_IN6.sin6_port", layout.sin6Port);
        numbers.put("SOCKADDR_IN6.sin6_flowinfo", layout.sin6Flowinfo);
        numbers.put("SOCKADDR_IN6.sin6_addr", layout.sin6Addr);
        numbers.put("SOCKADDR_IN6.sin6_scope_id", layout.sin6ScopeId);
        numbers.put("SOCKADDR_INET size", layout.sockaddrInetSize);
        numbers.put("SOCKADDR_INET alignment", layout.sockaddrInetAlignment);
        numbers.put("SOCKADDR_INET.si_family", layout.siFamily);
        numbers.put("MIB_UNICASTIPADDRESS_ROW size", layout.rowSize);
        numbers.put("MIB_UNICASTIPADDRESS_ROW alignment", layout.rowAlignment);
        numbers.put("MIB_UNICASTIPADDRESS_ROW.Address", layout.rowAddress);
        numbers.put("MIB_UNICASTIPADDRESS_ROW.InterfaceLuid", layout.rowInterfaceLuid);
        numbers.put("MIB_UNICASTIPADDRESS_ROW.InterfaceIndex", layout.rowInterfaceIndex);
        numbers.put("MIB_UNICASTIPADDRESS_ROW.PrefixOrigin", layout.rowPrefixOrigin);
        numbers.put("MIB_UNICASTIPADDRESS_ROW.SuffixOrigin", layout.rowSuffixOrigin);
        numbers.put("MIB_UNICASTIPADDRESS_ROW.ValidLifetime", layout.rowValidLifetime);
        numbers.put("MIB_UNICASTIPADDRESS_ROW.PreferredLifetime", layout.rowPreferredLifetime);
        numbers.put("MIB_UNICASTIPADDRESS_ROW.OnLinkPrefixLength", layout.rowOnLinkPrefixLength);
        numbers.put("MIB_UNICASTIPADDRESS_ROW.SkipAsSource", layout.rowSkipAsSource);
        numbers.put("MIB_UNICASTIPADDRESS_ROW.DadState", layout.rowDadState);
        numbers.put("MIB_UNICASTIPADDRESS_ROW.ScopeId", layout.rowScopeId);
        numbers.put("MIB_UNICASTIPADDRESS_ROW.CreationTimeStamp", layout.rowCreationTimeStamp);
        numbers.put("MIB_UNICASTIPADDRESS_TABLE.NumEntries", layout.tableNumEntries);
        numbers.put("MIB_UNICASTIPADDRESS_TABLE.Table", layout.tableFirstRow);
        numbers.put("MIB_IPINTERFACE_ROW size", layout.interfaceRowSize);
        numbers.put("MIB_IPINTERFACE_ROW.Family", layout.interfaceRowFamily);
        numbers.put("MIB_IPINTERFACE_ROW.InterfaceLuid", layout.interfaceRowLuid);
        numbers.put("MIB_IPINTERFACE_ROW.InterfaceIndex", layout.interfaceRowIndex);
        numbers.put("MIB_IPINTERFACE_ROW.DadTransmits", layout.interfaceRowDadTransmits);
        numbers.putAll(neighbourRowNumbers(layout));
        return numbers;
    }

    private static Map<String, Integer> neighbourRowNumbers(IpHelperLayout layout) {
        Map<String, Integer> numbers = new LinkedHashMap<>();
        numbers.put("MIB_IPNET_ROW2 size", layout.neighbourRowSize);
        numbers.put("MIB_IPNET_ROW2 alignment", layout.neighbourRowAlignment);
        numbers.put("MIB_IPNET_ROW2.Address", layout.neighbourAddress);
        numbers.put("MIB_IPNET_ROW2.InterfaceIndex", layout.neighbourInterfaceIndex);
        numbers.put("MIB_IPNET_ROW2.InterfaceLuid", layout.neighbourInterfaceLuid);
        numbers.put("MIB_IPNET_ROW2.PhysicalAddress", layout.neighbourPhysicalAddress);
        numbers.put("MIB_IPNET_ROW2.PhysicalAddressLength", layout.neighbourPhysicalAddressLength);
        numbers.put("MIB_IPNET_ROW2.State", layout.neighbourState);
        numbers.put("MIB_IPNET_ROW2.Flags", layout.neighbourFlags);
        numbers.put("MIB_IPNET_ROW2.ReachabilityTime", layout.neighbourReachabilityTime);
        return numbers;
    }
}
