package io.openhqm.plugin.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.AttemptFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class RecordFormatTest {

    private static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value, Headers headers) {
        return new ConsumerRecord<>("events", 2, 41, 1_700_000_000_123L, TimestampType.CREATE_TIME, -1, -1, key,
                value, headers, Optional.empty());
    }

    @Test
    void aMessageSurvivesTheRoundTripWithItsRetryBookkeeping() {
        Message message = new Message("c-1", "hi".getBytes(StandardCharsets.UTF_8), "text/plain",
                Map.of("x-a", "1"), new MessageMetadata("ep", "POST", "/p", "q=1", 3, Duration.ofMillis(1500),
                        Instant.ofEpochMilli(42), "k", "idem", "own", Map.of("n", "1")));
        List<AttemptFailure> history = List.of(new AttemptFailure(1, Instant.ofEpochMilli(7), "HTTP 503: busy now"));
        Headers headers = RecordFormat.encodeRetry(message, 2, history, 99,
                new RecordFormat.Source("events", 0, 5));
        RecordFormat.Decoded decoded = RecordFormat.decode(record("k".getBytes(StandardCharsets.UTF_8),
                message.body(), headers));
        assertEquals(message, decoded.message());
        assertEquals(2, decoded.attempt());
        assertEquals(history, decoded.history());
        assertEquals(99, decoded.dueAtMs());
        assertEquals(new RecordFormat.Source("events", 0, 5), decoded.source());
    }

    @Test
    void aPlainRecordGetsDefaults() {
        Headers headers = new org.apache.kafka.common.header.internals.RecordHeaders();
        headers.add("Trace-Id", "t".getBytes(StandardCharsets.UTF_8));
        RecordFormat.Decoded decoded = RecordFormat.decode(record(null, "[1, 2]".getBytes(StandardCharsets.UTF_8),
                headers));
        Message message = decoded.message();
        assertEquals("events-2-41", message.correlationId());
        assertEquals("application/json", message.contentType());
        assertEquals(Map.of("trace-id", "t"), message.headers());
        assertEquals(Instant.ofEpochMilli(1_700_000_000_123L), message.metadata().submittedAt());
        assertEquals(1, decoded.attempt());
        assertEquals(0, decoded.dueAtMs());
        assertEquals(new RecordFormat.Source("events", 2, 41), decoded.source());
        assertEquals("application/octet-stream",
                RecordFormat.decode(record(null, null, headers)).message().contentType());
    }

    @Test
    void jsonDetection() {
        assertTrue(RecordFormat.isJson("{\"a\":[1,2,{}]}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(RecordFormat.isJson(" \"text\" ".getBytes(StandardCharsets.UTF_8)));
        assertFalse(RecordFormat.isJson("{\"a\":1} trailing".getBytes(StandardCharsets.UTF_8)));
        assertFalse(RecordFormat.isJson("plain words".getBytes(StandardCharsets.UTF_8)));
        assertFalse(RecordFormat.isJson(new byte[] {(byte) 0xff, 0x00}));
    }
}
