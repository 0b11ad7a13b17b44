package io.openhqm.plugin.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    }

    @Test
    void attributesAreWrittenAsAJsonObjectAndReadBackAsTheExactTextGiven() throws Exception {
        Message m = new Message("id", b("{}"), "application/json", Map.of(), new MessageMetadata(null, null, null,
                null, 0, null, Instant.EPOCH, null, null, null, ATTRIBUTES));
        Map<String, byte[]> fields = EntryFormat.encode(m, 1, List.of());
        Map<String, Object> asJson = new ObjectMapper().readValue(fields.get("attributes"), Map.class);
        assertEquals("web \"app\" ü😀", asJson.get("client"));
        assertEquals(ATTRIBUTES, EntryFormat.decode("1-0", fields).message().metadata().attributes());
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
