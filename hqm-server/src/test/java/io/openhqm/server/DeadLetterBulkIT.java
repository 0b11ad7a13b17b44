package io.openhqm.server;

import static io.openhqm.server.ServerIT.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.server.cli.CommandLine.Command;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API's bulk operations over real sockets on the embedded queue: a filtered redrive job paced at its rate,
 * with its progress and its cancel; a filtered purge; the retention a worker process enforces. The jobs run in a
 * listener process, so what they move stays queued and can be counted.
 */
@Timeout(120)
class DeadLetterBulkIT {
    @TempDir
    Path home;

    @Test
    void aFilteredRedriveJobKeepsItsRateCountsRightAndStopsWhenCancelled() throws Exception {
        List<String> alphas = new ArrayList<>();
        try (Server failing = ServerIT.start(home, Command.ALL, "server.admin.enabled=true", "worker.max_retries=0")) {
            TestHttp http = new TestHttp(failing.address().getPort());
            for (int i = 0; i < 20; i++) {
                alphas.add(deadLetter(http, "alpha " + i));
            }
            for (int i = 0; i < 10; i++) {
                deadLetter(http, "beta " + i);
            }
            awaitQueue(http, "dead_letters", 30);
        }

        try (Server listener = ServerIT.start(home, Command.LISTENER, "server.admin.enabled=true")) {
            TestHttp http = new TestHttp(listener.address().getPort());
            JsonNode queue = queue(http);
            assertEquals(0, queue.get("in_flight").asLong(), queue.toString());
            assertEquals(0, queue.get("delayed").asLong(), queue.toString());

            long start = System.nanoTime();
            TestHttp.Reply started = http.send(http.post("/api/v1/dead-letters/redrive",
                    "{\"filter\": {\"error\": \"ALPHA\"}, \"rate_per_second\": 10}"));
            assertEquals(202, started.status(), started.body());
            String alphaJob = started.json().get("id").asText();
            assertEquals("/api/v1/redrive-jobs/" + alphaJob, started.header("Location"));
            assertEquals("running", started.json().get("state").asText());
            assertEquals("ALPHA", started.json().get("filter").get("error").asText());
            assertTrue(started.json().get("filter").get("endpoint").isNull());
            assertEquals(10, started.json().get("rate_per_second").asInt());

            JsonNode done = awaitFinished(http, alphaJob);
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(elapsedMillis >= 1800, "20 redrives at 10/s took only " + elapsedMillis + " ms");
            assertEquals("completed", done.get("state").asText(), done.toString());
            assertEquals(20, done.get("matched").asLong());
            assertEquals(20, done.get("moved").asLong());
            assertEquals(0, done.get("failed").asLong());
            assertTrue(done.get("error").isNull());
            assertTrue(!Instant.parse(done.get("finished_at").asText())
                    .isBefore(Instant.parse(done.get("created_at").asText())));
            queue = queue(http);
            assertEquals(20, queue.get("depth").asLong(), queue.toString());
            assertEquals(10, queue.get("dead_letters").asLong(), queue.toString());
            for (String id : alphas) {
                assertEquals("PENDING", http.send(http.get("/api/v1/status/" + id)).json().get("status").asText());
            }

            TestHttp.Reply slow = http.send(http.post("/api/v1/dead-letters/redrive",
                    "{\"filter\": {\"error\": \"beta\", \"since\": \"2000-01-01T00:00:00Z\"}, \"rate_per_second\": 2}"));
            assertEquals(202, slow.status(), slow.body());
            String betaJob = slow.json().get("id").asText();
            Thread.sleep(1200);
            TestHttp.Reply cancelled = http.send(http.get("/api/v1/redrive-jobs/" + betaJob).DELETE());
            assertEquals(200, cancelled.status(), cancelled.body());
            assertEquals("cancelled", cancelled.json().get("state").asText(), cancelled.body());
            long moved = cancelled.json().get("moved").asLong();
            assertEquals(10, cancelled.json().get("matched").asLong(), cancelled.body());
            assertTrue(moved >= 1 && moved < 10, cancelled.body());
            Thread.sleep(1500);
            JsonNode later = http.send(http.get("/api/v1/redrive-jobs/" + betaJob)).json();
            assertEquals(moved, later.get("moved").asLong(), "no move after the cancel: " + later);
            assertEquals(cancelled.json(), later);
            assertEquals(cancelled.json(), http.send(http.get("/api/v1/redrive-jobs/" + betaJob).DELETE()).json(),
                    "cancelling a finished job changes nothing");
            queue = queue(http);
            assertEquals(20 + moved, queue.get("depth").asLong(), queue.toString());
            assertEquals(10 - moved, queue.get("dead_letters").asLong(), queue.toString());

            JsonNode jobs = http.send(http.get("/api/v1/redrive-jobs")).json().get("redrive_jobs");
            assertEquals(List.of(betaJob, alphaJob), List.of(jobs.get(0).get("id").asText(),
                    jobs.get(1).get("id").asText()), "newest first");

            assertProblem(http.send(http.post("/api/v1/dead-letters/redrive", "{\"rate_per_second\": 0}")), 422,
                    "rate_per_second");
            assertProblem(http.send(http.post("/api/v1/dead-letters/redrive", "{\"rate_per_second\": 10001}")), 422,
                    "rate_per_second");
            assertProblem(http.send(http.post("/api/v1/dead-letters/redrive", "{\"rate_per_second\": \"fast\"}")),
                    422, "rate_per_second");
            assertProblem(http.send(http.post("/api/v1/dead-letters/redrive",
                    "{\"filter\": {\"since\": \"yesterday\"}}")), 422, "filter.since");
            assertProblem(http.send(http.post("/api/v1/dead-letters/redrive", "{\"filter\": {\"queue\": \"x\"}}")),
                    422, "filter.queue");
            assertProblem(http.send(http.post("/api/v1/dead-letters/purge", "{\"everything\": true}")), 422,
                    "everything");
            assertProblem(http.send(http.post("/api/v1/dead-letters/purge", "")), 400, null);
            assertProblem(http.send(http.post("/api/v1/dead-letters/purge", "{\"filter\": {\"error\": \""
                    + "x".repeat(70_000) + "\"}}")), 413, null);
            assertProblem(http.send(http.get("/api/v1/redrive-jobs/no-such-job")), 404, null);
            assertProblem(http.send(http.get("/api/v1/redrive-jobs/no-such-job").DELETE()), 404, null);
            assertEquals(2, http.send(http.get("/api/v1/redrive-jobs")).json().get("redrive_jobs").size(),
                    "a refused request starts no job");

            assertEquals(0, purge(http, "{\"filter\": {\"error\": \"alpha\"}}"));
            assertEquals(0, purge(http, "{\"filter\": {\"since\": \"" + Instant.now().plusSeconds(60) + "\"}}"));
            assertEquals(1, purge(http, "{\"filter\": {\"error\": \"beta 0\"}}"), "beta 0 is the oldest, not moved");
            assertEquals(9 - moved, purge(http, "{}"));
            assertEquals(0, queue(http).get("dead_letters").asLong());
        }
    }

