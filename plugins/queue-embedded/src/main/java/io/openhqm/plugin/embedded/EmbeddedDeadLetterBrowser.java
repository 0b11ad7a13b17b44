package io.openhqm.plugin.embedded;

import io.openhqm.api.HqmException;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.DeadLetterEntry;
import io.openhqm.api.queue.DeadLetterFilter;
import io.openhqm.api.queue.DeadLetterPage;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The dead letters of one embedded queue: the rows of {@code dead_letters} with its dead-letter queue name, newest
 * first, and their count kept by the schema's triggers. A dead letter's id is its row id, which is also the cursor
 * of a listing (the last row id listed). Reads run on the database's reader threads; a redrive is one write
 * transaction that inserts the message into {@code messages} and deletes its row, so a crash leaves it in one place.
 * Thread-safe.
 */
final class EmbeddedDeadLetterBrowser implements DeadLetterBrowser {
    private static final String SELECT = "SELECT id, reason, history, dead_lettered_at_ns, " + MessageRows.COLUMNS
            + " FROM dead_letters WHERE queue = ?";
    private static final String NEWEST_SQL = SELECT + " ORDER BY id DESC LIMIT ?";
    /** A {@link DeadLetterFilter} with parameters 3 to 6: endpoint, error, since, until. */
    private static final String FILTER = " AND (?3 IS NULL OR endpoint = ?3)"
            + " AND (?4 IS NULL OR instr(lower(reason), lower(?4)) > 0)"
            + " AND (?5 IS NULL OR dead_lettered_at_ns >= ?5) AND (?6 IS NULL OR dead_lettered_at_ns < ?6)";
    private static final String LIST_SQL = SELECT + " AND (?2 IS NULL OR id < ?2)" + FILTER
            + " ORDER BY id DESC LIMIT ?7";
    private static final String PURGE_SQL = "DELETE FROM dead_letters WHERE queue = ?1 AND ?2 IS NULL" + FILTER;
    private static final String OLDEST_SQL = "SELECT dead_lettered_at_ns FROM dead_letters WHERE queue = ? "
            + "ORDER BY id LIMIT 1";
    private static final String TRIM_AGE_SQL = "DELETE FROM dead_letters WHERE queue = ? AND dead_lettered_at_ns < ?";
    private static final String TRIM_COUNT_SQL = "DELETE FROM dead_letters WHERE queue = ?1 AND id <= (SELECT id "
            + "FROM dead_letters WHERE queue = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)";
    private static final String GET_SQL = SELECT + " AND id = ?";
    private static final String REDRIVE_SQL = "INSERT INTO messages (queue, " + MessageRows.COLUMNS
            + ", visible_at) SELECT ?, " + MessageRows.COLUMNS + ", ? FROM dead_letters WHERE queue = ? AND id = ?";
    private static final String DELETE_SQL = "DELETE FROM dead_letters WHERE queue = ? AND id = ?";

    private final EmbeddedQueue queue;
    private final String deadLetterName;
    private final Clock clock;

    EmbeddedDeadLetterBrowser(EmbeddedQueue queue, String deadLetterName, Clock clock) {
        this.queue = queue;
        this.deadLetterName = deadLetterName;
        this.clock = clock;
    }

