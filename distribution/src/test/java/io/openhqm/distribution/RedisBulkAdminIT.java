package io.openhqm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.testing.RedisServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The admin API's bulk operations through real {@code bin/hqm-server} processes on a real redis-server: a filtered
 * redrive job at its rate, cancelled midway; a filtered purge; retention enforced by a worker process; and a listener
 * killed with SIGKILL during a redrive job, after which every message is a dead letter or queued (then completed),
 * never both, never neither. The jobs run in listener processes (no workers), so what they move stays queued.
 */
class RedisBulkAdminIT extends RedisProcessTest {
    private static final Map<String, String> ADMIN = Map.of("X-API-Key", "admin-key");
    private static final String ADMIN_KEYS = "server.auth.admin_keys=[\"admin-key\"]";
    private static final String DLQ = "openhqm-dlq";
    private static final String RETRY = "openhqm:retry:openhqm-requests";

    @Test
    void aFilteredRedriveJobKeepsItsRateAndStopsWhenCancelledAndAPurgeTakesWhatItsFilterMatches()
            throws Exception {
        deploy(RedisServer.start());
        deadLetter(List.of("alpha", "beta"), 20);

        RedisDeployment.Node listener = deployment.start("listener", ADMIN_KEYS);
        long start = System.nanoTime();
        JsonNode job = startJob(listener, "{\"filter\": {\"error\": \"alpha\"}, \"rate_per_second\": 10}");
        JsonNode done = awaitFinished(listener, job.get("id").asText());
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMillis >= 1800, "20 redrives at 10/s took only " + elapsedMillis + " ms");
        assertEquals("completed", done.get("state").asText(), done.toString());
        assertEquals(List.of(20L, 20L, 0L), List.of(done.get("matched").asLong(), done.get("moved").asLong(),
                done.get("failed").asLong()));
        assertEquals(20L, redis.callLong("XLEN", RETRY));
        assertEquals(20L, redis.callLong("XLEN", DLQ));

        JsonNode slow = startJob(listener, "{\"filter\": {\"error\": \"beta\"}, \"rate_per_second\": 4}");
        Thread.sleep(1500);
        HttpResponse<String> cancel = listener.delete("/api/v1/redrive-jobs/" + slow.get("id").asText(), ADMIN);
        assertEquals(200, cancel.statusCode(), cancel.body());
        JsonNode cancelled = RedisDeployment.JSON.readTree(cancel.body());
        assertEquals("cancelled", cancelled.get("state").asText(), cancel.body());
        long moved = cancelled.get("moved").asLong();
        assertEquals(20, cancelled.get("matched").asLong(), cancel.body());
        assertTrue(moved >= 2 && moved < 20, cancel.body());
        Thread.sleep(1000);
        assertEquals(20 + moved, redis.callLong("XLEN", RETRY), "no move after the cancel");
        assertEquals(20 - moved, redis.callLong("XLEN", DLQ));
        JsonNode queue = RedisDeployment.JSON.readTree(listener.get("/api/v1/queues", ADMIN).body()).get("queues")
                .get(0);
        assertEquals(20 + moved, queue.get("depth").asLong(), queue.toString());
        assertEquals(0, queue.get("in_flight").asLong(), queue.toString());
        assertEquals(0, queue.get("delayed").asLong(), queue.toString());