    @Test
    void aWorkerProcessTrimsDeadLettersByCountAndByAge() throws Exception {
        try (Server counted = ServerIT.start(home, Command.ALL, "server.admin.enabled=true", "worker.max_retries=0",
                "queue.dlq_retention.max_count=3", "queue.dlq_retention.interval=100ms")) {
            TestHttp http = new TestHttp(counted.address().getPort());
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ids.add(deadLetter(http, "boom " + i));
            }
            awaitQueue(http, "dead_letters", 3);
            JsonNode kept = http.send(http.get("/api/v1/dead-letters")).json().get("dead_letters");
            assertEquals(ids.subList(3, 6).reversed(), List.of(kept.get(0).get("correlation_id").asText(),
                    kept.get(1).get("correlation_id").asText(), kept.get(2).get("correlation_id").asText()),
                    "the newest are kept");
            assertTrue(http.send(http.get("/metrics")).body()
                    .contains("openhqm_queue_dlq_trimmed_total{queue=\"openhqm-dlq\"} 3.0"));
        }
        Thread.sleep(1100);
        try (Server aged = ServerIT.start(home, Command.ALL, "server.admin.enabled=true",
                "queue.dlq_retention.max_age=1s", "queue.dlq_retention.max_count=0",
                "queue.dlq_retention.interval=100ms")) {
            TestHttp http = new TestHttp(aged.address().getPort());
            awaitQueue(http, "dead_letters", 0);
        }
    }

    /** Submits a message that fails with {@code error} and waits until it is dead-lettered (in submission order). */
    private static String deadLetter(TestHttp http, String error) throws Exception {
        String id = http.submit("{\"operation\": \"error\", \"message\": \"" + error + "\"}").json()
                .get("correlation_id").asText();
        assertEquals("FAILED", http.awaitResult(id, 10).json().get("status").asText());
        return id;
    }

    private static long purge(TestHttp http, String body) throws Exception {
        TestHttp.Reply purged = http.send(http.post("/api/v1/dead-letters/purge", body));
        assertEquals(200, purged.status(), purged.body());
        return purged.json().get("deleted").asLong();
    }

    private static JsonNode queue(TestHttp http) throws Exception {
        TestHttp.Reply queues = http.send(http.get("/api/v1/queues"));
        assertEquals(200, queues.status(), queues.body());
        return queues.json().get("queues").get(0);
    }

    private static void awaitQueue(TestHttp http, String field, long value) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        JsonNode seen = null;
        while (System.nanoTime() < deadline) {
            seen = queue(http);
            if (seen.get(field).asLong() == value) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("expected " + field + " " + value + ", saw " + seen);
    }

    private static JsonNode awaitFinished(TestHttp http, String job) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        JsonNode seen = null;
        while (System.nanoTime() < deadline) {
            TestHttp.Reply reply = http.send(http.get("/api/v1/redrive-jobs/" + job));
            assertEquals(200, reply.status(), reply.body());
            seen = reply.json();
            if (!seen.get("state").asText().equals("running")) {
                assertTrue(seen.get("finished_at").isTextual(), seen.toString());
                return seen;
            }
            assertTrue(seen.get("finished_at").isNull(), seen.toString());
            assertTrue(seen.get("moved").asLong() <= seen.get("matched").asLong(), seen.toString());
            Thread.sleep(100);
        }
        throw new AssertionError("job " + job + " still running: " + seen);
    }
}
