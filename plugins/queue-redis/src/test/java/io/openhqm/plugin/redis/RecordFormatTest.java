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
