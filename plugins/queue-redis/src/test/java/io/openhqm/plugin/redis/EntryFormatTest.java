package io.openhqm.plugin.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void roundTripsEveryField() throws Exception {
        Instant at = Instant.ofEpochMilli(1_700_000_000_123L);
        Message m = new Message("id-1", new byte[] {0, (byte) 0xff, 7}, "application/octet-stream",
                Map.of("x-a", "1"), new MessageMetadata("svc", "PUT", "/p", "q=1", 7, Duration.ofMillis(1500), at,
                "pk", "idem"));
        List<AttemptFailure> history = List.of(new AttemptFailure(1, at, "boom"));
        EntryFormat.Decoded d = EntryFormat.decode("1-0", EntryFormat.encode(m, 2, history));
        assertEquals(m, d.message());
        assertEquals(2, d.attempt());
        assertEquals(history, d.history());
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
    }

    @Test
    void readsPythonOpenHqmEntries() throws Exception {
        String legacy = "{\"correlation_id\": \"abc\", \"payload\": {\"operation\": \"echo\", \"data\": \"hi\"},"
                + " \"headers\": {\"x-trace\": \"t1\"}, \"metadata\": {\"priority\": 5, \"timeout\": 2.5,"
                + " \"endpoint\": \"svc\", \"method\": \"POST\"}, \"submitted_at\": \"2024-01-02T03:04:05.123456\"}";
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
    }

    @Test
    void anEntryWithoutBodyOrPayloadIsNotAMessage() {
        assertThrows(EntryFormat.Undecodable.class, () -> EntryFormat.decode("1-0", Map.of("foo", b("bar"))));
    }
}
