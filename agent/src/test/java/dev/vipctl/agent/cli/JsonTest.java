package dev.vipctl.agent.cli;

import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonTest {
    @Test
    void writesNestedValuesAndEscapes() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("n", 42L);
        inner.put("ok", true);
        inner.put("none", null);
        Map<String, Object> outer = new LinkedHashMap<>();
        outer.put("text", "a \"quoted\" \\ path\nnext\u0001");
        outer.put("list", List.of("x", 1));
        outer.put("inner", inner);
        assertEquals("{\"text\":\"a \\\"quoted\\\" \\\\ path\\nnext\\u0001\",\"list\":[\"x\",1],\"inner\":{\"n\":42,\"ok\":true,\"none\":null}}",
                Json.write(outer));
    }

    @Test
    void logTimestampsHaveMilliseconds() {
        assertEquals("2026-03-04 05:06:07.089", RunLog.format(LocalDateTime.of(2026, 3, 4, 5, 6, 7, 89_000_000)));
    }
}