        assertEquals(401, listener.post("/api/v1/dead-letters/purge", "{}", Map.of()).statusCode());
        assertEquals(1, purge(listener, "{\"filter\": {\"error\": \"beta-00\"}}"), "the oldest beta is not moved");
        assertEquals(0, purge(listener, "{\"filter\": {\"error\": \"alpha\"}}"));
        assertEquals(19 - moved, purge(listener, "{}"));
        assertEquals(0L, redis.callLong("XLEN", DLQ));
    }

    @Test
    void aWorkerProcessTrimsTheDeadLettersByAgeAndByCount() throws Exception {
        deploy(RedisServer.start());
        for (int i = 1; i <= 2; i++) {
            redis.call("XADD", DLQ, "1000-" + i, "body", "{}", "dlq_reason", "from 1970");
        }
        List<String> recent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            recent.add(redis.call("XADD", DLQ, "*", "body", "{}", "dlq_reason", "HTTP 500").toString());
        }
        RedisDeployment.Node worker = deployment.start("worker", "queue.dlq_retention.max_age=1h",
                "queue.dlq_retention.max_count=2", "queue.dlq_retention.interval=100ms");
        awaitLength(DLQ, 2);
        List<String> kept = new ArrayList<>();
        for (Object entry : (List<?>) redis.call("XRANGE", DLQ, "-", "+")) {
            kept.add((String) ((List<?>) entry).get(0));
        }
        assertEquals(recent.subList(2, 4), kept, "the two ancient ones by age, then the oldest by count");
        assertTrue(worker.get("/metrics").body().contains("openhqm_queue_dlq_trimmed_total{queue=\"openhqm-dlq\"} 4.0"));
    }

    @Test
    void aListenerKilledDuringARedriveJobLeavesEveryMessageInExactlyOnePlace() throws Exception {
        deploy(RedisServer.start());
        List<String> all = deadLetter(List.of("sleep"), 40);

        RedisDeployment.Node doomed = deployment.start("listener", ADMIN_KEYS);
        startJob(doomed, "{\"rate_per_second\": 20}");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (redis.callLong("XLEN", RETRY) < 10 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        doomed.kill();

        Set<String> deadLetters = correlationIds(DLQ);
        Set<String> queued = correlationIds(RETRY);
        assertTrue(queued.size() >= 10 && queued.size() < 40, "killed midway: " + queued.size() + " queued");
        Set<String> both = new HashSet<>(deadLetters);
        both.retainAll(queued);
        assertEquals(Set.of(), both, "none in both places");
        Set<String> either = new HashSet<>(deadLetters);
        either.addAll(queued);
        assertEquals(new HashSet<>(all), either, "none lost");
        assertEquals(40L, redis.callLong("XLEN", DLQ) + redis.callLong("XLEN", RETRY), "no duplicate entry");

        RedisDeployment.Node restarted = deployment.start("all", ADMIN_KEYS, "worker.timeout_seconds=10");
        List<String> completed = restarted.awaitCompleted(new ArrayList<>(queued), Duration.ofSeconds(60));
        assertEquals(queued.size(), completed.size(), "every redriven message completes");
        JsonNode letters = RedisDeployment.JSON.readTree(restarted.get("/api/v1/dead-letters?limit=500", ADMIN)
                .body()).get("dead_letters");
        Set<String> stillDead = new HashSet<>();
        letters.forEach(letter -> stillDead.add(letter.get("correlation_id").asText()));
        assertEquals(deadLetters, stillDead);
    }

    /**
     * Runs an all-in-one process that dead-letters {@code perKind} messages of each kind (the error operation, or a
     * sleep longer than the timeout for {@code "sleep"}), oldest first numbered 0, and stops it.
     */
    private List<String> deadLetter(List<String> kinds, int perKind) throws Exception {
        RedisDeployment.Node failing = deployment.start("all", "worker.max_retries=0", "worker.timeout_seconds=1",
                "worker.count=20");
        List<String> ids = new ArrayList<>();
        for (String kind : kinds) {
            for (int i = 0; i < perKind; i++) {
                ids.add(failing.submit(kind.equals("sleep") ? "{\"operation\": \"sleep\", \"ms\": 1200}"
                        : "{\"operation\": \"error\", \"message\": \"" + kind + "-" + String.format("%02d", i) + "\"}"));
                if (!kind.equals("sleep")) {
                    failing.json("/api/v1/response/" + ids.getLast() + "?wait=10");
                }
            }
        }
        awaitLength(DLQ, ids.size());
        failing.stop();
        return ids;
    }

    private static JsonNode startJob(RedisDeployment.Node node, String body) throws Exception {
        HttpResponse<String> started = node.post("/api/v1/dead-letters/redrive", body, ADMIN);
        assertEquals(202, started.statusCode(), started.body());
        JsonNode job = RedisDeployment.JSON.readTree(started.body());
        assertEquals("/api/v1/redrive-jobs/" + job.get("id").asText(),
                started.headers().firstValue("Location").orElse(null));
        return job;
    }

    private static JsonNode awaitFinished(RedisDeployment.Node node, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode job = null;
        while (System.nanoTime() < deadline) {
            job = RedisDeployment.JSON.readTree(node.get("/api/v1/redrive-jobs/" + id, ADMIN).body());
            if (!job.get("state").asText().equals("running")) {
                return job;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job still running: " + job);
    }

    private static long purge(RedisDeployment.Node node, String body) throws Exception {
        HttpResponse<String> purged = node.post("/api/v1/dead-letters/purge", body, ADMIN);
        assertEquals(200, purged.statusCode(), purged.body());
        return RedisDeployment.JSON.readTree(purged.body()).get("deleted").asLong();
    }

    private void awaitLength(String stream, long length) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long seen = -1;
        while (System.nanoTime() < deadline) {
            seen = redis.callLong("XLEN", stream);
            if (seen == length) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(stream + " holds " + seen + " entries, expected " + length);
    }

    /** The correlation ids of a stream's entries, asserting each appears once. */
    private Set<String> correlationIds(String stream) {
        Set<String> ids = new HashSet<>();
        for (Object entry : (List<?>) redis.call("XRANGE", stream, "-", "+")) {
            List<?> fields = (List<?>) ((List<?>) entry).get(1);
            for (int i = 0; i < fields.size(); i += 2) {
                if ("correlation_id".equals(fields.get(i))) {
                    assertTrue(ids.add((String) fields.get(i + 1)), "twice in " + stream + ": " + fields.get(i + 1));
                }
            }
        }
        return ids;
    }
}
