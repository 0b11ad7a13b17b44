-- The schema as OpenHQM 0.1 (SPI 1.0) wrote it, PRAGMA user_version = 1, with one row in each table.
CREATE TABLE messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
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
  attempt INTEGER NOT NULL DEFAULT 0,
  history TEXT NOT NULL DEFAULT '[]',
  visible_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_id INTEGER
);
CREATE INDEX messages_ready ON messages (queue, priority DESC, seq, visible_at);
CREATE INDEX messages_visible ON messages (queue, visible_at);
CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  source_queue TEXT NOT NULL,
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
  attempt INTEGER NOT NULL,
  history TEXT NOT NULL,
  reason TEXT NOT NULL,
  dead_lettered_at_ns INTEGER NOT NULL
);
CREATE INDEX dead_letters_queue ON dead_letters (queue, id);
CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TRIGGER messages_counted AFTER INSERT ON messages BEGIN
  INSERT INTO counters (name, n) VALUES ('messages:' || NEW.queue, 1)
    ON CONFLICT (name) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER messages_uncounted AFTER DELETE ON messages BEGIN
  UPDATE counters SET n = n - 1 WHERE name = 'messages:' || OLD.queue;
END;
CREATE TRIGGER dead_letters_counted AFTER INSERT ON dead_letters BEGIN
  INSERT INTO counters (name, n) VALUES ('dead_letters:' || NEW.queue, 1)
    ON CONFLICT (name) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER dead_letters_uncounted AFTER DELETE ON dead_letters BEGIN
  UPDATE counters SET n = n - 1 WHERE name = 'dead_letters:' || OLD.queue;
END;
CREATE TABLE results (
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
  expires_at INTEGER NOT NULL
);
CREATE INDEX results_expiry ON results (expires_at);
CREATE TABLE idempotency_keys (
  key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
PRAGMA user_version = 1;

INSERT INTO messages (queue, correlation_id, body, content_type, headers, priority, submitted_at_ns, visible_at)
  VALUES ('openhqm-requests', 'old-message', X'7B7D', 'application/json', '{"x-old":"1"}', 3,
          1700000000000000000, 0);
INSERT INTO dead_letters (queue, source_queue, correlation_id, body, content_type, headers, priority,
                          submitted_at_ns, attempt, history, reason, dead_lettered_at_ns)
  VALUES ('openhqm-dlq', 'openhqm-requests', 'old-dead', X'', 'text/plain', '{}', 0, 1700000000000000000, 4,
          '[]', 'max retries exceeded', 1700000001000000000);
INSERT INTO results (correlation_id, status, submitted_at_ns, updated_at_ns, attempts, owner, error,
                     processing_time_ms, completed_at_ns, expires_at)
  VALUES ('old-result', 'FAILED', 1700000000000000000, 1700000002000000000, 4, 'owner-1', 'backend refused', 12,
          1700000002000000000, 9223372036854775807);
