package dev.vipctl.linux;

import dev.vipctl.os.OsException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The errno of an rtnetlink error as the contract's reason, and as an operator reads it. */
class KernelErrorMappingTest {
    @Test
    void errnoToReason() {
        assertEquals(OsException.Reason.NO_SUCH_INTERFACE, RtnetlinkSocket.reason(19));
        assertEquals(OsException.Reason.NOT_PERMITTED, RtnetlinkSocket.reason(1));
        assertEquals(OsException.Reason.NOT_PERMITTED, RtnetlinkSocket.reason(13));
        assertEquals(OsException.Reason.ALREADY_EXISTS, RtnetlinkSocket.reason(17));
        assertEquals(OsException.Reason.NO_SUCH_ADDRESS, RtnetlinkSocket.reason(99));
        assertEquals(OsException.Reason.REFUSED, RtnetlinkSocket.reason(34));
        assertEquals(OsException.Reason.REFUSED, RtnetlinkSocket.reason(22));
    }

    @Test
    void errnoNameAndNumber() {
        assertEquals("EEXIST (17)", Errno.describe(17));
        assertEquals("EADDRNOTAVAIL (99)", Errno.describe(99));
        assertEquals("errno 200", Errno.describe(200));
    }
}
