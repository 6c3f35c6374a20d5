package dev.vipctl.agent.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent's request decoding: nothing a writer of the FIFO sends is trusted before it passes here. */
class ResidentAgentTest {
    private static final Path DIR = Path.of("/run/vipctl/agent");

    @Test
    void parsesAWellFormedRequest() {
        ResidentAgent.Request request = ResidentAgent.Request.parse(
                List.of("1795339083357070", "/run/vipctl/agent/reply.4242.1795339083357070", "3", "down", "--vip", "198.51.100.100/24"), DIR);
        assertEquals(1795339083357070L, request.launchMicros);
        assertEquals(DIR.resolve("reply.4242.1795339083357070"), request.replyFifo);
        assertEquals("4242", request.launcherPid);
        assertEquals(List.of("down", "--vip", "198.51.100.100/24"), request.arguments);
    }

    @Test
    void refusesEachMalformedField() {
        String reply = "/run/vipctl/agent/reply.1.2";
        assertRefused("launch time", "17953390833x", reply, "1", "up");
        assertRefused("launch time", "", reply, "1", "up");
        assertRefused("reply FIFO", "1", "/tmp/reply.1.2", "1", "up");
        assertRefused("reply FIFO", "1", "/run/vipctl/agent/../reply.1.2", "1", "up");
        assertRefused("reply FIFO", "1", "/run/vipctl/agent/3637.requests", "1", "up");
        assertRefused("reply FIFO", "1", "/run/vipctl/agent/reply.1", "1", "up");
        assertRefused("argument count", "1", reply, "0");
        assertRefused("argument count", "1", reply, "2", "up");
        assertRefused("argument count", "1", reply, "-1", "up");
        assertRefused("incomplete", "1", reply);
    }

    @Test
    void theArgumentCountIsBounded() {
        assertEquals(ResidentAgent.MAX_ARGUMENTS, ResidentAgent.Request.argumentCount("99"));
        assertEquals(0, ResidentAgent.Request.argumentCount("100"), "more than two digits is no count");
        assertEquals(0, ResidentAgent.Request.argumentCount("1a"));
        List<String> fields = new ArrayList<>(List.of("1", "/run/vipctl/agent/reply.1.2", "65"));
        fields.addAll(Collections.nCopies(65, "x"));
        assertThrows(IllegalArgumentException.class, () -> ResidentAgent.Request.parse(fields, DIR));
    }

    @Test
    void fieldsAreNulTerminatedAndCutAtTheLimit() throws IOException {
        String longField = "a".repeat(ResidentAgent.MAX_FIELD_BYTES + 10);
        InputStream in = new ByteArrayInputStream(("one\0" + longField + "\0two\0rest").getBytes(StandardCharsets.UTF_8));
        assertEquals("one", ResidentAgent.readField(in));
        assertEquals(ResidentAgent.MAX_FIELD_BYTES, ResidentAgent.readField(in).length());
        assertEquals("two", ResidentAgent.readField(in), "the cut field's rest is skipped, the next field is whole");
        IOException end = assertThrows(IOException.class, () -> ResidentAgent.readField(in));
        assertTrue(end.getMessage().contains("end of the request channel"));
    }

    private static void assertRefused(String expected, String... fields) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ResidentAgent.Request.parse(List.of(fields), DIR));
        assertTrue(refused.getMessage().contains(expected), refused.getMessage());
    }
}
