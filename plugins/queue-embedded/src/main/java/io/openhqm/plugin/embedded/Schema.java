package io.openhqm.plugin.embedded;

import io.openhqm.api.HqmException;
import java.sql.SQLException;
import java.util.List;

/**
 * The database schema, version {@value #VERSION} ({@code PRAGMA user_version}). Instants a user sees are
 * epoch nanoseconds ({@code *_ns}); scheduling times are epoch milliseconds.
 */
final class Schema {
    static final int VERSION = 2;

    private static final List<String> DDL = List.of(
            // One row per message not yet settled. visible_at is when the row may be leased next: its due
            // time while waiting (now, or later for a retry), its lease expiry while leased.
            """
            CREATE TABLE IF NOT EXISTS messages (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              queue TEXT NOT NULL,
            """ + MessageRows.COLUMN_DEFINITIONS + """
              attempt INTEGER NOT NULL DEFAULT 0,
              history TEXT NOT NULL DEFAULT '[]',
              visible_at INTEGER NOT NULL,
              lease_owner TEXT,
              lease_id INTEGER
            )""",
            // Leasing scans this in delivery order and filters visible_at inside the index.
            "CREATE INDEX IF NOT EXISTS messages_ready ON messages (queue, priority DESC, seq, visible_at)",
            // MIN(visible_at): when the next message becomes due.
            "CREATE INDEX IF NOT EXISTS messages_visible ON messages (queue, visible_at)",
            """
            CREATE TABLE IF NOT EXISTS dead_letters (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              queue TEXT NOT NULL,
              source_queue TEXT NOT NULL,
            """ + MessageRows.COLUMN_DEFINITIONS + """
              attempt INTEGER NOT NULL,
              history TEXT NOT NULL,
              reason TEXT NOT NULL,
              dead_lettered_at_ns INTEGER NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS dead_letters_queue ON dead_letters (queue, id)",
            // Row counts kept by triggers, so depth() and deadLetterCount() are one-row reads.
            "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID",
            """
            CREATE TRIGGER IF NOT EXISTS messages_counted AFTER INSERT ON messages BEGIN
              INSERT INTO counters (name, n) VALUES ('messages:' || NEW.queue, 1)
                ON CONFLICT (name) DO UPDATE SET n = n + 1;
            END""",
            """
            CREATE TRIGGER IF NOT EXISTS messages_uncounted AFTER DELETE ON messages BEGIN
              UPDATE counters SET n = n - 1 WHERE name = 'messages:' || OLD.queue;
            END""",
            """
            CREATE TRIGGER IF NOT EXISTS dead_letters_counted AFTER INSERT ON dead_letters BEGIN
              INSERT INTO counters (name, n) VALUES ('dead_letters:' || NEW.queue, 1)
                ON CONFLICT (name) DO UPDATE SET n = n + 1;
            END""",
            """
            CREATE TRIGGER IF NOT EXISTS dead_letters_uncounted AFTER DELETE ON dead_letters BEGIN
              UPDATE counters SET n = n - 1 WHERE name = 'dead_letters:' || OLD.queue;
            END""",
            """
            CREATE TABLE IF NOT EXISTS results (
              correlation_id TEXT PRIMARY KEY,
              status TEXT NOT NULL,
              submitted_at_ns INTEGER NOT NULL,
              updated_at_ns INTEGER NOT NULL,
              attempts INTEGER NOT NULL,
              owner TEXT,
              reply_body BLOB,
              reply_content_type TEXT,
              reply_headers TEXT,
              reply_status_code INTEGER,
              error TEXT,
              processing_time_ms INTEGER,
              completed_at_ns INTEGER,
              expires_at INTEGER NOT NULL,
              attributes TEXT NOT NULL DEFAULT '{}',
              started_at_ns INTEGER
            )""",
            "CREATE INDEX IF NOT EXISTS results_expiry ON results (expires_at)",
            """
            CREATE TABLE IF NOT EXISTS idempotency_keys (
              key TEXT PRIMARY KEY,
              fingerprint TEXT NOT NULL,
              correlation_id TEXT NOT NULL,
              expires_at INTEGER NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS idempotency_keys_expiry ON idempotency_keys (expires_at)");

    /** Version 2 (SPI 1.1): the message's owner and attributes, and the record's attributes and start. */
    private static final List<String> FROM_1_TO_2 = List.of(
            "ALTER TABLE messages ADD COLUMN owner TEXT",
            "ALTER TABLE messages ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}'",
            "ALTER TABLE dead_letters ADD COLUMN owner TEXT",
            "ALTER TABLE dead_letters ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}'",
            "ALTER TABLE results ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}'",
            "ALTER TABLE results ADD COLUMN started_at_ns INTEGER");

    private Schema() {
    }

    /**
     * Creates the schema, or migrates one written by an earlier version (its tables exist, so the
     * {@code CREATE ... IF NOT EXISTS} statements leave them as they are); run inside a write transaction.
     */
    static void apply(SqlSession session, String database, String block) throws SQLException {
        int version = Integer.parseInt(session.queryString("PRAGMA user_version"));
        if (version > VERSION) {
            throw HqmException.config(database + " has schema version " + version
                    + ", written by a newer OpenHQM; this version understands schema " + VERSION
                    + " (use a newer OpenHQM or another " + block + ".path)");
        }
        for (String statement : DDL) {
            session.execute(statement);
        }
        if (version == 1) {
            for (String statement : FROM_1_TO_2) {
                session.execute(statement);
            }
        }
        if (version < VERSION) {
            session.execute("PRAGMA user_version = " + VERSION);
        }
    }
}
