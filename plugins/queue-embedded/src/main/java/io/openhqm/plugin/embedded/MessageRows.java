package io.openhqm.plugin.embedded;

import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps a {@link Message} to the columns shared by the {@code messages} and {@code dead_letters} tables. */
final class MessageRows {
    private static final Logger LOG = LoggerFactory.getLogger(MessageRows.class);

    /** The message's columns, in binding and reading order. */
    static final String COLUMNS = "correlation_id, body, content_type, headers, endpoint, method, path, query, "
            + "priority, timeout_ns, submitted_at_ns, partition_key, idempotency_key, owner, attributes";
    static final int COLUMN_COUNT = 15;
    /** The table definitions of {@link #COLUMNS}, in the same order, for both tables. */
    static final String COLUMN_DEFINITIONS = """
              correlation_id TEXT NOT NULL,
              body BLOB NOT NULL,
              content_type TEXT NOT NULL,
              headers TEXT NOT NULL,
              endpoint TEXT,
              method TEXT,
              path TEXT,
              query TEXT,
              priority INTEGER NOT NULL,
              timeout_ns INTEGER,
              submitted_at_ns INTEGER NOT NULL,
              partition_key TEXT,
              idempotency_key TEXT,
              owner TEXT,
              attributes TEXT NOT NULL DEFAULT '{}',
            """;
    static final String PLACEHOLDERS = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

    /** A message converted in the caller's thread, so bad values fail there and not in the writer. */
    record Encoded(Message message, String headers, Long timeoutNanos, long submittedAtNanos, String attributes) {
    }

    private MessageRows() {
    }

    static Encoded encode(Message message) {
        MessageMetadata m = message.metadata();
        return new Encoded(message, JsonColumns.encodeStrings(message.headers()),
                Columns.nanosOrNull(m.timeout(), "metadata.timeout"),
                Columns.nanos(m.submittedAt(), "metadata.submittedAt"), JsonColumns.encodeStrings(m.attributes()));
    }

    static void bind(PreparedStatement ps, int first, Encoded encoded) throws SQLException {
        Message message = encoded.message();
        MessageMetadata m = message.metadata();
        int i = first;
        ps.setString(i++, message.correlationId());
        ps.setBytes(i++, message.body());
        ps.setString(i++, message.contentType());
        ps.setString(i++, encoded.headers());
        Columns.setString(ps, i++, m.endpoint());
        Columns.setString(ps, i++, m.method());
        Columns.setString(ps, i++, m.path());
        Columns.setString(ps, i++, m.query());
        ps.setInt(i++, m.priority());
        Columns.setLong(ps, i++, encoded.timeoutNanos());
        ps.setLong(i++, encoded.submittedAtNanos());
        Columns.setString(ps, i++, m.partitionKey());
        Columns.setString(ps, i++, m.idempotencyKey());
        Columns.setString(ps, i++, m.owner());
        ps.setString(i, encoded.attributes());
    }

    static Message read(ResultSet rs, int first) throws SQLException {
        int i = first;
        String correlationId = rs.getString(i++);
        byte[] body = Columns.getBytes(rs, i++);
        String contentType = rs.getString(i++);
        String headers = rs.getString(i++);
        String endpoint = rs.getString(i++);
        String method = rs.getString(i++);
        String path = rs.getString(i++);
        String query = rs.getString(i++);
        int priority = rs.getInt(i++);
        Long timeoutNanos = Columns.getLong(rs, i++);
        long submittedAt = rs.getLong(i++);
        String partitionKey = rs.getString(i++);
        String idempotencyKey = rs.getString(i++);
        String owner = rs.getString(i++);
        String attributes = rs.getString(i);
        try {
            return new Message(correlationId, body, contentType, JsonColumns.decodeStrings(headers),
                    new MessageMetadata(endpoint, method, path, query, priority,
                            timeoutNanos == null ? null : Duration.ofNanos(timeoutNanos),
                            Columns.instant(submittedAt), partitionKey, idempotencyKey, owner,
                            JsonColumns.decodeStrings(attributes)));
        } catch (IllegalArgumentException | NullPointerException e) {
            LOG.error("stored message {} is malformed", correlationId, e);
            throw HqmException.internal("stored message " + correlationId + " is malformed ("
                    + SqliteErrors.SEE_LOG + ")", e);
        }
    }
}
