package io.openhqm.plugin.embedded;

import static io.openhqm.plugin.embedded.Fixtures.config;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import io.openhqm.plugin.embedded.EmbeddedQueueConfig.Synchronous;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedQueueConfigTest {

    @TempDir
    Path home;

    @Test
    void defaults() {
        EmbeddedQueueConfig c = EmbeddedQueueConfig.parse(config(), home);
        assertEquals("queue.embedded", c.block());
        assertEquals(home.resolve("data").toAbsolutePath(), c.directory());
        assertEquals(home.resolve("data/openhqm.db").toAbsolutePath(), c.databaseFile());
        assertEquals(Duration.ofSeconds(60), c.visibilityTimeout());
        assertEquals(Duration.ofMillis(100), c.pollInterval());
        assertEquals(Synchronous.FULL, c.synchronous());
        assertEquals(512, c.maxBatch());
        assertEquals(Duration.ofSeconds(60), c.cleanupInterval());
        assertEquals(10_000, c.maxBacklog());
    }

    @Test
    void everyKey() {
        EmbeddedQueueConfig c = EmbeddedQueueConfig.parse(config("path", "var/../queue", "visibility_timeout", "2m",
                "poll_interval", "250ms", "synchronous", "NORMAL", "max_batch", 64, "cleanup_interval", 30, "max_backlog", 500), home);
        assertEquals(home.resolve("queue").toAbsolutePath(), c.directory());
        assertEquals(Duration.ofMinutes(2), c.visibilityTimeout());
        assertEquals(Duration.ofMillis(250), c.pollInterval());
        assertEquals(Synchronous.NORMAL, c.synchronous());
        assertEquals(64, c.maxBatch());
        assertEquals(Duration.ofSeconds(30), c.cleanupInterval());
        assertEquals(500, c.maxBacklog());

        Path absolute = home.resolve("elsewhere").toAbsolutePath();
        assertEquals(absolute, EmbeddedQueueConfig.parse(config("path", absolute.toString()), Path.of("/x"))
                .directory());
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsFullKey() {
        HqmException e = assertThrows(HqmException.class, () -> EmbeddedQueueConfig.parse(config(
                "bogus", 1, "visibility_timeout", "-1s", "poll_interval", "0ms", "synchronous", "sometimes",
                "max_batch", 0, "cleanup_interval", "soon", "path", " ", "max_backlog", 0), home));
        assertEquals(ErrorKind.CONFIG, e.kind());
        List<String> problems = e.problems();
        assertEquals(8, problems.size(), String.join("\n", problems));
        assertTrue(problems.contains("queue.embedded.max_backlog: must be an integer from 1 to 1000000, was 0"),
                String.join("\n", problems));
        assertTrue(problems.contains("queue.embedded.visibility_timeout: must be a positive duration, was \"-1s\""),
                String.join("\n", problems));
        for (String key : List.of("bogus", "visibility_timeout", "poll_interval", "synchronous", "max_batch",
                "cleanup_interval", "path", "max_backlog")) {
            assertTrue(problems.stream().anyMatch(p -> p.startsWith("queue.embedded." + key + ": ")),
                    "no problem names queue.embedded." + key + " in " + problems);
        }
        assertTrue(e.getMessage().contains("queue.embedded.bogus: unknown key"));
    }

    @Test
    void aDirectoryThatCannotBeCreatedIsAConfigError() throws Exception {
        Files.writeString(home.resolve("blocker"), "a file, not a directory");
        HqmException e = assertThrows(HqmException.class,
                () -> Fixtures.queue(Fixtures.process(home, "a"), "path", "blocker/sub"));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("queue.embedded.path: cannot create directory "
                + home.resolve("blocker/sub").toAbsolutePath() + ": "), e.getMessage());
    }

    @Test
    void aFileThatIsNotADatabaseIsAConfigError() throws Exception {
        Files.createDirectories(home.resolve("data"));
        Files.writeString(home.resolve("data/openhqm.db"), "this is not a SQLite database, not at all ".repeat(50));
        HqmException e = assertThrows(HqmException.class, () -> Fixtures.queue(Fixtures.process(home, "a")));
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertTrue(e.getMessage().startsWith("queue.embedded.path: cannot open database "), e.getMessage());
    }
}
