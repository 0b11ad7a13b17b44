package io.openhqm.plugin.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.queue.AttemptFailure;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonColumnsTest {
    /** Columns as the hand-written codec of 0.1 wrote them (sorted keys, pure ASCII, lowercase escapes). */
    static final String OLD_STRINGS = "{\"\":\"\",\"control\":\"\\u0000\\u0001\\u0008\\u000c\\n\\r\\t\\u001f\\u007f\","
            + "\"lone\":\"\\ud800 and \\udfff\",\"quotes \\\" and \\\\ backslash /\":\"\\\"\\\\/\","
            + "\"unicode\":\"Gr\\u00fc\\u00dfe \\u65e5\\u672c \\ud83d\\ude00 \\u2028\"}";
    static final String OLD_HISTORY = "[{\"attempt\":1,\"at\":\"2025-01-01T00:00:00.123456789Z\","
            + "\"error\":\"503 \\\"Service\\\" \\\\ Unavailable\\n\\u00fc \\ud83d\\ude00\"},"
            + "{\"attempt\":2,\"at\":\"1960-01-01T00:00:00Z\",\"error\":\"\"}]";

    static Map<String, String> strings() {
        Map<String, String> strings = new LinkedHashMap<>();
        strings.put("quotes \" and \\ backslash /", "\"\\/");
        strings.put("control", "\u0000\u0001\b\f\n\r\t\u001f\u007f");
        strings.put("unicode", "Grüße 日本 \uD83D\uDE00 \u2028");
        strings.put("lone", "\uD800 and \uDFFF");
        strings.put("", "");
        return strings;
    }

    static List<AttemptFailure> history() {
        return List.of(
                new AttemptFailure(1, Instant.parse("2025-01-01T00:00:00.123456789Z"),
                        "503 \"Service\" \\ Unavailable\nü \uD83D\uDE00"),
                new AttemptFailure(2, Instant.parse("1960-01-01T00:00:00Z"), ""));
    }

    @Test
    void readsColumnsWrittenByTheHandWrittenCodec() {
        assertEquals(strings(), JsonColumns.decodeStrings(OLD_STRINGS));
        assertEquals(history(), JsonColumns.decodeHistory(OLD_HISTORY));
        assertEquals(Map.of(), JsonColumns.decodeStrings("{}"));
        assertEquals(List.of(), JsonColumns.decodeHistory("[]"));
    }

    @Test
    void writesTheSameBytesAsTheHandWrittenCodec() {
        assertEquals(OLD_STRINGS, JsonColumns.encodeStrings(strings()));
        assertEquals(OLD_HISTORY, JsonColumns.encodeHistory(history()));
        assertEquals("{}", JsonColumns.encodeStrings(Map.of()));
        assertEquals("[]", JsonColumns.encodeHistory(List.of()));
    }

    @Test
    void stringMapsRoundTripExactly() {
        Map<String, String> headers = new HashMap<>(strings());
        headers.put("plain", "value");
        headers.put("more controls", "\u0007\u000b\u000e\u001b\u0080\u009f\u00a0\ufeff\uffff");
        String json = JsonColumns.encodeStrings(headers);
        assertTrue(json.chars().allMatch(c -> c >= 0x20 && c < 0x7F), "not pure ASCII: " + json);
        assertEquals(headers, JsonColumns.decodeStrings(json));
        assertEquals(Map.of("a", "b"), JsonColumns.decodeStrings(" { \"a\" : \"b\" } "));
    }

    @Test
    void historyRoundTripsExactly() {
        assertEquals(history(), JsonColumns.decodeHistory(JsonColumns.encodeHistory(history())));
        assertEquals(history().subList(1, 2), JsonColumns.decodeHistory(
                "[{\"extra\":[1,{\"x\":null}],\"error\":\"\",\"at\":\"1960-01-01T00:00:00Z\",\"attempt\":2}]"));
    }

    @Test
    void malformedInputIsRejected() {
        for (String bad : List.of("", "{", "{\"a\":1}", "{\"a\":\"b\"", "[1]", "{\"a\":\"\\x\"}", "{} x",
                "{\"a\":\"\\u12\"}", "{\"a\":null}", "{\"a\":\"b\"}{}")) {
            assertThrows(IllegalArgumentException.class, () -> JsonColumns.decodeStrings(bad), bad);
        }
        for (String bad : List.of("[{\"attempt\":1}]", "{}", "[1]", "[{\"attempt\":1.5,\"at\":\"1960-01-01T00:00:00Z\","
                + "\"error\":\"\"}]", "[{\"attempt\":1,\"at\":\"yesterday\",\"error\":\"\"}]",
                "[{\"attempt\":1,\"at\":\"1960-01-01T00:00:00Z\",\"error\":null}]", "[", "[] []")) {
            assertThrows(IllegalArgumentException.class, () -> JsonColumns.decodeHistory(bad), bad);
        }
    }
}
