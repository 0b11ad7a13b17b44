package io.openhqm.plugin.embedded;

import static io.openhqm.plugin.embedded.Fixtures.message;
import static io.openhqm.plugin.embedded.Fixtures.process;
import static io.openhqm.plugin.embedded.Fixtures.queue;
import static io.openhqm.plugin.embedded.Fixtures.store;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.Health;
import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.result.Reply;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What clients and operators read in errors and health: what to act on, never a path or SQLite's own text. */
@Timeout(60)
class ErrorMessagesTest {

    @TempDir
    Path home;

    @Test
    void aFullDiskIsReportedAsSuchUntilAWriteSucceedsAgain() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); EmbeddedResultStore store = store(process, Duration.ofHours(1))) {
            EmbeddedDatabase database = queue.database();
            database.write(s -> { // the file may not grow any more: SQLITE_FULL, as on a full disk
                s.execute("PRAGMA max_page_count = " + s.queryString("PRAGMA page_count"));
                return null;
            }).get(5, TimeUnit.SECONDS);

            HqmException put = failure(store.put(largeRecord()));
            assertEquals(ErrorKind.TRANSIENT, put.kind());
            assertEquals("the embedded queue could not write: disk full", put.getMessage());
            assertEquals(put.getMessage(), failure(queue.publish(largeMessage())).getMessage());
            assertEquals(Health.down("disk full"), queue.health());
            assertEquals(Health.down("disk full"), store.health());

            database.write(s -> {
                s.execute("PRAGMA max_page_count = 1073741823");
                return null;
            }).get(5, TimeUnit.SECONDS);
            store.put(largeRecord()).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals(Health.up("depth 0"), queue.health());
            assertEquals(Health.up("ok"), store.health());
        }
    }

    @Test
    void aBrokenDatabaseIsReportedWithoutItsPathOrSqlitesText() throws Exception {
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); EmbeddedResultStore store = store(process, Duration.ofHours(1))) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("data/openhqm.db"))) {
                c.createStatement().execute("DROP TABLE results");
                c.createStatement().execute("DROP TABLE counters");
            }
            HqmException read = failure(store.get("id"));
            assertEquals(ErrorKind.INTERNAL, read.kind());
            assertEquals("the embedded queue could not read a result: database error (details in the server log)",
                    read.getMessage());
            assertClean(failure(store.put(RequestRecord.pending("id", Instant.now(), null))).getMessage());
            HqmException depth = assertThrows(HqmException.class, queue::depth);
            assertClean(depth.getMessage());

            Health health = queue.health();
            assertFalse(health.healthy());
            assertClean(health.detail());
        }
    }

    @Test
    void aClosedQueueAndDatabaseSaySoWithoutThePath() throws Exception {
        TestPluginContext process = process(home, "a");
        EmbeddedQueue queue = queue(process);
        EmbeddedDatabase database = queue.database();
        queue.close();
        process.close();
        for (CompletionStage<?> late : List.of(database.write(s -> null), database.read(s -> null, "read"))) {
            HqmException closed = failure(late);
            assertEquals(ErrorKind.TRANSIENT, closed.kind());
            assertEquals("the embedded queue is closed", closed.getMessage());
        }
        assertEquals(Health.down("closed"), queue.health());
    }

    private static RequestRecord largeRecord() {
        return RequestRecord.pending("id", Instant.now(), null).finished(Status.COMPLETED,
                new Reply(new byte[256 * 1024], "application/octet-stream", Map.of(), 200), null, 1, Instant.now());
    }

    private static Message largeMessage() {
        return new Message("m", new byte[256 * 1024], "application/octet-stream", Map.of(),
                MessageMetadata.defaults(Instant.now()));
    }

    private void assertClean(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        assertAll(text,
                () -> assertFalse(text.contains(home.toString()), "names the database path: " + text),
                () -> assertFalse(lower.contains("openhqm.db"), "names the database file: " + text),
                () -> assertFalse(lower.contains("sqlite"), "quotes SQLite: " + text),
                () -> assertFalse(lower.contains("no such table"), "quotes SQLite: " + text),
                () -> assertFalse(lower.contains("readonly"), "quotes SQLite: " + text));
    }

    private static HqmException failure(CompletionStage<?> stage) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> stage.toCompletableFuture().get(10, TimeUnit.SECONDS));
        return assertInstanceOf(HqmException.class, e.getCause());
    }
}
