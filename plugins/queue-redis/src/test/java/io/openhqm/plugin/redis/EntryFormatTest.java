package io.openhqm.plugin.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.AttemptFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EntryFormatTest {
    /** JSON values as a client may send them: not in Jackson's canonical form, which must not matter. */
    static final Map<String, String> ATTRIBUTES = Map.of("client", "\"web \\\"app\\\" ü😀\"", "big", "1e3",
            "price", "-0.50", "nested", "{ \"a\" : [1, 2] }", "flag", "true", "none", "null",
            "huge", "123456789012345678901234567890");

    /** Fields as the writers of 0.1 stored them: attributes hand-written, headers and history by Jackson. */
    private static final String OLD_HEADERS =
            "{\"h\":\"quote \\\" backslash \\\\ / nl \\n tab \\t cr \\r nul \\u0000 bs \\b ff \\f us \\u001F del "
            + "\u007f \u00fc \\uD83D\\uDE00 \u2028 \u2029 end\"}";
    private static final String OLD_ATTRIBUTES =
            "{\"k \\\"q\\\" \u00fc\ud83d\ude00\\u2028\\u0008\":\"v\"}";
    private static final String OLD_HISTORY =
            "[{\"attempt\":1,\"at\":\"2023-11-14T22:13:20.123Z\",\"error\":\"quote \\\" backslash \\\\ / nl \\n t"
            + "ab \\t cr \\r nul \\u0000 bs \\b ff \\f us \\u001F del \u007f \u00fc \\uD83D\\uDE00 \u2028 \u2029 en"
            + "d\"}]";

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void roundTripsEveryField() throws Exception {
        Instant at = Instant.ofEpochMilli(1_700_000_000_123L);
        Message m = new Message("id-1", new byte[] {0, (byte) 0xff, 7}, "application/octet-stream",
                Map.of("x-a", "1"), new MessageMetadata("svc", "PUT", "/p", "q=1", 7, Duration.ofMillis(1500), at,
                "pk", "idem", "owner-digest", ATTRIBUTES));
        List<AttemptFailure> history = List.of(new AttemptFailure(1, at, "boom"));
        EntryFormat.Decoded d = EntryFormat.decode("1-0", EntryFormat.encode(m, 2, history));
        assertEquals(m, d.message());
        assertEquals(2, d.attempt());
        assertEquals(history, d.history());
        assertTrue(d.handedBack());
    }

    @Test
    void aNewEntryHasNoAttemptFieldAndOneHandedBackAtItsFirstAttemptHasOne() throws Exception {
        Message m = new Message("id", b("{}"), "application/json", Map.of(), MessageMetadata.defaults(Instant.EPOCH));
        Map<String, byte[]> fresh = EntryFormat.encode(m);
        assertFalse(fresh.containsKey("attempt"));
        assertFalse(EntryFormat.decode("1-0", fresh).handedBack());
        assertFalse(EntryFormat.decode("1-0", Map.of("body", b("plain"))).handedBack());

        EntryFormat.Decoded deferred = EntryFormat.decode("1-0", EntryFormat.encode(m, 1, List.of()));
        assertEquals(1, deferred.attempt());
        assertTrue(deferred.handedBack());
    }

    @Test
    void attributesAreWrittenAsAJsonObjectAndReadBackAsTheExactTextGiven() throws Exception {
        Message m = new Message("id", b("{}"), "application/json", Map.of(), new MessageMetadata(null, null, null,
                null, 0, null, Instant.EPOCH, null, null, null, ATTRIBUTES));
        Map<String, byte[]> fields = EntryFormat.encode(m);
        Map<String, Object> asJson = new ObjectMapper().readValue(fields.get("attributes"), Map.class);
        assertEquals("web \"app\" ü😀", asJson.get("client"));
        assertEquals(ATTRIBUTES, EntryFormat.decode("1-0", fields).message().metadata().attributes());
    }

    @Test
    void readsAndWritesJsonFieldsExactlyAsBefore() throws Exception {
        Instant at = Instant.ofEpochMilli(1_700_000_000_123L);
        Message m = new Message("id", b("{}"), "application/json", Map.of("h", RecordFormatTest.TRICKY),
                new MessageMetadata(null, null, null, null, 0, null, Instant.EPOCH, null, null, null,
                        Map.of("k \"q\" ü😀\u2028\b", "\"v\"")));
        List<AttemptFailure> history = List.of(new AttemptFailure(1, at, RecordFormatTest.TRICKY));
        Map<String, byte[]> fields = EntryFormat.encode(m, 2, history);
        assertEquals(OLD_HEADERS, new String(fields.get("headers"), StandardCharsets.UTF_8));
        assertEquals(OLD_ATTRIBUTES, new String(fields.get("attributes"), StandardCharsets.UTF_8));
        assertEquals(OLD_HISTORY, new String(fields.get("history"), StandardCharsets.UTF_8));

        Map<String, byte[]> old = Map.of("body", b("{}"), "correlation_id", b("id"), "submitted_at", b("0"),
                "attempt", b("2"), "headers", b(OLD_HEADERS), "attributes", b(OLD_ATTRIBUTES), "history", b(OLD_HISTORY));
        EntryFormat.Decoded d = EntryFormat.decode("1-0", old);
        assertEquals(m, d.message());
        assertEquals(history, d.history());
        assertEquals(Map.of(), EntryFormat.decode("1-0", Map.of("body", b(""), "headers", b("{}"),
                "attributes", b("{}"), "history", b("[]"))).message().headers());
    }

    @Test
    void readsPythonOpenHqmEntriesWithEscapesEmptyAndNullFields() throws Exception {
        String legacy = "{\"correlation_id\": \"c\\\"1\", \"payload\": {\"data\": \"q\\\" b\\\\ \\n \\u0000 \\u00fc"
                + " \\ud83d\\ude00\", \"list\": [], \"obj\": {}, \"none\": null}, \"headers\": null,"
                + " \"metadata\": {\"priority\": null, \"endpoint\": null, \"trace\": null, \"tags\": []},"
                + " \"submitted_at\": null}";
        EntryFormat.Decoded d = EntryFormat.decode("1700000000000-0", Map.of("payload", b(legacy)));
        Message m = d.message();
        assertEquals("c\"1", m.correlationId());
        assertEquals("{\"data\":\"q\\\" b\\\\ \\n \\u0000 ü \\uD83D\\uDE00\",\"list\":[],\"obj\":{},\"none\":null}",
                m.bodyAsString());
        assertEquals(Map.of(), m.headers());
        assertEquals(0, m.metadata().priority());
        assertNull(m.metadata().endpoint());
        assertEquals(Map.of("trace", "null", "tags", "[]"), m.metadata().attributes());
        assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), m.metadata().submittedAt());
    }

    @Test
    void anEntryOfAnEarlierVersionHasNoOwnerAndNoAttributes() throws Exception {
        Map<String, byte[]> older = Map.of("body", b("{}"), "correlation_id", b("old"), "submitted_at", b("1"));
        MessageMetadata metadata = EntryFormat.decode("1-0", older).message().metadata();
        assertNull(metadata.owner());
        assertEquals(Map.of(), metadata.attributes());
    }

    @Test
    void anExternalProducerMayGiveAttributes() throws Exception {
        Map<String, byte[]> external = Map.of("body", b("{}"), "attributes", b("{\"tenant\": \"t1\", \"n\":2}"));
        assertEquals(Map.of("tenant", "\"t1\"", "n", "2"),
                EntryFormat.decode("1-0", external).message().metadata().attributes());
    }

    @Test
    void aPlainBodyEntryGetsDefaultsAndTheEntryIdAsCorrelationId() throws Exception {
        EntryFormat.Decoded d = EntryFormat.decode("1700000000000-5", Map.of("body", b("{\"x\":1}")));
        assertEquals("1700000000000-5", d.message().correlationId());
        assertEquals("{\"x\":1}", d.message().bodyAsString());
        assertEquals("application/json", d.message().contentType());
        assertEquals(Instant.ofEpochMilli(1_700_000_000_000L), d.message().metadata().submittedAt());
        assertEquals(1, d.attempt());
        assertNull(d.message().metadata().timeout());
        assertNull(d.message().metadata().owner());
        assertEquals(Map.of(), d.message().metadata().attributes());
    }

    @Test
    void readsPythonOpenHqmEntries() throws Exception {
        String legacy = "{\"correlation_id\": \"abc\", \"payload\": {\"operation\": \"echo\", \"data\": \"hi\"},"
                + " \"headers\": {\"x-trace\": \"t1\"}, \"metadata\": {\"priority\": 5, \"timeout\": 2.5,"
                + " \"endpoint\": \"svc\", \"method\": \"POST\", \"source\": \"web-app\"}, \"submitted_at\": \"2024-01-02T03:04:05.123456\"}";
        EntryFormat.Decoded d = EntryFormat.decode("1-0", Map.of("payload", b(legacy)));
        Message m = d.message();
        assertEquals("abc", m.correlationId());
        assertEquals("{\"operation\":\"echo\",\"data\":\"hi\"}", m.bodyAsString());
        assertEquals(Map.of("x-trace", "t1"), m.headers());
        assertEquals(5, m.metadata().priority());
        assertEquals(Duration.ofMillis(2500), m.metadata().timeout());
        assertEquals("svc", m.metadata().endpoint());
        assertEquals("POST", m.metadata().method());
        assertEquals(Instant.parse("2024-01-02T03:04:05.123456Z"), m.metadata().submittedAt());
        assertEquals(Map.of("source", "\"web-app\""), m.metadata().attributes(), "undefined metadata fields");
    }

    @Test
    void anEntryWithoutBodyOrPayloadIsNotAMessage() {
        assertThrows(EntryFormat.Undecodable.class, () -> EntryFormat.decode("1-0", Map.of("foo", b("bar"))));
    }
}
