package io.openhqm.plugin.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class GroupCommitWriterTest {

    @TempDir
    Path dir;

    private GroupCommitWriter writer;
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch blocking = new CountDownLatch(1);

    @BeforeEach
    void open() throws Exception {
        SqlSession session = new SqlSession(DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db")));
        session.execute("PRAGMA journal_mode = WAL");
        session.execute("CREATE TABLE t (k TEXT PRIMARY KEY)");
        writer = new GroupCommitWriter(session, "t.db", 100, 3);
    }

    @AfterEach
    void close() {
        release.countDown();
        writer.close();
    }

    @Test
    void aWorkThatFailsOnItsDataFailsAloneAndTheRestOfItsBatchCommits() throws Exception {
        CompletableFuture<Object> blocker = block();
        List<CompletableFuture<Object>> works = new ArrayList<>();
        works.add(insert("a"));
        works.add(insert("a")); // duplicate key
        works.add(writer.submit(s -> {
            throw new IllegalStateException("bug");
        }));
        works.add(insert("b"));
        long commits = writer.commits(); // the blocker's batch has not committed yet
        release.countDown();
        blocker.get(5, TimeUnit.SECONDS);

        works.get(0).get(5, TimeUnit.SECONDS);
        works.get(3).get(5, TimeUnit.SECONDS);
        HqmException duplicate = failure(works.get(1));
        assertEquals(ErrorKind.INTERNAL, duplicate.kind());
        assertEquals("the embedded queue could not write: database error (details in the server log)",
                duplicate.getMessage());
        assertTrue(duplicate.getCause().getMessage().contains("UNIQUE"), "SQLite's text stays in the cause, "
                + "for the log: " + duplicate.getCause());
        assertEquals(ErrorKind.INTERNAL, failure(works.get(2)).kind());
        assertEquals(commits + 2, writer.commits(), "the blocker's batch and one batch for the rest");
        assertEquals(List.of("a", "b"), keys());
    }

    @Test
    void aBatchStopsAtItsByteBudget() throws Exception {
        CompletableFuture<Object> blocker = block();
        List<CompletableFuture<Object>> works = new ArrayList<>();
        for (String k : List.of("a", "b", "c", "d")) {
            works.add(writer.submit(s -> insertRow(s, k), GroupCommitWriter.MAX_BATCH_BYTES / 2));
        }
        long commits = writer.commits(); // the blocker's batch has not committed yet
        release.countDown();
        blocker.get(5, TimeUnit.SECONDS);
        CompletableFuture.allOf(works.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertEquals(commits + 3, writer.commits(), "the blocker, then two works per batch");
    }

    @Test
    void aFullBacklogRefusesNewWorkAtOnceAndLosesNothingAccepted() throws Exception {
        CompletableFuture<Object> blocker = block();
        List<CompletableFuture<Object>> accepted = new ArrayList<>();
        for (String k : List.of("a", "b", "c")) {
            accepted.add(writer.offer(s -> insertRow(s, k), 10));
        }
        assertEquals(3, writer.backlog());

        CompletableFuture<Object> refused = writer.offer(s -> insertRow(s, "d"), 10);
        assertTrue(refused.isCompletedExceptionally(), "refused work must fail at once, not wait");
        HqmException overloaded = failure(refused);
        assertEquals(ErrorKind.TRANSIENT, overloaded.kind());
        assertEquals("the embedded queue is overloaded; retry later", overloaded.getMessage());
        assertEquals(3, writer.backlog(), "a refused work must not be queued");
        assertEquals(1, writer.refused());

        CompletableFuture<Object> settling = insert("e"); // work for what was already accepted is never refused
        assertEquals(4, writer.backlog());

        release.countDown();
        blocker.get(5, TimeUnit.SECONDS);
        CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        settling.get(5, TimeUnit.SECONDS);
        assertEquals(List.of("a", "b", "c", "e"), keys());
        assertEquals(0, writer.backlog());
        writer.offer(s -> insertRow(s, "f"), 10).get(5, TimeUnit.SECONDS);
        assertEquals(List.of("a", "b", "c", "e", "f"), keys());
    }

    @Test
    void theBacklogAlsoStopsAtItsByteBudgetButTakesOneLargeWorkAlone() throws Exception {
        CompletableFuture<Object> blocker = block();
        long half = GroupCommitWriter.MAX_BACKLOG_BYTES / 2;
        CompletableFuture<Object> first = writer.offer(s -> insertRow(s, "a"), half);
        CompletableFuture<Object> second = writer.offer(s -> insertRow(s, "b"), half);
        assertEquals(ErrorKind.TRANSIENT, failure(writer.offer(s -> insertRow(s, "c"), 1)).kind());
        release.countDown();
        blocker.get(5, TimeUnit.SECONDS);
        first.get(5, TimeUnit.SECONDS);
        second.get(5, TimeUnit.SECONDS);

        writer.offer(s -> insertRow(s, "huge"), GroupCommitWriter.MAX_BACKLOG_BYTES * 2).get(5, TimeUnit.SECONDS);
        assertEquals(List.of("a", "b", "huge"), keys());
    }

    @Test
    void closeRunsWhatIsQueuedAndLaterWorkFails() throws Exception {
        block();
        CompletableFuture<Object> queued = insert("a");
        Thread closer = Thread.ofPlatform().start(writer::close);
        Thread.sleep(100);
        release.countDown();
        closer.join(5_000);
        queued.get(5, TimeUnit.SECONDS);
        HqmException late = failure(insert("b"));
        assertTrue(late.isRetryable());
    }

    private CompletableFuture<Object> insert(String key) {
        return writer.submit(s -> insertRow(s, key));
    }

    private static Object insertRow(SqlSession s, String key) throws java.sql.SQLException {
        PreparedStatement ps = s.prepare("INSERT INTO t (k) VALUES (?)");
        ps.setString(1, key);
        return ps.executeUpdate();
    }

    /** Submits a work that holds the writer until {@link #release}, and waits until it runs. */
    private CompletableFuture<Object> block() throws InterruptedException {
        CompletableFuture<Object> blocker = writer.submit(s -> await());
        blocking.await();
        return blocker;
    }

    private Object await() {
        blocking.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return null;
    }

    private static HqmException failure(CompletableFuture<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(5, TimeUnit.SECONDS));
        return assertInstanceOf(HqmException.class, e.getCause());
    }

    private List<String> keys() throws Exception {
        List<String> keys = new ArrayList<>();
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db"));
             ResultSet rs = c.createStatement().executeQuery("SELECT k FROM t ORDER BY k")) {
            while (rs.next()) {
                keys.add(rs.getString(1));
            }
        }
        return keys;
    }
}
