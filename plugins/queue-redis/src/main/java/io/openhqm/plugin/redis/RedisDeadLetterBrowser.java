package io.openhqm.plugin.redis;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XTrimArgs;
import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.DeadLetterEntry;
import io.openhqm.api.queue.DeadLetterFilter;
import io.openhqm.api.queue.DeadLetterPage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The dead letters of one worker pool: its dead-letter stream ({@link PoolKeys#deadLetterStream()}), read newest
 * first with {@code XREVRANGE} and counted with {@code XLEN}. An entry that no longer decodes is listed with an
 * empty body under its source id. A dead letter's id is its entry id, which is also the cursor of a listing (the last
 * entry examined). A listing filters while it scans, in batches, and returns a shorter page with a cursor once it has
 * examined {@value #SCAN_BOUND} entries, so one request never reads an unbounded stream. A redrive is one script
 * ({@code redrive.lua}): the message is added to the pool's retry stream and the entry deleted atomically. A purge of
 * all is one {@code XTRIM MAXLEN 0}, a filtered one deletes each listed page with one {@code XDEL}; a trim is
 * {@code XTRIM MINID} (entry ids are the Redis server's milliseconds when the message was dead-lettered) and
 * {@code XTRIM MAXLEN}. Thread-safe.
 */
final class RedisDeadLetterBrowser implements DeadLetterBrowser {
    static final int SCAN_BOUND = 10_000;
    private static final int BATCH = 200;
    /** How much earlier than its entry id a dead letter's own time may be (the two clocks of client and server). */
    private static final long CLOCK_SLACK_MS = 60_000;
    private static final Pattern ENTRY_ID = Pattern.compile("\\d{1,19}-\\d{1,19}");

    private final RedisBackend backend;
    private final String stream;
    private final String retryStream;

    RedisDeadLetterBrowser(RedisBackend backend, PoolKeys keys) {
        this.backend = backend;
        this.stream = keys.deadLetterStream();
        this.retryStream = keys.retryStream();
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
    public DeadLetterPage list(DeadLetterFilter filter, int limit, String cursor) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        if (cursor != null && !ENTRY_ID.matcher(cursor).matches()) {
            throw HqmException.input("\"" + cursor + "\" is not a cursor of this dead-letter queue");
        }
        long oldest = filter.since() == null ? Long.MIN_VALUE : filter.since().toEpochMilli() - CLOCK_SLACK_MS;
        List<DeadLetterEntry> page = new ArrayList<>();
        String end = cursor == null ? "+" : "(" + cursor;
        int examined = 0;
        while (true) {
            List<StreamMessage<String, byte[]>> batch = backend.await(backend.redis().xrevrange(stream,
                    Range.create("-", end), Limit.from(BATCH)), "reading the dead-letter queue");
            for (StreamMessage<String, byte[]> entry : batch) {
                examined++;
                if (EntryFormat.entryTime(entry.getId()).toEpochMilli() < oldest) {
                    return new DeadLetterPage(page, null);
                }
                DeadLetter letter = decode(entry);
                if (filter.matches(letter)) {
                    if (page.size() == limit) {
                        return new DeadLetterPage(page, page.getLast().id());
                    }
                    page.add(new DeadLetterEntry(entry.getId(), letter));
                }
                if (examined >= SCAN_BOUND) {
                    return new DeadLetterPage(page, entry.getId());
                }
            }
            if (batch.size() < BATCH) {
                return new DeadLetterPage(page, null);
            }
            end = "(" + batch.getLast().getId();
        }
    }

    @Override
    public Optional<DeadLetterEntry> get(String id) {
        if (id == null || !ENTRY_ID.matcher(id).matches()) {
            return Optional.empty();
        }
        List<StreamMessage<String, byte[]>> entries = backend.await(backend.redis().xrange(stream,
                Range.create(id, id), Limit.from(1)), "reading a dead letter");
        return entries.stream().findFirst().map(entry -> new DeadLetterEntry(entry.getId(), decode(entry)));
    }

    @Override
    public boolean redrive(String id) {
        if (id == null || !ENTRY_ID.matcher(id).matches()) {
            return false;
        }
        Long moved = backend.await(Script.REDRIVE.<Long>run(backend.redis(), ScriptOutputType.INTEGER,
                new String[] {stream, retryStream}, RedisQueue.utf8(id)), "redriving a dead letter");
        return moved == 1L;
    }

    @Override
    public boolean delete(String id) {
        if (id == null || !ENTRY_ID.matcher(id).matches()) {
            return false;
        }
        return backend.await(backend.redis().xdel(stream, id), "deleting a dead letter") == 1L;
    }

    @Override
    public long purge(DeadLetterFilter filter) {
        if (filter.equals(DeadLetterFilter.ALL)) {
            return backend.await(backend.redis().xtrim(stream, XTrimArgs.Builder.maxlen(0)),
                    "purging the dead-letter queue");
        }
        long removed = 0;
        String cursor = null;
        do {
            DeadLetterPage page = list(filter, BATCH, cursor);
            if (!page.entries().isEmpty()) {
                removed += backend.await(backend.redis().xdel(stream, page.entries().stream()
                        .map(DeadLetterEntry::id).toArray(String[]::new)), "purging dead letters");
            }
            cursor = page.nextCursor();
        } while (cursor != null);
        return removed;
    }

    @Override
    public long trim(Instant olderThan, long maxCount) {
        if (maxCount < 0) {
            throw new IllegalArgumentException("maxCount must not be negative, was " + maxCount);
        }
        long removed = 0;
        if (olderThan != null) {
            removed += backend.await(backend.redis().xtrim(stream, XTrimArgs.Builder.minId(
                    Math.max(0, olderThan.toEpochMilli()) + "-0")), "trimming the dead-letter queue by age");
        }
        if (maxCount != Long.MAX_VALUE) {
            removed += backend.await(backend.redis().xtrim(stream, XTrimArgs.Builder.maxlen(maxCount)),
                    "trimming the dead-letter queue by count");
        }
        return removed;
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
