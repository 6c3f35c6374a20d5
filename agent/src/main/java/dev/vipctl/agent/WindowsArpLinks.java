package dev.vipctl.agent;

import dev.vipctl.agent.arp.ArpLink;
import dev.vipctl.agent.arp.ArpResolver;
import dev.vipctl.agent.arp.PcapArpLink;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.MacAddress;
import dev.vipctl.os.OsException;
import dev.vipctl.windows.Npcap;
import dev.vipctl.windows.SendArp;

import java.io.IOException;

/**
 * ARP on Windows (docs/windows.md#the-wire): frames through Npcap when it is installed, else Windows' SendARP. Only
 * {@link Platforms}' Windows branch refers to this class, so no other OS loads it, nor the Windows classes it uses.
 * Npcap is looked for once per process, at the first plan that needs ARP.
 */
final class WindowsArpLinks implements TakeoverEngine.ArpLinkOpener {
    /** pcap4j's system property naming the libpcap it loads (its NativeMappings; default "wpcap" on Windows). */
    static final String PCAP_LIB_NAME = "org.pcap4j.core.pcapLibName";

    private static volatile WindowsArpLinks instance;

    private final Npcap npcap;
    private final SendArp sendArp;

    private WindowsArpLinks(Npcap npcap, SendArp sendArp) {
        this.npcap = npcap;
        this.sendArp = sendArp;
    }

    /** This host's: Npcap found (or not) through GetSystemDirectoryW, SendARP through iphlpapi.dll. */
    static WindowsArpLinks here() {
        WindowsArpLinks links = instance;
        if (links == null) {
            links = new WindowsArpLinks(Npcap.installed(), SendArp.overIphlpapi());
            instance = links;
        }
        return links;
    }

    /**
     * Opens Npcap's device through pcap4j, which loads wpcap.dll by the absolute path in Npcap's folder: never from
     * the DLL search path (the working directory, PATH), where WinPcap's or a planted copy could be found first.
     */
    @Override
    public ArpLink open(String captureDevice) throws IOException {
        if (!npcap.isInstalled()) {
            throw new IOException(npcap.missing() + "; install Npcap (https://npcap.com) for gratuitous ARP and capture");
        }
        System.setProperty(PCAP_LIB_NAME, npcap.wpcap());
        return PcapArpLink.open(captureDevice);
    }

    /** SendARP when Npcap is not installed. */
    @Override
    public ArpResolver resolverInstead() {
        return npcap.isInstalled() ? null : resolver(sendArp, npcap.missing());
    }

    /** {@code sendArp} as an {@link ArpResolver}, which gives {@code why} as its reason. */
    static ArpResolver resolver(SendArp sendArp, String why) {
        return new ArpResolver() {
            @Override
            public MacAddress resolve(IpAddress target, IpAddress source) throws IOException {
                try {
                    return sendArp.resolve(target, source);
                } catch (OsException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }

            @Override
            public String why() {
                return why;
            }
        };
    }
}
