package dev.vipctl.agent;

import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.GarpMode;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.NetInterface;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Loopback, NOARP and non-Ethernet interfaces: 'up' and 'probe' need ARP and refuse them before any change, unless
 * 'up' uses no ARP at all; 'status' and 'down' touch no wire and work on them.
 */
class InterfaceWithoutArpTest {
    private static final IpAddress VIP = IpAddress.parseIpv4("198.51.100.50");
    private static final AnnouncementProfile ONE_REQUEST = new AnnouncementProfile(1, 0, GarpMode.REQUEST);
    private static final WireChecks NO_PROBING = new WireChecks(WireChecks.OnConflict.TAKEOVER, 0, 0, null, 0);
    private static final WireChecks PROBING = new WireChecks(WireChecks.OnConflict.TAKEOVER, 2, 10, null, 0);

    private static TakeoverEngine.WirePlan plan(AnnouncementProfile profile, WireChecks checks) {
        return new TakeoverEngine.WirePlan(VIP, profile, checks, name -> fail("the ARP link of " + name + " was opened"));
    }

    @ParameterizedTest
    @EnumSource(value = NetInterface.Arp.class, names = "ON", mode = EnumSource.Mode.EXCLUDE)
    void upThatAnnouncesIsRefusedBeforeAnyChange(NetInterface.Arp arp) {
        RecordingNetworkOs os = RecordingNetworkOs.withoutArp(arp);

        TakeoverException failure = assertThrows(TakeoverException.class, () -> TakeoverEngine.start(os, os.nic.name(), plan(ONE_REQUEST, NO_PROBING)));

        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, failure.exitCode());
        assertEquals(TakeoverEngine.whyNoArp(os.nic) + "; " + TakeoverEngine.noArpFix(os.nic), failure.getMessage());
        assertEquals(List.of("resolve " + os.nic.name()), os.calls);
        assertTrue(os.closed);
    }

    @ParameterizedTest
    @EnumSource(value = NetInterface.Arp.class, names = "ON", mode = EnumSource.Mode.EXCLUDE)
    void probeAndUpThatOnlyProbesAreRefused(NetInterface.Arp arp) {
        RecordingNetworkOs os = RecordingNetworkOs.withoutArp(arp);

        TakeoverException failure = assertThrows(TakeoverException.class,
                () -> TakeoverEngine.start(os, os.nic.name(), plan(AnnouncementProfile.SILENT, PROBING)));

        assertEquals(ExitCode.INTERFACE_UNAVAILABLE, failure.exitCode());
        assertEquals(List.of("resolve " + os.nic.name()), os.calls);
    }

    @Test
    void theMessagesSayWhyAndWhatToDo() {
        assertEquals("lo is a loopback interface: it has no link layer, so no gratuitous ARP can announce a VIP there and no host"
                        + " can take it over; use the interface that faces the clients",
                refusal(NetInterface.Arp.LOOPBACK));
        assertEquals("eth0 has ARP turned off (NOARP): it neither sends nor answers ARP, so no gratuitous ARP can announce a VIP"
                        + " there and no probe can find who holds it; turn ARP on (ip link set dev eth0 arp on) or use the interface"
                        + " that faces the clients",
                refusal(NetInterface.Arp.OFF));
        assertEquals("tun0 is not an Ethernet interface (a tunnel or point-to-point link): ARP does not exist there, so no gratuitous"
                        + " ARP can announce a VIP and no probe can find who holds it; use the interface that faces the clients",
                refusal(NetInterface.Arp.NOT_ETHERNET));
    }

    private static String refusal(NetInterface.Arp arp) {
        RecordingNetworkOs os = RecordingNetworkOs.withoutArp(arp);
        return assertThrows(TakeoverException.class, () -> TakeoverEngine.start(os, os.nic.name(), plan(ONE_REQUEST, NO_PROBING))).getMessage();
    }

    /** --garp-count 0 --probe-wait-ms 0 uses no ARP: the VIP is only added, as a direct-server-return host puts it on lo. */
    @ParameterizedTest
    @EnumSource(value = NetInterface.Arp.class, names = "ON", mode = EnumSource.Mode.EXCLUDE)
    void upWithoutAnyArpAddsTheVip(NetInterface.Arp arp) throws Exception {
        RecordingNetworkOs os = RecordingNetworkOs.withoutArp(arp);
        InterfaceAddress vip = new InterfaceAddress(VIP, 32, os.nic.name() + ":1");
        Outcome outcome = new Outcome();

        try (TakeoverEngine engine = TakeoverEngine.start(os, os.nic.name(), plan(AnnouncementProfile.SILENT, NO_PROBING))) {
            engine.up(vip, outcome, new Timings(System.nanoTime(), -1));
        }

        assertEquals(ExitCode.OK, outcome.exitCode());
        assertEquals(List.of("resolve " + os.nic.name(), "list", "add " + vip, "list"), os.calls);
        assertEquals(List.of("added"), outcome.actions());
        assertEquals(0, outcome.framesSent());
    }

    @ParameterizedTest
    @EnumSource(value = NetInterface.Arp.class, names = "ON", mode = EnumSource.Mode.EXCLUDE)
    void statusAndDownWork(NetInterface.Arp arp) throws Exception {
        RecordingNetworkOs os = RecordingNetworkOs.withoutArp(arp);
        InterfaceAddress vip = new InterfaceAddress(VIP, 32, os.nic.name() + ":1");
        os.add(os.nic, vip);
        Outcome status = new Outcome();
        Outcome down = new Outcome();

        try (TakeoverEngine engine = TakeoverEngine.start(os, os.nic.name())) {
            engine.status(Vip.parse("198.51.100.50/32", true), status);
            engine.down(Vip.parse("198.51.100.50/32", true), false, down, new Timings(System.nanoTime(), -1));
        }

        assertEquals(ExitCode.OK, status.exitCode());
        assertEquals(ExitCode.OK, down.exitCode());
        assertTrue(os.configured.isEmpty());
    }

    @ParameterizedTest
    @EnumSource(value = NetInterface.Arp.class, names = "ON", mode = EnumSource.Mode.EXCLUDE)
    void requireArpRefusesWithTheSameMessage(NetInterface.Arp arp) throws Exception {
        RecordingNetworkOs os = RecordingNetworkOs.withoutArp(arp);
        try (TakeoverEngine engine = TakeoverEngine.start(os, os.nic.name())) {
            TakeoverException failure = assertThrows(TakeoverException.class, engine::requireArp);

            assertEquals(ExitCode.INTERFACE_UNAVAILABLE, failure.exitCode());
            assertEquals(TakeoverEngine.whyNoArp(os.nic) + "; " + TakeoverEngine.noArpFix(os.nic), failure.getMessage());
        }
    }

    @Test
    void requireArpAcceptsEthernetWithArp() throws Exception {
        try (TakeoverEngine engine = TakeoverEngine.start(new RecordingNetworkOs(true), "eth0")) {
            engine.requireArp();
        }
    }
}
