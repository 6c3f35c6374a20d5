package dev.vipctl.windows;

import dev.vipctl.windows.UnicastAddressRowCodec.DadState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * IpHelperLayout's numbers and the header constants of the main code, checked against the Windows SDK's declarations
 * as mingw-w64 ships them (docs/windows.md#how-the-numbers-are-checked): each becomes a {@code _Static_assert} in a C
 * file that includes the headers, and the mingw-w64 cross compilers for x86_64 and i686 must accept it. The values
 * are read from the Java classes, never written out here. Debian has no mingw-w64 for ARM64, so ARM64 is not compiled.
 */
class IpHelperLayoutHeadersTest {
    /** The headers in the order they need: winsock2.h before anything that includes windows.h (it includes it itself). */
    private static final List<String> HEADERS = List.of("winsock2.h", "ws2ipdef.h", "iphlpapi.h", "netioapi.h", "stddef.h");

    /**
     * Windows 10's declarations. The version matters to one number: declared for Vista before SP1 (NTDDI_VERSION below
     * 0x06000100), IP_ADAPTER_ADDRESSES_LH ends before FirstDnsSuffix, 440 bytes on x64 and 368 on x86, not 448 and 376.
     */
    private static final String WIN32_WINNT = "0x0A00";

    /** Every number IpHelperLayout holds: the C expression it must equal and the IpHelperLayout field it is in. */
    private static final List<LayoutNumber> LAYOUT = List.of(
            sizeOf("NET_LUID", "luidSize"),
            alignmentOf("NET_LUID", "luidAlignment"),
            sizeOf("SOCKADDR_IN", "sockaddrInSize"),
            offsetOf("SOCKADDR_IN", "sin_family", "sinFamily"),
            offsetOf("SOCKADDR_IN", "sin_port", "sinPort"),
            offsetOf("SOCKADDR_IN", "sin_addr", "sinAddr"),
            offsetOf("SOCKADDR_IN", "sin_zero", "sinZero"),
            sizeOf("SOCKADDR_IN6", "sockaddrIn6Size"),
            offsetOf("SOCKADDR_IN6", "sin6_family", "sin6Family"),
            offsetOf("SOCKADDR_IN6", "sin6_port", "sin6Port"),
            offsetOf("SOCKADDR_IN6", "sin6_flowinfo", "sin6Flowinfo"),
            offsetOf("SOCKADDR_IN6", "sin6_addr", "sin6Addr"),
            offsetOf("SOCKADDR_IN6", "sin6_scope_id", "sin6ScopeId"),
            sizeOf("SOCKADDR_INET", "sockaddrInetSize"),
            alignmentOf("SOCKADDR_INET", "sockaddrInetAlignment"),
            offsetOf("SOCKADDR_INET", "si_family", "siFamily"),
            sizeOf("MIB_UNICASTIPADDRESS_ROW", "rowSize"),
            alignmentOf("MIB_UNICASTIPADDRESS_ROW", "rowAlignment"),
            offsetOf("MIB_UNICASTIPADDRESS_ROW", "Address", "rowAddress"),
            offsetOf("MIB_UNICASTIPADDRESS_ROW", "InterfaceLuid", "rowInterfaceLuid"),
            offsetOf("MIB_UNICASTIPADDRESS_ROW", "InterfaceIndex", "rowInterfaceIndex"),
            offsetOf("MIB_UNICASTIPADDRESS_ROW", "PrefixOrigin", "rowPrefixOrigin"),
            offsetOf("MIB_UNICASTIPADDRESS_ROW", "SuffixOrigin", "rowSuffixOrigin"),
            offsetOf("MIB_UNICASTIPADDRESS_ROW", "ValidLifetime", "rowValidLifetime"),
            offsetOf("MIB_UNICASTIPADDRESS_ROW", "PreferredLifetime", "rowPreferredLifetime"),
            offsetOf("MIB_UNICASTIPADDRESS_ROW", "OnLinkPrefixLength", "rowOnLinkPrefixLength"),
            offsetOf("MIB_UNICASTIPADDRESS_ROW", "SkipAsSource", "rowSkipAsSource"),
            offsetOf("MIB_UNICASTIPADDRESS_ROW", "DadState", "rowDadState"),
            offsetOf("MIB_UNICASTIPADDRESS_ROW", "ScopeId", "rowScopeId"),
            offsetOf("MIB_UNICASTIPADDRESS_ROW", "CreationTimeStamp", "rowCreationTimeStamp"),
            offsetOf("MIB_UNICASTIPADDRESS_TABLE", "NumEntries", "tableNumEntries"),
            offsetOf("MIB_UNICASTIPADDRESS_TABLE", "Table", "tableFirstRow"),
            sizeOf("void *", "pointerSize"),
            sizeOf("IP_ADAPTER_ADDRESSES_LH", "adapterSize"),
            offsetOf("IP_ADAPTER_ADDRESSES_LH", "Length", "adapterLength"),
            offsetOf("IP_ADAPTER_ADDRESSES_LH", "IfIndex", "adapterIfIndex"),
            offsetOf("IP_ADAPTER_ADDRESSES_LH", "Next", "adapterNext"),
            offsetOf("IP_ADAPTER_ADDRESSES_LH", "AdapterName", "adapterName"),
            offsetOf("IP_ADAPTER_ADDRESSES_LH", "FriendlyName", "adapterFriendlyName"),
            offsetOf("IP_ADAPTER_ADDRESSES_LH", "PhysicalAddress", "adapterPhysicalAddress"),
            offsetOf("IP_ADAPTER_ADDRESSES_LH", "PhysicalAddressLength", "adapterPhysicalAddressLength"),
            offsetOf("IP_ADAPTER_ADDRESSES_LH", "Flags", "adapterFlags"),
            offsetOf("IP_ADAPTER_ADDRESSES_LH", "IfType", "adapterIfType"),
            offsetOf("IP_ADAPTER_ADDRESSES_LH", "OperStatus", "adapterOperStatus"),
            offsetOf("IP_ADAPTER_ADDRESSES_LH", "Luid", "adapterLuid"),
            sizeOf("MIB_IPNET_ROW2", "neighbourRowSize"),
            alignmentOf("MIB_IPNET_ROW2", "neighbourRowAlignment"),
            offsetOf("MIB_IPNET_ROW2", "Address", "neighbourAddress"),
            offsetOf("MIB_IPNET_ROW2", "InterfaceIndex", "neighbourInterfaceIndex"),
            offsetOf("MIB_IPNET_ROW2", "InterfaceLuid", "neighbourInterfaceLuid"),
            offsetOf("MIB_IPNET_ROW2", "PhysicalAddress", "neighbourPhysicalAddress"),
            offsetOf("MIB_IPNET_ROW2", "PhysicalAddressLength", "neighbourPhysicalAddressLength"),
            offsetOf("MIB_IPNET_ROW2", "State", "neighbourState"),
            offsetOf("MIB_IPNET_ROW2", "Flags", "neighbourFlags"),
            offsetOf("MIB_IPNET_ROW2", "ReachabilityTime", "neighbourReachabilityTime"),
            offsetOf("MIB_IPINTERFACE_ROW", "Family", "interfaceRowFamily"),
            offsetOf("MIB_IPINTERFACE_ROW", "InterfaceLuid", "interfaceRowLuid"),
            offsetOf("MIB_IPINTERFACE_ROW", "InterfaceIndex", "interfaceRowIndex"),
            offsetOf("MIB_IPINTERFACE_ROW", "DadTransmits", "interfaceRowDadTransmits"),
            // mingw-w64's NL_INTERFACE_OFFLOAD_ROD has nine one-bit fields where Windows' has eight (two bytes, not one),
            // which makes its row 176 bytes. Windows' size: the two one-byte offload structures and a BOOLEAN from
            // TransmitOffload on, rounded up to the row's alignment of 8.
            new LayoutNumber("(offsetof(MIB_IPINTERFACE_ROW, TransmitOffload) + 2 * 1 + 1 + 7) / 8 * 8", "interfaceRowSize"));

    /** Every constant of the main code that names a header: the C expression it must equal and the Java field. */
    private static final List<Constant> CONSTANTS = List.of(
            constant("NO_ERROR", IpHelper.class, "NO_ERROR"),
            constant("ERROR_ACCESS_DENIED", IpHelper.class, "ERROR_ACCESS_DENIED"),
            constant("ERROR_NOT_SUPPORTED", IpHelper.class, "ERROR_NOT_SUPPORTED"),
            constant("ERROR_INVALID_PARAMETER", IpHelper.class, "ERROR_INVALID_PARAMETER"),
            constant("ERROR_NO_DATA", IpHelper.class, "ERROR_NO_DATA"),
            constant("ERROR_NOT_FOUND", IpHelper.class, "ERROR_NOT_FOUND"),
            constant("ERROR_OBJECT_ALREADY_EXISTS", IpHelper.class, "ERROR_OBJECT_ALREADY_EXISTS"),
            constant("ERROR_BUFFER_OVERFLOW", IpHelperJna.class, "ERROR_BUFFER_OVERFLOW"),
            constant("ERROR_BAD_NET_NAME", IpHelper.class, "ERROR_BAD_NET_NAME"),
            constant("ERROR_INSUFFICIENT_BUFFER", WellKnownAccounts.class, "ERROR_INSUFFICIENT_BUFFER"),
            constant("SID_REVISION", WellKnownAccounts.class, "SID_REVISION"),
            constant("SECURITY_BUILTIN_DOMAIN_RID", WellKnownAccounts.class, "SECURITY_BUILTIN_DOMAIN_RID"),
            constant("DOMAIN_ALIAS_RID_ADMINS", WellKnownAccounts.class, "DOMAIN_ALIAS_RID_ADMINS"),
            constant("SECURITY_LOCAL_SYSTEM_RID", WellKnownAccounts.class, "SECURITY_LOCAL_SYSTEM_RID"),
            constant("IP_ADAPTER_DHCP_ENABLED", WindowsDiagnostics.class, "IP_ADAPTER_DHCP_ENABLED"),
            constant("MAX_PATH", Npcap.class, "MAX_PATH"),
            constant("GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER", IpHelperJna.class,
                    "SKIP_ANYCAST_MULTICAST_DNS"),
            constant("AF_INET", UnicastAddressRowCodec.class, "AF_INET"),
            constant("AF_INET6", UnicastAddressRowCodec.class, "AF_INET6"),
            constant("IpPrefixOriginManual", UnicastAddressRowCodec.class, "IP_PREFIX_ORIGIN_MANUAL"),
            constant("IpSuffixOriginManual", UnicastAddressRowCodec.class, "IP_SUFFIX_ORIGIN_MANUAL"),
            dadState("IpDadStateInvalid", DadState.INVALID),
            dadState("IpDadStateTentative", DadState.TENTATIVE),
            dadState("IpDadStateDuplicate", DadState.DUPLICATE),
            dadState("IpDadStateDeprecated", DadState.DEPRECATED),
            dadState("IpDadStatePreferred", DadState.PREFERRED),
            constant("MAX_ADAPTER_ADDRESS_LENGTH", AdaptersCodec.class, "MAX_ADAPTER_ADDRESS_LENGTH"),
            constant("sizeof(((IP_ADAPTER_ADDRESSES_LH *) 0)->PhysicalAddress)", AdaptersCodec.class,
                    "MAX_ADAPTER_ADDRESS_LENGTH"),
            constant("IF_TYPE_ETHERNET_CSMACD", WindowsNetworkOs.class, "IF_TYPE_ETHERNET_CSMACD"),
            constant("IF_TYPE_SOFTWARE_LOOPBACK", WindowsNetworkOs.class, "IF_TYPE_SOFTWARE_LOOPBACK"),
            constant("IfOperStatusUp", WindowsNetworkOs.class, "IF_OPER_STATUS_UP"),
            constant("TOKEN_QUERY", WindowsPrivileges.class, "TOKEN_QUERY"),
            constant("TokenElevation", WindowsPrivileges.class, "TOKEN_ELEVATION"),
            constant("sizeof(TOKEN_ELEVATION)", WindowsPrivileges.class, "TOKEN_ELEVATION_SIZE"));

    /**
     * The main code's numeric constants that no header defines, each with where it comes from instead; every other
     * one must be in {@link #CONSTANTS}.
     */
    private static final Set<String> NOT_FROM_A_HEADER = Set.of(
            "UnicastAddressRowCodec.INFINITE_LIFETIME",   // MIB_UNICASTIPADDRESS_ROW's page; netioapi.h has no name for it
            "IpHelperJna.FIRST_ADAPTERS_BUFFER",           // GetAdaptersAddresses' page, its example's buffer
            "IpHelperJna.ADAPTERS_TRIES",                  // the same example's number of calls
            "WindowsNetworkOs.DAD_POLL_MILLIS",            // vipctl's own timing
            "WindowsNetworkOs.DAD_POLLS",
            "SendArp.MAC_BUFFER",                          // SendARP's page: its example's buffer, two ULONGs
            "SendArp.ETHERNET_ADDRESS_LENGTH",
            "WellKnownAccounts.SECURITY_NT_AUTHORITY");    // winnt.h defines it as an initializer, {0,0,0,0,0,5}            // the length of an Ethernet MAC, not a header's name

    @Test
    void x64LayoutAndConstantsAreTheHeadersOnes(@TempDir Path directory) throws Exception {
        compile("x86_64-w64-mingw32-gcc", "gcc-mingw-w64-x86-64-win32", IpHelperLayout.X64, directory);
    }

    @Test
    void x86LayoutAndConstantsAreTheHeadersOnes(@TempDir Path directory) throws Exception {
        compile("i686-w64-mingw32-gcc", "gcc-mingw-w64-i686-win32", IpHelperLayout.X86, directory);
    }

    /** A number added to IpHelperLayout must get its line in {@link #LAYOUT}, or it would go unchecked. */
    @Test
    void everyNumberOfTheLayoutIsChecked() {
        Set<String> fields = Stream.of(IpHelperLayout.class.getDeclaredFields())
                .filter(field -> !Modifier.isStatic(field.getModifiers()) && field.getType() == int.class)
                .map(Field::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        fields.removeAll(LAYOUT.stream().map(number -> number.field).collect(Collectors.toSet()));
        assertEquals(Set.of(), fields, "IpHelperLayout fields without a C expression in LAYOUT");
    }

    /** A header constant added to the main code must get its line in {@link #CONSTANTS}, or it would go unchecked. */
    @Test
    void everyConstantOfTheMainCodeIsChecked() throws Exception {
        Set<String> unchecked = new TreeSet<>();
        for (Class<?> type : mainClasses()) {
            for (Field field : type.getDeclaredFields()) {
                int modifiers = field.getModifiers();
                if (Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers) && !field.isSynthetic()
                        && (field.getType() == int.class || field.getType() == long.class)) {
                    unchecked.add(type.getSimpleName() + "." + field.getName());
                }
            }
        }
        unchecked.removeAll(CONSTANTS.stream().map(constant -> constant.java).collect(Collectors.toSet()));
        unchecked.removeAll(NOT_FROM_A_HEADER);
        assertEquals(Set.of(), unchecked, "constants in neither CONSTANTS nor NOT_FROM_A_HEADER");
    }

    private static void compile(String compiler, String debianPackage, IpHelperLayout layout, Path directory)
            throws Exception {
        String version = version(compiler);
        assumeTrue(version != null, "skipped: " + compiler + " is not installed (Debian package " + debianPackage
                + "; .ci/run installs it)");
        Path source = directory.resolve("iphelper_" + layout.architecture + ".c");
        Files.write(source, cSource(layout).getBytes(StandardCharsets.UTF_8));
        Process process = new ProcessBuilder(compiler, "-std=c11", "-fsyntax-only", "-D_WIN32_WINNT=" + WIN32_WINNT,
                source.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), version + " rejects IpHelperLayout." + layout.architecture.toUpperCase(Locale.ROOT)
                + " or a constant:\n" + output);
    }

    /** The compiler's first line of {@code --version}, or null if there is no such program. */
    private static String version(String compiler) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(compiler, "--version").redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            return null;
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return output.lines().findFirst().orElse(compiler);
    }

    /** The C file: the headers, then one {@code _Static_assert} per number, whose message names the Java field. */
    static String cSource(IpHelperLayout layout) throws ReflectiveOperationException {
        StringBuilder c = new StringBuilder();
        for (String header : HEADERS) {
            c.append("#include <").append(header).append(">\n");
        }
        for (LayoutNumber number : LAYOUT) {
            Field field = IpHelperLayout.class.getDeclaredField(number.field);
            staticAssert(c, number.c, field.getInt(layout), "IpHelperLayout." + number.field + " (" + layout + ")");
        }
        for (Constant constant : CONSTANTS) {
            staticAssert(c, constant.c, constant.value, constant.java);
        }
        for (String function : IpHelperJna.FUNCTIONS) {
            // Each name IpHelperJna asks the DLL for is a function the headers declare (an undeclared one is an error),
            // and __stdcall: redeclared so, a cdecl function conflicts on i686; x64 has one convention and ignores it.
            c.append("__typeof__(").append(function).append(") __stdcall ").append(function).append(";\n");
        }
        return c.toString();
    }

    private static void staticAssert(StringBuilder c, String expression, long value, String java) {
        c.append("_Static_assert((").append(expression).append(") == ").append(value).append(", \"")
                .append(java).append(" is ").append(value).append(": ").append(expression).append(" differs\");\n");
    }

    /** The classes of the package's main code, found as files beside IpHelperLayout's and loaded without running them. */
    private static List<Class<?>> mainClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Paths.get(IpHelperLayout.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path packageDirectory = classes.resolve(IpHelperLayout.class.getPackageName().replace('.', '/'));
        List<Path> files;
        try (Stream<Path> listing = Files.list(packageDirectory)) {
            files = listing.filter(file -> file.toString().endsWith(".class")).collect(Collectors.toList());
        }
        List<Class<?>> types = new ArrayList<>();
        for (Path file : files) {
            String name = file.getFileName().toString().replace(".class", "");
            types.add(Class.forName(IpHelperLayout.class.getPackageName() + "." + name, false,
                    IpHelperLayout.class.getClassLoader()));
        }
        return types;
    }

    /** One number of IpHelperLayout: the C expression and the name of the field that holds it. */
    private static final class LayoutNumber {
        final String c;
        final String field;

        LayoutNumber(String c, String field) {
            this.c = c;
            this.field = field;
        }
    }

    private static LayoutNumber sizeOf(String type, String field) {
        return new LayoutNumber("sizeof(" + type + ")", field);
    }

    private static LayoutNumber alignmentOf(String type, String field) {
        return new LayoutNumber("_Alignof(" + type + ")", field);
    }

    private static LayoutNumber offsetOf(String type, String member, String field) {
        return new LayoutNumber("offsetof(" + type + ", " + member + ")", field);
    }

    /** One constant: the C expression, the Java field as Class.FIELD, and its value read from that field. */
    private static final class Constant {
        final String c;
        final String java;
        final long value;

        Constant(String c, String java, long value) {
            this.c = c;
            this.java = java;
            this.value = value;
        }
    }

    private static Constant constant(String c, Class<?> owner, String fieldName) {
        try {
            Field field = owner.getDeclaredField(fieldName);
            field.setAccessible(true);
            return new Constant(c, owner.getSimpleName() + "." + fieldName, field.getLong(null));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no constant " + owner.getSimpleName() + "." + fieldName, e);
        }
    }

    private static Constant dadState(String c, DadState state) {
        return new Constant(c, "DadState." + state.name(), state.value);
    }
}
