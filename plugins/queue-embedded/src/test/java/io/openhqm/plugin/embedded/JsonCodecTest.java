package io.openhqm.plugin.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.queue.AttemptFailure;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonCodecTest {

    @Test
    void stringMapsRoundTripExactly() {
        Map<String, String> headers = new HashMap<>();
        headers.put("plain", "value");
        headers.put("quotes \" and \\ backslash", "\"\\/");
        headers.put("control", "\u0000\u0001\b\f\n\r\t\u001f\u007f");
        headers.put("unicode", "Grüße 日本 \uD83D\uDE00");
        headers.put("lone surrogates", "\uD800 and \uDFFF");
        headers.put("", "");
        String json = JsonCodec.encodeStrings(headers);
        assertTrue(json.chars().allMatch(c -> c >= 0x20 && c < 0x7F), "not pure ASCII: " + json);
        assertEquals(headers, JsonCodec.decodeStrings(json));
        assertEquals(Map.of(), JsonCodec.decodeStrings(JsonCodec.encodeStrings(Map.of())));
        assertEquals(Map.of("a", "b"), JsonCodec.decodeStrings(" { \"a\" : \"b\" } "));
    }

    @Test
    void historyRoundTripsExactly() {
        List<AttemptFailure> history = List.of(
                new AttemptFailure(1, Instant.parse("2025-01-01T00:00:00.123456789Z"), "503 \"Service\" Unavailable"),
                new AttemptFailure(2, Instant.parse("1960-01-01T00:00:00Z"), "line\nbreak ü"));
        assertEquals(history, JsonCodec.decodeHistory(JsonCodec.encodeHistory(history)));
        assertEquals(List.of(), JsonCodec.decodeHistory("[]"));
    }

    @Test
    void malformedInputIsRejected() {
        for (String bad : List.of("", "{", "{\"a\":1}", "{\"a\":\"b\"", "[1]", "{\"a\":\"\\x\"}", "{} x",
                "{\"a\":\"\\u12\"}")) {
            assertThrows(IllegalArgumentException.class, () -> JsonCodec.decodeStrings(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> JsonCodec.decodeHistory("[{\"attempt\":1}]"));
    }
}
