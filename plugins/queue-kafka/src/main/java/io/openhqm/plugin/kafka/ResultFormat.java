package io.openhqm.plugin.kafka;

import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.Reply;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The values of the results topic: a {@link RequestRecord} or an {@link IdempotencyClaim} in a compact binary form
 * ({@link DataOutputStream}: a version byte, then the fields in a fixed order, optional ones behind a presence flag).
 * Only this plugin reads them. Stateless and thread-safe.
 */
final class ResultFormat {
    private static final int VERSION = 1;

    private ResultFormat() {
    }

    static byte[] encode(RequestRecord r) {
        return write(64 + (r.reply() == null ? 0 : r.reply().body().length + 32), out -> {
            writeText(out, r.correlationId());
            out.writeByte(r.status().ordinal());
            out.writeLong(r.submittedAt().toEpochMilli());
            out.writeLong(r.updatedAt().toEpochMilli());
            out.writeInt(r.attempts());
            writeOptional(out, r.owner());
            out.writeBoolean(r.reply() != null);
            if (r.reply() != null) {
                Reply reply = r.reply();
                out.writeInt(reply.body().length);
                out.write(reply.body());
                writeText(out, reply.contentType());
                writeMap(out, reply.headers());
                out.writeInt(reply.statusCode() == null ? -1 : reply.statusCode());
            }
            writeOptional(out, r.error());
            out.writeLong(r.processingTimeMs() == null ? -1 : r.processingTimeMs());
            out.writeLong(r.completedAt() == null ? -1 : r.completedAt().toEpochMilli());
            writeMap(out, r.attributes());
            out.writeLong(r.startedAt() == null ? -1 : r.startedAt().toEpochMilli());
        });
    }

    /**
     * {@code r} as {@link #decode} gives it back after {@link #encode}: the same fields, its instants in whole
     * milliseconds.
     */
    static RequestRecord asStored(RequestRecord r) {
        Reply reply = r.reply();
        if (reply != null && reply.statusCode() != null && reply.statusCode() < 0) {
            reply = new Reply(reply.body(), reply.contentType(), reply.headers(), null);
        }
        Long processing = r.processingTimeMs() != null && r.processingTimeMs() < 0 ? null : r.processingTimeMs();
        return new RequestRecord(r.correlationId(), r.status(), millis(r.submittedAt()), millis(r.updatedAt()),
                r.attempts(), r.owner(), reply, r.error(), processing, millis(r.completedAt()), r.attributes(),
                millis(r.startedAt()));
    }

    private static Instant millis(Instant instant) {
        return instant == null || instant.getNano() % 1_000_000 == 0 ? instant
                : Instant.ofEpochMilli(instant.toEpochMilli());
    }

    static RequestRecord decode(byte[] bytes) {
        try (DataInputStream in = open(bytes)) {
            String id = readText(in);
            Status status = Status.values()[in.readByte()];
            Instant submitted = Instant.ofEpochMilli(in.readLong());
            Instant updated = Instant.ofEpochMilli(in.readLong());
            int attempts = in.readInt();
            String owner = readOptional(in);
            Reply reply = null;
            if (in.readBoolean()) {
                byte[] body = in.readNBytes(in.readInt());
                String contentType = readText(in);
                Map<String, String> headers = readMap(in);
                int code = in.readInt();
                reply = new Reply(body, contentType, headers, code < 0 ? null : code);
            }
            String error = readOptional(in);
            long processing = in.readLong();
            long completed = in.readLong();
            Map<String, String> attributes = readMap(in);
            long started = in.readLong();
            return new RequestRecord(id, status, submitted, updated, attempts, owner, reply, error,
                    processing < 0 ? null : processing, completed < 0 ? null : Instant.ofEpochMilli(completed),
                    attributes, started < 0 ? null : Instant.ofEpochMilli(started));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("unreadable result record: " + e, e);
        }
    }

    static byte[] encodeClaim(IdempotencyClaim claim) {
        return write(64, out -> {
            writeText(out, claim.fingerprint());
            writeText(out, claim.correlationId());
        });
    }

    static IdempotencyClaim decodeClaim(String key, byte[] bytes) {
        try (DataInputStream in = open(bytes)) {
            return new IdempotencyClaim(key, readText(in), readText(in));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("unreadable idempotency claim: " + e, e);
        }
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(int size, Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(size);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static DataInputStream open(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        int version = in.readByte();
        if (version != VERSION) {
            throw new IOException("format version " + version + " is not " + VERSION);
        }
        return in;
    }

    /** UTF-8 with an int length ({@code writeUTF} stops at 64 KiB). */
    private static void writeText(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readText(DataInputStream in) throws IOException {
        return new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
    }

    private static void writeOptional(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            writeText(out, value);
        }
    }

    private static String readOptional(DataInputStream in) throws IOException {
        return in.readBoolean() ? readText(in) : null;
    }

    private static void writeMap(DataOutputStream out, Map<String, String> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            writeText(out, e.getKey());
            writeText(out, e.getValue());
        }
    }

    private static Map<String, String> readMap(DataInputStream in) throws IOException {
        int size = in.readInt();
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            map.put(readText(in), readText(in));
        }
        return map;
    }
}
