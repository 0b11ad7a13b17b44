package io.openhqm.plugin.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.openhqm.api.result.Reply;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordFormatTest {
    private static final Instant T = Instant.ofEpochMilli(1_700_000_000_123L);
    static final String TRICKY = "quote \" backslash \\ / nl \n tab \t cr \r nul \u0000 bs \b ff \f us \u001f del \u007f"
            + " ü 😀 \u2028 \u2029 end";

    /** Records as the hand-written writer of 0.1 stored them. */
    private static final String OLD_TEXT =
            "{\"id\":\"id-\\\"1\\\"\",\"status\":\"FAILED\",\"submitted_at\":1700000000123,\"updated_at\":1700000"
            + "000123,\"attempts\":2,\"owner\":\"owner\\\\x\",\"reply\":{\"content_type\":\"text/plain\",\"text\":\""
            + "quote \\\" backslash \\\\ / nl \\n tab \\t cr \\r nul \\u0000 bs \\u0008 ff \\u000c us \\u001f del \u007f"
            + " \u00fc \ud83d\ude00 \\u2028 \\u2029 end\",\"headers\":{\"x-h\":\"quote \\\" backslash \\\\ / nl \\n"
            + " tab \\t cr \\r nul \\u0000 bs \\u0008 ff \\u000c us \\u001f del \u007f \u00fc \ud83d\ude00 \\u2028 "
            + "\\u2029 end\"},\"status_code\":418},\"error\":\"quote \\\" backslash \\\\ / nl \\n tab \\t cr \\r nu"
            + "l \\u0000 bs \\u0008 ff \\u000c us \\u001f del \u007f \u00fc \ud83d\ude00 \\u2028 \\u2029 end\",\"pr"
            + "ocessing_time_ms\":7,\"completed_at\":1700000000123,\"started_at\":1700000000123,\"attributes\":{\"c"
            + "lient\":{ \"a\" : [1, 2e3] }}}";
    private static final String OLD_BINARY =
            "{\"id\":\"b\",\"status\":\"COMPLETED\",\"submitted_at\":1700000000123,\"updated_at\":1700000000123,\""
            + "attempts\":0,\"reply\":{\"content_type\":\"application/octet-stream\",\"base64\":\"wygA/w==\"},\"pro"
            + "cessing_time_ms\":1,\"completed_at\":1700000000123}";
    private static final String OLD_PENDING =
            "{\"id\":\"p\",\"status\":\"PENDING\",\"submitted_at\":1700000000123,\"updated_at\":1700000000123,\"a"
            + "ttempts\":0}";
    private static final String OLD_LONE_SURROGATE =
            "{\"id\":\"lone ?\",\"status\":\"PENDING\",\"submitted_at\":1700000000123,\"updated_at\":170000000012"
            + "3,\"attempts\":0}";

    @Test
    void readsAndWritesRecordsExactlyAsTheHandWrittenFormat() {
        RequestRecord text = RequestRecord.pending("id-\"1\"", T, "owner\\x", Map.of("client", "{ \"a\" : [1, 2e3] }"))
                .processing(2, T).finished(Status.FAILED, new Reply(TRICKY.getBytes(StandardCharsets.UTF_8),
                        "text/plain", Map.of("x-h", TRICKY), 418), TRICKY, 7, T);
        RequestRecord binary = RequestRecord.pending("b", T, null).finished(Status.COMPLETED,
                new Reply(new byte[] {(byte) 0xc3, 0x28, 0, -1}, "application/octet-stream", Map.of(), null), null, 1, T);
        RequestRecord pending = RequestRecord.pending("p", T, null);
        Map<RequestRecord, String> stored = Map.of(text, OLD_TEXT, binary, OLD_BINARY, pending, OLD_PENDING);
        stored.forEach((record, old) -> {
            assertEquals(record, RecordFormat.decode(old.getBytes(StandardCharsets.UTF_8)));
            assertEquals(old, new String(RecordFormat.encode(record), StandardCharsets.UTF_8));
        });
        assertEquals(OLD_LONE_SURROGATE, new String(RecordFormat.encode(RequestRecord.pending("lone \uD800", T, null)),
                StandardCharsets.UTF_8), "a lone surrogate is written as '?', as before");
    }

    @Test
    void roundTripsTrickyTextAndBinaryReplies() throws Exception {
        String tricky = "quote \" backslash \\ newline \n tab \t nul \u0000 bell \u0007 ünïcødé 😀 \u2028";
        RequestRecord text = RequestRecord.pending("id-\"1\"", T, "owner\\x").processing(2, T)
                .finished(Status.FAILED, new Reply(tricky.getBytes(StandardCharsets.UTF_8), "text/plain",
                        Map.of("x-h", tricky), 418), tricky, 7, T);
        byte[] json = RecordFormat.encode(text);
        new ObjectMapper().readTree(json); // valid JSON
        assertEquals(text, RecordFormat.decode(json));

        RequestRecord binary = RequestRecord.pending("b", T, null).finished(Status.COMPLETED,
                new Reply(new byte[] {(byte) 0xc3, 0x28, 0, -1}, "text/plain", Map.of(), null), null, 1, T);
        assertEquals(binary, RecordFormat.decode(RecordFormat.encode(binary)), "invalid UTF-8 goes as base64");

        RequestRecord pending = RequestRecord.pending("p", T, null);
        assertEquals(pending, RecordFormat.decode(RecordFormat.encode(pending)));
    }

    @Test
    void roundTripsAttributesAsTheExactTextGiven() throws Exception {
        RequestRecord record = RequestRecord.pending("a", T, "o", EntryFormatTest.ATTRIBUTES).processing(1, T)
                .finished(Status.COMPLETED, Reply.json("{}".getBytes(StandardCharsets.UTF_8)), null, 3, T);
        byte[] json = RecordFormat.encode(record);
        new ObjectMapper().readTree(json);
        assertEquals(record, RecordFormat.decode(json));
        assertEquals(EntryFormatTest.ATTRIBUTES, RecordFormat.decode(json).attributes());
    }

    @Test
    void readsRecordsOfEarlierVersionsWithoutAttributes() {
        String older = "{\"id\":\"x\",\"status\":\"PENDING\",\"submitted_at\":1700000000123,"
                + "\"updated_at\":1700000000123,\"attempts\":0,\"owner\":\"o\"}";
        assertEquals(RequestRecord.pending("x", T, "o"),
                RecordFormat.decode(older.getBytes(StandardCharsets.UTF_8)));
    }
}
