package dev.vipctl.windows;

import dev.vipctl.os.NetworkOs;
import dev.vipctl.os.OsException;
import dev.vipctl.os.OsException.Reason;
import dev.vipctl.windows.AdaptersCodec.Adapter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What {@code vipctl doctor} reads on Windows through IP Helper beside the {@link NetworkOs}: an interface's settings
 * that a takeover depends on but never changes (docs/windows.md#doctor). It only reads.
 */
public final class WindowsDiagnostics {
    /** iptypes.h IP_ADAPTER_DHCP_ENABLED 0x4, a bit of IP_ADAPTER_ADDRESSES.Flags. */
    static final int IP_ADAPTER_DHCP_ENABLED = 0x4;

    /** An interface's DHCP and duplicate address detection settings. */
    public static final class InterfaceSettings {
        /** Whether the adapter takes its IPv4 configuration from DHCP. */
        public final boolean dhcpEnabled;
        /**
         * MIB_IPINTERFACE_ROW.DadTransmits for IPv4: how many messages duplicate address detection sends for a new
         * address; 0, none (no duplicate is detected); the default is 3.
         */
        public final long dadTransmits;

        InterfaceSettings(boolean dhcpEnabled, long dadTransmits) {
            this.dhcpEnabled = dhcpEnabled;
            this.dadTransmits = dadTransmits;
        }
    }

    private final IpHelper ipHelper;
    private final IpHelperLayout layout;
    /** The interfaces as vipctl up sees them; it holds no handle, so one serves every question. */
    private final WindowsNetworkOs os;

    WindowsDiagnostics(IpHelper ipHelper, IpHelperLayout layout) {
        this.ipHelper = ipHelper;
        this.layout = layout;
        this.os = new WindowsNetworkOs(ipHelper, layout, Thread::sleep);
    }

    /** Over iphlpapi.dll, with the layout of this JVM's architecture. */
    public static WindowsDiagnostics forThisJvm() {
        IpHelperLayout layout = WindowsNetworking.layoutOfThisJvm();
        return new WindowsDiagnostics(new IpHelperJna(layout), layout);
    }

    /** The interfaces and their addresses, as vipctl up sees them. */
    public NetworkOs networkOs() {
        return os;
    }

    /** The DHCP flag from GetAdaptersAddresses and DadTransmits from GetIpInterfaceEntry, for the interface's IPv4. */
    public InterfaceSettings settings(String alias) throws OsException {
        Adapter adapter = os.adapter(alias);
        byte[] row = new byte[layout.interfaceRowSize];
        ByteBuffer bytes = ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putShort(layout.interfaceRowFamily, (short) UnicastAddressRowCodec.AF_INET).putLong(layout.interfaceRowLuid, adapter.luid);
        WindowsNetworkOs.check(ipHelper.getIpInterfaceEntry(row), "GetIpInterfaceEntry(AF_INET)", alias, Reason.NO_SUCH_INTERFACE);
        return new InterfaceSettings((adapter.flags & IP_ADAPTER_DHCP_ENABLED) != 0,
                Integer.toUnsignedLong(bytes.getInt(layout.interfaceRowDadTransmits)));
    }
}
