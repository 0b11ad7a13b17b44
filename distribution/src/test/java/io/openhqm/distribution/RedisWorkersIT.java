package io.openhqm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.testing.RedisServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Several listener and worker processes on one Redis: crashes, sharing, a Redis restart. */
class RedisWorkersIT extends RedisProcessTest {
    private static final Pattern COMPLETED = Pattern.compile(
            "(?m)^openhqm_worker_processing_duration_seconds_count\\{status=\"completed\"} (\\S+)$");


    @Test
    void aSecondWorkerCompletesEverythingAWorkerKilledWithSigkillHeld() throws Exception {
        deploy(RedisServer.start());
        RedisDeployment.Node listener = deployment.start("listener");
        int total = 500;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            ids.add(listener.submit("{\"operation\": \"sleep\", \"ms\": 5000}"));
        }
        RedisDeployment.Node doomed = deployment.start("worker", "worker.count=500", "worker.poll_batch=100",
                "queue.redis.visibility_timeout=2s");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (pending() < total && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(total, pending(), "the first worker holds every message");
        assertEquals(0, completions(doomed), "none finished yet");
        doomed.kill();

        RedisDeployment.Node survivor = deployment.start("worker", "worker.count=500", "worker.poll_batch=100",
                "queue.redis.visibility_timeout=2s");
        List<String> completed = listener.awaitCompleted(ids, Duration.ofSeconds(60));
        assertEquals(total, new HashSet<>(completed).size(), "unique completions");
        assertEquals(total, completions(survivor), "the survivor processed every one, once");
        assertEquals(0L, redis.callLong("XLEN", "openhqm-requests"));
        assertTrue(survivor.get("/metrics").body().contains("openhqm_queue_reclaimed_total"));
    }

    @Test
    void twoWorkersShareTheGroupAndProcessEachMessageOnce() throws Exception {
        deploy(RedisServer.start());
        RedisDeployment.Node listener = deployment.start("listener");
        RedisDeployment.Node a = deployment.start("worker", "worker.count=4");
        RedisDeployment.Node b = deployment.start("worker", "worker.count=4");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ids.add(listener.submit("{\"operation\": \"sleep\", \"ms\": 20}"));
        }
        assertEquals(200, listener.awaitCompleted(ids, Duration.ofSeconds(60)).size());
        long byA = completions(a);
        long byB = completions(b);
        assertEquals(200, byA + byB, "each message processed once: " + byA + " + " + byB);
        assertTrue(byA > 20 && byB > 20, "both share the work: " + byA + " / " + byB);
    }

    @Test
    void twoPoolsOnOneStreamEachProcessEveryMessage() throws Exception {
        deploy(RedisServer.start());
        RedisDeployment.Node main = deployment.start("worker", "worker.count=16");
        RedisDeployment.Node billing = deployment.start("worker", "worker.count=16",
                "queue.redis.consumer_group=billing", "worker.write_results=false");
        RedisDeployment.Node listener = deployment.start("listener");
        int total = 1000;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            ids.add(listener.submit("{\"operation\": \"echo\", \"data\": " + i + "}"));
        }

        assertEquals(total, new HashSet<>(listener.awaitCompleted(ids, Duration.ofSeconds(90))).size());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (completions(billing) < total && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(total, completions(main), "the pool that writes results processed every message");
        assertEquals(total, completions(billing), "the billing pool processed every message too");
        while (redis.callLong("XLEN", "openhqm-requests") > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(0L, redis.callLong("XLEN", "openhqm-requests"), "settled by both pools, then deleted");
    }

    @Test
    void aRedisRestartMidRunLosesNoAcceptedMessage() throws Exception {
        deploy(RedisServer.startPersistent());
        RedisDeployment.Node listener = deployment.start("listener");
        // In-flight messages whose outcome could not be stored come again as soon as Redis is back; a short
        // visibility timeout also bounds the wait for entries read just as Redis went down.
        deployment.start("worker", "worker.count=8", "queue.redis.visibility_timeout=5s");
        List<String> accepted = new ArrayList<>();
        int refused = 0;
        long restartAt = 0;
        boolean restarted = false;
        for (int i = 0; i < 400; i++) {
            if (i == 150) {
                redis.kill();
                restartAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            }
            if (!restarted && restartAt != 0 && System.nanoTime() > restartAt) {
                redis.restart();
                restarted = true;
            }
            HttpResponse<String> r = listener.post("/api/v1/submit",
                    "{\"payload\": {\"operation\": \"sleep\", \"ms\": 5}}", Map.of());
            if (r.statusCode() == 202) {
                accepted.add(RedisDeployment.JSON.readTree(r.body()).get("correlation_id").asText());
            } else {
                assertEquals(503, r.statusCode(), r.body());
                refused++;
                Thread.sleep(20);
            }
        }
        if (!restarted) {
            redis.restart();
        }
        assertTrue(refused > 0, "submissions were refused while Redis was down");
        assertTrue(accepted.size() > 150, "accepted " + accepted.size());
        assertEquals(accepted, listener.awaitCompleted(accepted, Duration.ofSeconds(90)),
                "every accepted message completes");
    }

    /** Entries delivered to a consumer and not yet settled. */
    private long pending() {
        try {
            return (Long) ((List<?>) redis.call("XPENDING", "openhqm-requests", "openhqm-workers")).get(0);
        } catch (RuntimeException noGroupYet) {
            return 0;
        }
    }

    /** Messages a worker process completed, from its metrics. */
    private static long completions(RedisDeployment.Node node) throws Exception {
        Matcher m = COMPLETED.matcher(node.get("/metrics").body());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }
}
