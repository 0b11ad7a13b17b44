package io.openhqm.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.openhqm.api.result.RequestRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ViewsTest {
    private static final Instant T = Instant.parse("2026-11-29T12:00:00.123456Z");

    private static String text(ByteBuffer buffer) {
        return StandardCharsets.UTF_8.decode(buffer).toString();
    }

    @Test
    void theAcceptedAnswerIsTheSameTextAsBefore() {
        assertEquals("{\"correlation_id\":\"0b4cc2f4-5a0c-4b7e-9d3e-2f2b1b8f7a10\",\"status\":\"PENDING\","
                        + "\"submitted_at\":\"2026-11-29T12:00:00.123456Z\"}",
                text(Views.acceptedJson(RequestRecord.pending("0b4cc2f4-5a0c-4b7e-9d3e-2f2b1b8f7a10", T, null))));
    }

    @Test
    void theAcceptedAnswerIsWhatJacksonWritesForEveryCharacterOfAnId() throws Exception {
        for (char c = 0; c < 0x250; c++) {
            RequestRecord record = RequestRecord.pending("a" + c + "b", T, null);
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("correlation_id", record.correlationId());
            view.put("status", "PENDING");
            view.put("submitted_at", "2026-11-29T12:00:00.123456Z");
            assertEquals(Json.MAPPER.writeValueAsString(view), text(Views.acceptedJson(record)), "char " + (int) c);
        }
    }

    @Test
    void anIdFromAnExternalProducerIsEscaped() {
        assertEquals("{\"correlation_id\":\"ext \\\"1\\\" \\\\ ü \\uD83D\\uDE00 \\u0001\\n\",\"status\":\"PENDING\","
                        + "\"submitted_at\":\"2026-11-29T12:00:00.123456Z\"}",
                text(Views.acceptedJson(RequestRecord.pending("ext \"1\" \\ ü 😀 \u0001\n", T, null))));
    }
}