    @Override
    public List<DeadLetter> newest(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative, was " + limit);
        }
        return read("read dead letters", NEWEST_SQL, ps -> ps.setInt(2, limit)).stream()
                .map(DeadLetterEntry::letter).toList();
    }

    @Override
    public DeadLetterPage list(DeadLetterFilter filter, int limit, String cursor) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        Long after = cursor == null ? null : rowId(cursor);
        if (cursor != null && after == null) {
            throw HqmException.input("\"" + cursor + "\" is not a cursor of this dead-letter queue");
        }
        List<DeadLetterEntry> entries = read("list dead letters", LIST_SQL, ps -> {
            Columns.setLong(ps, 2, after);
            bindFilter(ps, filter);
            ps.setInt(7, limit + 1);
        });
        if (entries.size() <= limit) {
            return new DeadLetterPage(entries, null);
        }
        List<DeadLetterEntry> page = entries.subList(0, limit);
        return new DeadLetterPage(page, page.getLast().id());
    }

    @Override
    public Optional<DeadLetterEntry> get(String id) {
        Long row = rowId(id);
        if (row == null) {
            return Optional.empty();
        }
        return read("read a dead letter", GET_SQL, ps -> ps.setLong(2, row)).stream().findFirst();
    }

    @Override
    public boolean redrive(String id) {
        Long row = rowId(id);
        if (row == null) {
            return false;
        }
        queue.ensureOpen();
        boolean moved = EmbeddedDatabase.join(queue.database().write(s -> {
            PreparedStatement insert = s.prepare(REDRIVE_SQL);
            insert.setString(1, queue.name());
            insert.setLong(2, clock.millis());
            insert.setString(3, deadLetterName);
            insert.setLong(4, row);
            if (insert.executeUpdate() == 0) {
                return false;
            }
            return deleteRow(s, row);
        }));
        if (moved) {
            queue.signal().signalAll();
        }
        return moved;
    }

    @Override
    public boolean delete(String id) {
        Long row = rowId(id);
        if (row == null) {
            return false;
        }
        queue.ensureOpen();
        return EmbeddedDatabase.join(queue.database().write(s -> deleteRow(s, row)));
    }

    /** One {@code DELETE} with the listing's filter. */
    @Override
    public long purge(DeadLetterFilter filter) {
        queue.ensureOpen();
        return EmbeddedDatabase.join(queue.database().write(s -> {
            PreparedStatement delete = s.prepare(PURGE_SQL);
            delete.setString(1, deadLetterName);
            Columns.setLong(delete, 2, null);
            bindFilter(delete, filter);
            return (long) delete.executeUpdate();
        }));
    }

    /**
     * One write transaction: by age only when the oldest dead letter is too old (one indexed row read otherwise), by
     * count only when the kept counter exceeds {@code maxCount} (an indexed range delete).
     */
    @Override
    public long trim(Instant olderThan, long maxCount) {
        if (maxCount < 0) {
            throw new IllegalArgumentException("maxCount must not be negative, was " + maxCount);
        }
        Long cutoff = Columns.nanosOrNull(olderThan, "olderThan");
        boolean byCount = maxCount != Long.MAX_VALUE && count() > maxCount;
        queue.ensureOpen();
        return EmbeddedDatabase.join(queue.database().write(s -> {
            long removed = 0;
            if (cutoff != null && isOlder(s, cutoff)) {
                PreparedStatement delete = s.prepare(TRIM_AGE_SQL);
                delete.setString(1, deadLetterName);
                delete.setLong(2, cutoff);
                removed += delete.executeUpdate();
            }
            if (byCount) {
                PreparedStatement delete = s.prepare(TRIM_COUNT_SQL);
                delete.setString(1, deadLetterName);
                delete.setLong(2, maxCount);
                removed += delete.executeUpdate();
            }
            return removed;
        }));
    }

    private boolean isOlder(SqlSession s, long cutoff) throws SQLException {
        PreparedStatement oldest = s.prepare(OLDEST_SQL);
        oldest.setString(1, deadLetterName);
        try (ResultSet rs = oldest.executeQuery()) {
            return rs.next() && rs.getLong(1) < cutoff;
        }
    }

    private static void bindFilter(PreparedStatement ps, DeadLetterFilter filter) throws SQLException {
        Columns.setString(ps, 3, filter.endpoint());
        Columns.setString(ps, 4, filter.error());
        Columns.setLong(ps, 5, Columns.nanosOrNull(filter.since(), "since"));
        Columns.setLong(ps, 6, Columns.nanosOrNull(filter.until(), "until"));
    }

    @Override
    public long count() {
        queue.ensureOpen();
        return queue.count("dead_letters:" + deadLetterName);
    }

    private boolean deleteRow(SqlSession s, long row) throws SQLException {
        PreparedStatement delete = s.prepare(DELETE_SQL);
        delete.setString(1, deadLetterName);
        delete.setLong(2, row);
        return delete.executeUpdate() == 1;
    }

    private interface Binding {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Runs a query of {@link #SELECT}'s columns; its first parameter is the dead-letter queue's name. */
    private List<DeadLetterEntry> read(String action, String sql, Binding binding) {
        queue.ensureOpen();
        return EmbeddedDatabase.join(queue.database().read(s -> {
            PreparedStatement ps = s.prepare(sql);
            ps.setString(1, deadLetterName);
            binding.bind(ps);
            List<DeadLetterEntry> entries = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    entries.add(new DeadLetterEntry(Long.toString(rs.getLong(1)), new DeadLetter(
                            MessageRows.read(rs, 5), rs.getString(2), JsonColumns.decodeHistory(rs.getString(3)),
                            Columns.instant(rs.getLong(4)))));
                }
            }
            return entries;
        }, action));
    }

    /** The row id an id or cursor stands for, or {@code null} if it is not one. */
    private static Long rowId(String id) {
        if (id == null || id.isEmpty() || id.length() > 19 || !id.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
