package dev.vipctl.agent.cli;

import dev.vipctl.agent.cli.AgentProtocol.FrameReader;
import dev.vipctl.agent.cli.AgentProtocol.FrameReader.State;
import dev.vipctl.agent.cli.AgentProtocol.MalformedFrame;
import dev.vipctl.agent.cli.AgentProtocol.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request frame as the agent reads it, and the answers it writes: the bytes bin/vipctl speaks from bash. */
class AgentProtocolTest {
    private static final List<String> UP = List.of("up", "--interface", "eth0", "--vip", "198.51.100.100/24", "--json");
    /** é and µ are two bytes in UTF-8, € three, U+1F600 (a surrogate pair in Java) four. */
    private static final List<String> MULTI_BYTE = List.of("up", "--label", "eth0:\u00e9", "\u00b5s", "\u20ac", "\ud83d\ude00", "");

    @Test
    void aFrameDecodesToWhatWasEncoded() throws Exception {
        FrameReader reader = new FrameReader();
        byte[] frame = AgentProtocol.frame(4_194_304, 11, 1_700_000_000_000_001L, 1_700_000_000_123_456L, UP);

        assertEquals(State.COMPLETE, reader.add(frame, frame.length));
        Request request = reader.request();
        assertEquals(4_194_304, request.launcherPid);
        assertEquals(11, request.launcherFd);
        assertEquals(1_700_000_000_000_001L, request.launchMicros);
        assertEquals(1_700_000_000_123_456L, request.sentMicros);
        assertEquals(UP, request.arguments);
    }

    @Test
    void aLauncherWithoutAClockSendsEmptyTimesThatDecodeToMinusOne() throws Exception {
        byte[] frame = AgentProtocol.frame(42, 3, -1, -1, UP);
        assertTrue(new String(frame, US_ASCII).contains("\u000042\u00003\u0000\u0000\u00006\u0000up\u0000"),
                "LAUNCH and SENT are empty fields on the wire");

        Request request = complete(frame).request();
        assertEquals(-1, request.launchMicros);
        assertEquals(-1, request.sentMicros);
        assertEquals(UP, request.arguments);
    }

    @Test
    void theFrameIsTheMagicLengthAndNulTerminatedFields() {
        byte[] frame = AgentProtocol.frame(42, 3, 100, 200, List.of("down"));
        assertEquals("vipctl-request-3\u000020\u000042\u00003\u0000100\u0000200\u00001\u0000down\u0000", new String(frame, US_ASCII));
        assertEquals(AgentProtocol.TOKEN, frame[0], "the token is the frame's first byte");
    }

    @Test
    void aFrameFedByteByByteIsIncompleteUntilItsLastByte() throws Exception {
        byte[] frame = AgentProtocol.frame(42, 3, 100, 200, MULTI_BYTE);
        FrameReader reader = new FrameReader();
        for (int i = 0; i < frame.length - 1; i++) {
            assertEquals(State.INCOMPLETE, reader.add(new byte[] {frame[i]}, 1), "after byte " + i);
        }
        assertEquals(State.COMPLETE, reader.add(new byte[] {frame[frame.length - 1]}, 1));
        assertEquals(MULTI_BYTE, reader.request().arguments);
    }

    @Test
    void aFrameSplitAtAnyPositionIsIncompleteThenComplete() throws Exception {
        byte[] frame = AgentProtocol.frame(42, 3, 100, 200, MULTI_BYTE);
        for (int split = 0; split < frame.length; split++) {
            FrameReader reader = new FrameReader();
            byte[] head = Arrays.copyOfRange(frame, 0, split);
            byte[] tail = Arrays.copyOfRange(frame, split, frame.length);
            assertEquals(State.INCOMPLETE, reader.add(head, head.length), "first " + split + " bytes");
            assertEquals(State.COMPLETE, reader.add(tail, tail.length), "the rest after " + split + " bytes");
            Request request = reader.request();
            assertEquals(42, request.launcherPid, "split at " + split);
            assertEquals(MULTI_BYTE, request.arguments, "split at " + split + " (inside a character too)");
        }
    }

