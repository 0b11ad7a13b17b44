package io.openhqm.plugin.embedded;

import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.DeadLetterBrowser;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The dead letters of one embedded queue: the rows of {@code dead_letters} with its dead-letter queue name, newest
 * first, and their count kept by the schema's triggers. Reads run on the database's reader threads. Thread-safe.
 */
final class EmbeddedDeadLetterBrowser implements DeadLetterBrowser {
    private static final String NEWEST_SQL = "SELECT reason, history, dead_lettered_at_ns, " + MessageRows.COLUMNS
            + " FROM dead_letters WHERE queue = ? ORDER BY id DESC LIMIT ?";

    private final EmbeddedQueue queue;
    private final String deadLetterName;

    EmbeddedDeadLetterBrowser(EmbeddedQueue queue, String deadLetterName) {
        this.queue = queue;
        this.deadLetterName = deadLetterName;
    }

    @Override
    public List<DeadLetter> newest(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, was " + limit);
        }
        queue.ensureOpen();
        return EmbeddedDatabase.join(queue.database().read(s -> {
            PreparedStatement ps = s.prepare(NEWEST_SQL);
            ps.setString(1, deadLetterName);
            ps.setInt(2, limit);
            List<DeadLetter> letters = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    letters.add(new DeadLetter(MessageRows.read(rs, 4), rs.getString(1),
                            JsonColumns.decodeHistory(rs.getString(2)), Columns.instant(rs.getLong(3))));
                }
            }
            return letters;
        }, "read dead letters"));
    }

    @Override
    public long count() {
        queue.ensureOpen();
        return queue.count("dead_letters:" + deadLetterName);
    }
}
