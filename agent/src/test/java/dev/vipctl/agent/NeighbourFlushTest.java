package dev.vipctl.agent;

import dev.vipctl.agent.arp.AnnouncementProfile;
import dev.vipctl.agent.arp.GarpMode;
import dev.vipctl.agent.arp.ScriptedArpLink;
import dev.vipctl.os.InterfaceAddress;
import dev.vipctl.os.IpAddress;
import dev.vipctl.os.OsException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the engine deletes this host's own neighbour entry for the VIP (NetworkOs.flushNeighbour): after this run added
 * or removed the VIP, never when it changed nothing; a failure is a warning and the change stands.
 */
class NeighbourFlushTest {
    private static final InterfaceAddress HOST = new InterfaceAddress(IpAddress.parseIpv4("198.51.100.11"), 24, "eth0");
    private static final InterfaceAddress VIP = new InterfaceAddress(IpAddress.parseIpv4("198.51.100.100"), 24, "eth0:1");
    private static final WireChecks NO_PROBING = new WireChecks(WireChecks.OnConflict.TAKEOVER, 0, 0, null, 0);

    private final RecordingNetworkOs os = new RecordingNetworkOs(true);
    private final ScriptedArpLink link = new ScriptedArpLink();

    private void up(Outcome outcome) throws Exception {
        TakeoverEngine.start(os, "eth0", new TakeoverEngine.WirePlan(VIP.address(), new AnnouncementProfile(1, 0, GarpMode.REQUEST),
                NO_PROBING, name -> link)).up(VIP, outcome, new Timings(System.nanoTime(), -1));
    }

    private void down(Outcome outcome) throws Exception {
        TakeoverEngine.start(os, "eth0").down(Vip.parse("198.51.100.100/24", false), false, outcome, new Timings(System.nanoTime(), -1));
    }

    @Test
    void upFlushesAfterTheVipIsAddedAndBeforeItIsAnnounced() throws Exception {
        os.add(os.nic, HOST);
        List<String> flushedAtFirstFrame = new ArrayList<>();
        link.with(frame -> {
            if (link.sent.size() == 1) {
                flushedAtFirstFrame.addAll(os.flushed);
            }
            return List.of();
        });

        up(new Outcome());

        assertEquals(List.of("198.51.100.100 configured"), os.flushed);
        assertEquals(List.of("198.51.100.100 configured"), flushedAtFirstFrame, "flushed before the first frame");
    }

    @Test
    void upThatChangesNothingFlushesNothing() throws Exception {
        os.add(os.nic, HOST);
        os.add(os.nic, VIP);

        up(new Outcome());

        assertEquals(List.of(), os.flushed);
    }

    @Test
    void upThatFailsAndIsUndoneFlushesNothing() throws Exception {
        os.add(os.nic, HOST);
        os.fault("add " + VIP, RecordingNetworkOs.Fault.REFUSE);

        assertThrows(TakeoverException.class, () -> up(new Outcome()));

        assertEquals(List.of(), os.flushed);
    }

    @Test
    void downFlushesAfterTheVipIsRemoved() throws Exception {
        os.add(os.nic, HOST);
        os.add(os.nic, VIP);

        down(new Outcome());

        assertEquals(List.of("198.51.100.100 absent"), os.flushed);
    }

    @Test
    void downOfAnAbsentVipFlushesNothing() throws Exception {
        os.add(os.nic, HOST);

        down(new Outcome());

        assertEquals(List.of(), os.flushed);
    }

    @Test
    void aFailedFlushIsAWarningAndTheChangeStands() throws Exception {
        os.add(os.nic, HOST);
        os.flushFails = new OsException(OsException.Reason.NOT_PERMITTED, 5,
                "DeleteIpNetEntry2 198.51.100.100 on eth0: ERROR_ACCESS_DENIED (5)");

        Outcome up = new Outcome();
        up(up);
        assertEquals(ExitCode.OK, up.exitCode());
        assertEquals(List.of("added"), up.actions());
        assertEquals(1, up.warnings().size(), up.warnings().toString());
        assertTrue(up.warnings().get(0).startsWith("this host's ARP cache entry for 198.51.100.100 could not be deleted"), up.warnings().get(0));
        assertTrue(up.warnings().get(0).endsWith("ERROR_ACCESS_DENIED (5)"), up.warnings().get(0));

        Outcome down = new Outcome();
        down(down);
        assertEquals(List.of("removed"), down.actions());
        assertEquals(ExitCode.OK, down.exitCode());
        assertEquals(1, down.warnings().size(), down.warnings().toString());
        assertEquals(1, os.configured.size(), "only the host's own address is left");
    }
}