    @Test
    void theReaderReadsOnlyWhatEachReadReturned() throws Exception {
        byte[] frame = AgentProtocol.frame(42, 3, 100, 200, UP);
        // One buffer reused for every read, as the agent does: bytes past the length are left-overs, not frame.
        byte[] buffer = new byte[AgentProtocol.MAX_FRAME_BYTES];
        Arrays.fill(buffer, (byte) 'x');
        FrameReader reader = new FrameReader();
        System.arraycopy(frame, 0, buffer, 0, 10);
        assertEquals(State.INCOMPLETE, reader.add(buffer, 10));
        System.arraycopy(frame, 10, buffer, 0, frame.length - 10);
        assertEquals(State.COMPLETE, reader.add(buffer, frame.length - 10));
        assertEquals(UP, reader.request().arguments);
    }

    @Test
    void aFirstByteOtherThanTheTokenIsAWithdrawnRequest() throws Exception {
        FrameReader reader = new FrameReader();
        assertEquals(State.INCOMPLETE, reader.add(new byte[0], 0), "an empty read is no byte yet");
        assertTrue(reader.isEmpty());
        // What the agent sees after the launcher read its 'v' back: the frame's second byte first.
        byte[] frame = AgentProtocol.frame(42, 3, 100, 200, UP);
        byte[] rest = Arrays.copyOfRange(frame, 1, frame.length);
        assertEquals(State.WITHDRAWN, reader.add(rest, rest.length));
    }

    @Test
    void aRequestBeforeTheFrameIsWholeIsAnError() throws Exception {
        byte[] frame = AgentProtocol.frame(42, 3, 100, 200, UP);
        FrameReader reader = new FrameReader();
        reader.add(frame, frame.length - 1);
        assertThrows(IllegalStateException.class, reader::request);
    }

