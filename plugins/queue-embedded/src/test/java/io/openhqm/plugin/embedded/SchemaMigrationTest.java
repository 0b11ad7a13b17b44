package io.openhqm.plugin.embedded;

import static io.openhqm.plugin.embedded.Fixtures.process;
import static io.openhqm.plugin.embedded.Fixtures.queue;
import static io.openhqm.plugin.embedded.Fixtures.store;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.Status;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class SchemaMigrationTest {
    private static final Instant OLD_SUBMISSION = Instant.ofEpochSecond(1_700_000_000L);

    @TempDir
    Path home;

    @Test
    void aDatabaseOfSchemaVersion1OpensWithItsRowsAndTakesOwnersAndAttributes() throws Exception {
        writeVersion1Database();

        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c");
             EmbeddedResultStore store = store(process, Duration.ofHours(1))) {
            assertEquals(Schema.VERSION, userVersion());
            assertEquals(1, queue.depth());

            Delivery old = consumer.poll(1, Duration.ofSeconds(1)).getFirst();
            assertEquals(new Message("old-message", "{}".getBytes(StandardCharsets.UTF_8), "application/json",
                    Map.of("x-old", "1"), new MessageMetadata(null, null, null, null, 3, null, OLD_SUBMISSION, null,
                            null, null, Map.of())), old.message());
            old.ack();

            DeadLetter oldDead = queue.deadLetterBrowser().orElseThrow().newest(10).getLast();
            assertEquals("old-dead", oldDead.message().correlationId());
            assertNull(oldDead.message().metadata().owner());
            assertEquals(Map.of(), oldDead.message().metadata().attributes());

            RequestRecord oldResult = store.get("old-result").toCompletableFuture().join().orElseThrow();
            assertEquals(Status.FAILED, oldResult.status());
            assertEquals("owner-1", oldResult.owner());
            assertEquals(Map.of(), oldResult.attributes());

            Message fresh = new Message("new-message", new byte[] {1}, "application/octet-stream", Map.of(),
                    new MessageMetadata(null, null, null, null, 0, null, Instant.now(), null, null, "owner-2",
                            Map.of("source", "\"web\"")));
            queue.publish(fresh).toCompletableFuture().join();
            Delivery delivery = consumer.poll(1, Duration.ofSeconds(1)).getFirst();
            assertEquals(fresh, delivery.message());
            delivery.deadLetter("rejected");
            List<DeadLetter> dead = queue.deadLetterBrowser().orElseThrow().newest(10);
            assertEquals(List.of("new-message", "old-dead"), dead.stream().map(d -> d.message().correlationId())
                    .toList());
            assertEquals(fresh, dead.getFirst().message());

            RequestRecord record = RequestRecord.pending("new-result", Instant.now(), "owner-2",
                    Map.of("source", "\"web\""));
            store.put(record).toCompletableFuture().join();
            assertEquals(record, store.get("new-result").toCompletableFuture().join().orElseThrow());
        }
    }

    @Test
    void aMigratedDatabaseOpensAgainUnchanged() throws Exception {
        writeVersion1Database();
        try (TestPluginContext first = process(home, "a")) {
            queue(first).close();
        }
        try (TestPluginContext process = process(home, "a");
             EmbeddedQueue queue = queue(process)) {
            assertEquals(Schema.VERSION, userVersion());
            assertEquals(1, queue.depth());
        }
    }

    private void writeVersion1Database() throws Exception {
        String script;
        try (InputStream in = getClass().getResourceAsStream("schema-v1.sql")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Files.createDirectories(home.resolve("data"));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("data/openhqm.db"))) {
            c.createStatement().executeUpdate(script);
        }
    }

    private int userVersion() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + home.resolve("data/openhqm.db"));
             ResultSet rs = c.createStatement().executeQuery("PRAGMA user_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
