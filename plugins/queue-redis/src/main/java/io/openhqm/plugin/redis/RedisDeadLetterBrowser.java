package io.openhqm.plugin.redis;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.DeadLetterBrowser;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The dead letters of one worker pool: its dead-letter stream ({@link PoolKeys#deadLetterStream()}), read newest
 * first with {@code XREVRANGE} and counted with {@code XLEN}. An entry that no longer decodes is listed with an
 * empty body under its source id. Thread-safe.
 */
final class RedisDeadLetterBrowser implements DeadLetterBrowser {
    private final RedisBackend backend;
    private final String stream;

    RedisDeadLetterBrowser(RedisBackend backend, PoolKeys keys) {
        this.backend = backend;
        this.stream = keys.deadLetterStream();
    }

    @Override
    public List<DeadLetter> newest(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, was " + limit);
        }
        if (limit == 0) {
            return List.of();
        }
        List<StreamMessage<String, byte[]>> entries = backend.await(backend.redis().xrevrange(stream,
                Range.create("-", "+"), Limit.from(limit)), "reading the dead-letter queue");
        List<DeadLetter> out = new ArrayList<>(entries.size());
        for (StreamMessage<String, byte[]> entry : entries) {
            out.add(decode(entry));
        }
        return out;
    }

    @Override
    public long count() {
        return backend.await(backend.redis().xlen(stream), "reading the dead-letter queue length");
    }

    private static DeadLetter decode(StreamMessage<String, byte[]> entry) {
        Map<String, byte[]> f = entry.getBody();
        String reason = text(f.get("dlq_reason"), "unknown");
        Instant at = f.containsKey("dlq_at") ? Instant.ofEpochMilli(Long.parseLong(text(f.get("dlq_at"), "0")))
                : EntryFormat.entryTime(entry.getId());
        String sourceId = text(f.get("dlq_source_id"), entry.getId());
        Message message;
        List<AttemptFailure> history;
        try {
            EntryFormat.Decoded decoded = EntryFormat.decode(sourceId, f);
            message = decoded.message();
            history = decoded.history();
        } catch (EntryFormat.Undecodable e) {
            message = new Message(sourceId, new byte[0], "application/octet-stream", Map.of(),
                    MessageMetadata.defaults(at));
            history = List.of();
        }
        return new DeadLetter(message, reason, history, at);
    }

    private static String text(byte[] bytes, String fallback) {
        return bytes == null ? fallback : new String(bytes, StandardCharsets.UTF_8);
    }
}