    @Test
    void aWrongMagicIsMalformed() {
        byte[] frame = AgentProtocol.frame(42, 3, 100, 200, UP);
        byte[] oldVersion = replaceFirst(frame, "vipctl-request-3", "vipctl-request-2");
        assertMalformed(oldVersion, "does not start with vipctl-request-3");

        // Without its NUL, a magic of 17 bytes cannot be the magic any more.
        byte[] tooLong = "vipctl-request-33".getBytes(US_ASCII);
        assertMalformed(tooLong, "does not start with vipctl-request-3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "12345"})
    void aLengthOfOtherThanOneToFourDigitsIsMalformed(String length) {
        assertMalformed(withLength(length, "42\u00003\u0000\u0000\u00001\u0000down\u0000"), "LENGTH is not 1 to 4 digits");
    }

    @Test
    void aLengthWithoutItsNulAfterFourDigitsIsMalformedAtOnce() {
        assertMalformed("vipctl-request-3\u000012345".getBytes(US_ASCII), "LENGTH is not 1 to 4 digits");
    }

    @Test
    void aLengthThatIsNotDecimalIsMalformed() {
        // Refused at the first byte that cannot belong to LENGTH, not when the frame is whole.
        assertMalformed(withLength("1a", "42\u00003\u0000\u0000\u00001\u0000down\u0000"), "LENGTH is not 1 to 4 digits");
        assertMalformed(withLength("-1", "42\u00003\u0000\u0000\u00001\u0000down\u0000"), "LENGTH is not 1 to 4 digits");
        assertMalformed("vipctl-request-3\u00001x".getBytes(US_ASCII), "LENGTH is not 1 to 4 digits");
        assertMalformed("vipctl-reqx".getBytes(US_ASCII), "does not start with vipctl-request-3");
    }

    @Test
    void aLengthDeclaringMoreThanAPipeHoldsIsMalformedBeforeTheRestComes() {
        // The head alone: the agent refuses at once instead of waiting for bytes that cannot fit.
        byte[] head = "vipctl-request-3\u00009999\u0000".getBytes(US_ASCII);
        assertMalformed(head, "declares 10021 bytes, more than 4096");
    }

    @Test
    void bytesAfterTheDeclaredEndAreMalformed() {
        byte[] frame = AgentProtocol.frame(42, 3, 100, 200, UP);
        byte[] twoFrames = concat(frame, frame);
        assertMalformed(twoFrames, frame.length + " byte(s) after the " + frame.length + " the frame declares");

        byte[] oneMore = concat(frame, new byte[] {'x'});
        assertMalformed(oneMore, "1 byte(s) after the " + frame.length + " the frame declares");
    }

    @Test
    void bytesAfterACompleteFrameInALaterReadAreMalformed() throws Exception {
        byte[] frame = AgentProtocol.frame(42, 3, 100, 200, UP);
        FrameReader reader = new FrameReader();
        assertEquals(State.COMPLETE, reader.add(frame, frame.length));
        MalformedFrame e = assertThrows(MalformedFrame.class, () -> reader.add(new byte[] {'v'}, 1));
        assertTrue(e.getMessage().contains("1 byte(s) after the " + frame.length), e.getMessage());
    }

    @Test
    void aCountOfZeroIsMalformed() {
        assertRequestMalformed(AgentProtocol.frame(42, 3, 100, 200, List.of()), "COUNT 0 is not 1 to 64");
    }

    @ParameterizedTest
    @ValueSource(ints = {65, 99})
    void aCountAboveSixtyFourIsMalformedNotCutShort(int count) {
        List<String> arguments = new ArrayList<>(Collections.nCopies(count, "-q"));
        arguments.set(0, "up");
        assertRequestMalformed(AgentProtocol.frame(42, 3, 100, 200, arguments), "COUNT " + count + " is not 1 to 64");
    }

    @Test
    void aCountOfThreeDigitsIsMalformed() {
        assertRequestMalformed(withLength(null, "42\u00003\u0000\u0000\u0000100\u0000up\u0000"), "COUNT is not 1 to 2 digits");
    }

    @Test
    void sixtyFourArgumentsAreAccepted() throws Exception {
        List<String> arguments = new ArrayList<>(Collections.nCopies(AgentProtocol.MAX_ARGUMENTS, "-q"));
        arguments.set(0, "up");
        assertEquals(arguments, complete(AgentProtocol.frame(42, 3, 100, 200, arguments)).request().arguments);
    }

    @Test
    void aCountThatDoesNotMatchTheArgumentsIsMalformed() {
        assertRequestMalformed(withLength(null, "42\u00003\u0000\u0000\u00002\u0000up\u0000"), "COUNT says 2 argument(s), the frame has 1");
        assertRequestMalformed(withLength(null, "42\u00003\u0000\u0000\u00001\u0000up\u0000-q\u0000"), "COUNT says 1 argument(s), the frame has 2");
    }

    @Test
    void aMissingFieldIsMalformed() {
        // No COUNT and no arguments: four fields where five are the least.
        assertRequestMalformed(withLength(null, "42\u00003\u0000\u0000\u0000"),
                "has 4 fields after LENGTH, not PID, FD, LAUNCH, SENT, COUNT and arguments");
        assertRequestMalformed(withLength(null, ""), "has 0 fields after LENGTH");
    }

    @Test
    void aLastFieldWithoutItsNulIsMalformed() {
        assertRequestMalformed(withLength(null, "42\u00003\u0000\u0000\u00001\u0000up"), "its last field does not end in NUL");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-42", "4x", " 42", "0x2a"})
    void aPidThatIsNotDecimalIsMalformed(String pid) {
        assertRequestMalformed(withLength(null, pid + "\u00003\u0000\u0000\u00001\u0000up\u0000"), "PID is not a decimal number");
    }

    @Test
    void aPidOfNoOrTooManyDigitsIsMalformed() {
        assertRequestMalformed(withLength(null, "\u00003\u0000\u0000\u00001\u0000up\u0000"), "PID is not 1 to 10 digits");
        assertRequestMalformed(withLength(null, "12345678901\u00003\u0000\u0000\u00001\u0000up\u0000"), "PID is not 1 to 10 digits");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-3", "3a", "fd"})
    void anFdThatIsNotDecimalIsMalformed(String fd) {
        assertRequestMalformed(withLength(null, "42\u0000" + fd + "\u0000\u0000\u00001\u0000up\u0000"), "FD is not a decimal number");
    }

    @Test
    void launchAndSentTimesThatAreNotDecimalAreMalformed() {
        assertRequestMalformed(withLength(null, "42\u00003\u00001.5\u0000\u00001\u0000up\u0000"), "LAUNCH is not a decimal number");
        assertRequestMalformed(withLength(null, "42\u00003\u0000\u0000now\u00001\u0000up\u0000"), "SENT is not a decimal number");
    }

    @Test
    void argumentsAreCountedInUtf8BytesAndDecodedIntact() throws Exception {
        byte[] frame = AgentProtocol.frame(42, 3, -1, -1, MULTI_BYTE);
        StringBuilder body = new StringBuilder("42\u00003\u0000\u0000\u0000" + MULTI_BYTE.size() + "\u0000");
        for (String argument : MULTI_BYTE) {
            body.append(argument).append('\u0000');
        }
        int bodyBytes = body.toString().getBytes(UTF_8).length;
        assertEquals(body.length() + 1 + 1 + 2 + 2, bodyBytes, "é, µ: one byte more than chars each; €: two more; U+1F600: four bytes for two chars");

        String head = new String(frame, 0, "vipctl-request-3".length() + 1 + Integer.toString(bodyBytes).length() + 1, US_ASCII);
        assertEquals("vipctl-request-3\u0000" + bodyBytes + "\u0000", head, "LENGTH counts bytes, not chars");
        assertEquals(head.length() + bodyBytes, frame.length);
        assertEquals(MULTI_BYTE, complete(frame).request().arguments);
    }

    @Test
    void aFrameOfExactlyTheLimitIsAcceptedAndOneByteMoreIsNot() throws Exception {
        String padding = padToFrameBytes(AgentProtocol.MAX_FRAME_BYTES);
        byte[] largest = AgentProtocol.frame(42, 3, 100, 200, List.of("up", padding));
        assertEquals(AgentProtocol.MAX_FRAME_BYTES, largest.length);
        assertEquals(List.of("up", padding), complete(largest).request().arguments);

        byte[] tooLarge = AgentProtocol.frame(42, 3, 100, 200, List.of("up", padding + "x"));
        assertEquals(AgentProtocol.MAX_FRAME_BYTES + 1, tooLarge.length);
        assertMalformed(tooLarge, "more than 4096");
        // Its head alone already declares too much.
        assertMalformed(Arrays.copyOf(tooLarge, 100), "declares 4097 bytes, more than 4096");
    }

    @Test
    void aFrameOfTheLimitInMultiByteCharactersIsAcceptedAndOneByteMoreIsNot() throws Exception {
        // The limit is in bytes: a frame ending in the two-byte 'é' has one char fewer than bytes.
        String padding = padToFrameBytes(AgentProtocol.MAX_FRAME_BYTES - 1);
        String twoByteEnd = padding.substring(1) + "\u00e9";
        byte[] largest = AgentProtocol.frame(42, 3, 100, 200, List.of("up", twoByteEnd));
        assertEquals(AgentProtocol.MAX_FRAME_BYTES, largest.length);
        assertEquals(List.of("up", twoByteEnd), complete(largest).request().arguments);

        byte[] tooLarge = AgentProtocol.frame(42, 3, 100, 200, List.of("up", padding + "\u00e9"));
        assertEquals(AgentProtocol.MAX_FRAME_BYTES + 1, tooLarge.length);
        assertMalformed(tooLarge, "more than 4096");
    }

    @Test
    void aResultIsTwentyThreeDigitsThenTheBytes() {
        byte[] result = AgentProtocol.result(3, "out\n", "err");
        assertEquals("003" + "0000000004" + "0000000003" + "out\nerr", new String(result, US_ASCII));

        byte[] empty = AgentProtocol.result(0, "", "");
        assertEquals(AgentProtocol.RESULT_DIGITS, empty.length);
        assertEquals("00000000000000000000000", new String(empty, US_ASCII));

        assertEquals("255", new String(AgentProtocol.result(255, "", ""), 0, 3, US_ASCII));
    }

    @Test
    void aResultCountsItsStreamsInUtf8Bytes() {
        String out = "VIP 198.51.100.100/24 up in 850 \u00b5s\n";
        String err = "\u20ac\ud83d\ude00";
        byte[] result = AgentProtocol.result(0, out, err);
        int outBytes = out.getBytes(UTF_8).length;
        int errBytes = err.getBytes(UTF_8).length;
        assertEquals(out.length() + 1, outBytes);
        assertEquals(7, errBytes);

        String digits = new String(result, 0, AgentProtocol.RESULT_DIGITS, US_ASCII);
        assertEquals(String.format(java.util.Locale.ROOT, "%03d%010d%010d", 0, outBytes, errBytes), digits);
        assertEquals(AgentProtocol.RESULT_DIGITS + outBytes + errBytes, result.length);
        assertEquals(out + err, new String(result, AgentProtocol.RESULT_DIGITS, outBytes + errBytes, UTF_8));
    }

    @Test
    void nulsInTheOutputBecomeSpaces() {
        byte[] result = AgentProtocol.result(0, "a\u0000b", "\u0000");
        assertEquals("000" + "0000000003" + "0000000001" + "a b ", new String(result, US_ASCII));
    }

    @Test
    void aDeclineIsDThenTheWordAndTheSentenceEachEndingInNul() {
        byte[] declined = AgentProtocol.declined(AgentProtocol.Decline.INTERFACE, "this agent serves eth0, not eth1");
        assertEquals(AgentProtocol.DECLINED, declined[0]);
        assertEquals("Dinterface\u0000this agent serves eth0, not eth1\u0000", new String(declined, US_ASCII));

        for (AgentProtocol.Decline why : AgentProtocol.Decline.values()) {
            String text = new String(AgentProtocol.declined(why, "why"), US_ASCII);
            assertEquals("D" + why.name().toLowerCase(java.util.Locale.ROOT) + "\u0000why\u0000", text);
        }
    }

    @Test
    void aDeclineSentenceKeepsItsFieldsApart() {
        // A NUL in the sentence would end it early and leave a stray field for bash to read.
        byte[] declined = AgentProtocol.declined(AgentProtocol.Decline.MALFORMED, "COUNT\u00000 is not \u00b5");
        assertEquals("Dmalformed\u0000COUNT 0 is not \u00b5\u0000", new String(declined, UTF_8));
    }

    @Test
    void acceptedIsTheSingleByteA() {
        assertArrayEquals(new byte[] {'A'}, AgentProtocol.accepted());
        assertEquals('A', AgentProtocol.ACCEPTED);
    }

    /** An argument that makes {@code frame(42, 3, 100, 200, ["up", it])} exactly {@code bytes} long. */
    private static String padToFrameBytes(int bytes) {
        String padding = "";
        while (AgentProtocol.frame(42, 3, 100, 200, List.of("up", padding)).length < bytes) {
            padding += "x";
        }
        assertEquals(bytes, AgentProtocol.frame(42, 3, 100, 200, List.of("up", padding)).length);
        return padding;
    }

    private static FrameReader complete(byte[] frame) throws MalformedFrame {
        FrameReader reader = new FrameReader();
        assertEquals(State.COMPLETE, reader.add(frame, frame.length));
        return reader;
    }

    /** Fed whole, the bytes are refused while being read, with a message containing {@code words}. */
    private static MalformedFrame assertMalformed(byte[] bytes, String words) {
        MalformedFrame e = assertThrows(MalformedFrame.class, () -> new FrameReader().add(bytes, bytes.length));
        assertTrue(e.getMessage().contains(words), e.getMessage());
        return e;
    }

    /** The bytes make a whole frame whose fields after LENGTH are refused. */
    private static void assertRequestMalformed(byte[] frame, String words) {
        FrameReader reader = new FrameReader();
        try {
            assertEquals(State.COMPLETE, reader.add(frame, frame.length), "the frame's size is right");
        } catch (MalformedFrame e) {
            throw new AssertionError("refused before it was whole: " + e.getMessage(), e);
        }
        MalformedFrame e = assertThrows(MalformedFrame.class, reader::request);
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }

    /** The magic, then {@code length} (the body's byte count when null), then the body as given. */
    private static byte[] withLength(String length, String body) {
        byte[] rest = body.getBytes(UTF_8);
        String lengthText = length == null ? Integer.toString(rest.length) : length;
        return concat(("vipctl-request-3\u0000" + lengthText + "\u0000").getBytes(US_ASCII), rest);
    }

    private static byte[] replaceFirst(byte[] frame, String from, String to) {
        String text = new String(frame, UTF_8);
        return text.replaceFirst(java.util.regex.Pattern.quote(from), to).getBytes(UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(a);
        all.writeBytes(b);
        return all.toByteArray();
    }
}
