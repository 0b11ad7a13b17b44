package io.openhqm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.testing.RedisServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** HTTP → Redis → worker → result through real {@code bin/hqm-server} processes and a real redis-server. */
class RedisFlowIT extends RedisProcessTest {

    @Test
    void submitQueueProcessAndAnswerWithExternalProducersToo() throws Exception {
        deploy(RedisServer.startWithPassword("s3cr3t-pw"));
        RedisDeployment.Node server = deployment.start("all", "worker.count=4");

        HttpResponse<String> waited = server.post("/api/v1/submit",
                "{\"payload\": {\"operation\": \"uppercase\", \"data\": \"hello\"}}", Map.of("Prefer", "wait=10"));
        assertEquals(200, waited.statusCode(), waited.body());
        JsonNode done = RedisDeployment.JSON.readTree(waited.body());
        assertEquals("COMPLETED", done.get("status").asText());
        assertEquals("HELLO", done.get("result").get("output").asText());

        String id = server.submit("{\"operation\": \"echo\", \"data\": \"Hello World\"}");
        JsonNode result = server.json("/api/v1/response/" + id + "?wait=10");
        assertEquals("COMPLETED", result.get("status").asText(), result.toString());
        assertEquals("Hello World", result.get("result").get("output").asText());
        assertEquals(1, server.json("/api/v1/status/" + id).get("attempts").asInt());

        HttpResponse<String> first = server.post("/api/v1/submit", "{\"payload\": {\"operation\": \"echo\"}}",
                Map.of("Idempotency-Key", "k-1"));
        HttpResponse<String> replay = server.post("/api/v1/submit", "{\"payload\": {\"operation\": \"echo\"}}",
                Map.of("Idempotency-Key", "k-1"));
        assertEquals(RedisDeployment.JSON.readTree(first.body()).get("correlation_id"),
                RedisDeployment.JSON.readTree(replay.body()).get("correlation_id"));
        assertEquals("true", replay.headers().firstValue("Idempotent-Replayed").orElse(null));

        // A plain XADD from any producer: its entry id is the correlation id.
        String plain = (String) redis.call("XADD", "openhqm-requests", "*", "body",
                "{\"operation\": \"reverse\", \"data\": \"abc\"}");
        JsonNode external = server.json("/api/v1/response/" + plain + "?wait=10");
        assertEquals("COMPLETED", external.path("status").asText(), external.toString());
        assertEquals("cba", external.get("result").get("output").asText());
        // An entry as the Python OpenHQM wrote it.
        redis.call("XADD", "openhqm-requests", "*", "payload", "{\"correlation_id\": \"py-legacy-1\", \"payload\":"
                + " {\"operation\": \"echo\", \"data\": \"from python\"}, \"headers\": {}, \"metadata\": {}}");
        JsonNode legacy = server.json("/api/v1/response/py-legacy-1?wait=10");
        assertEquals("COMPLETED", legacy.path("status").asText(), legacy.toString());
        assertEquals("from python", legacy.get("result").get("output").asText());

        HttpResponse<String> health = server.get("/health");
        assertEquals(200, health.statusCode(), health.body());
        String metrics = server.get("/metrics").body();
        assertTrue(metrics.contains("openhqm_queue_depth{queue=\"openhqm-requests\"}"), "depth gauge exported");
        assertEquals(0L, redis.callLong("XLEN", "openhqm-requests"), "acknowledged entries are deleted");
        assertFalse(server.log().contains("s3cr3t-pw"), "the Redis password is never logged");
        Installation.Result config = deployment.installation.run("check-config", "--set", "queue.type=redis",
                "--set", "queue.redis.url=\"" + redis.url() + "\"");
        assertEquals(0, config.status(), config.err());
        assertFalse((config.out() + config.err()).contains("s3cr3t-pw"), config.out());
    }

    @Test
    void retriesWaitWithoutBlockingOthersAndFailuresReachTheDeadLetterStream() throws Exception {
        deploy(RedisServer.start());
        RedisDeployment.Node server = deployment.start("all", "worker.count=1", "worker.retry_delay_base=2s",
                "worker.max_retries=1");

        String flaky = server.submit("{\"operation\": \"flaky\", \"failures\": 1}");
        List<String> quick = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            quick.add(server.submit("{\"operation\": \"echo\", \"data\": " + i + "}"));
        }
        // One worker only: the quick messages finish while the flaky one waits for its retry.
        assertEquals(quick, server.awaitCompleted(quick, Duration.ofSeconds(20)));
        JsonNode retried = server.json("/api/v1/response/" + flaky + "?wait=15");
        assertEquals("COMPLETED", retried.get("status").asText(), retried.toString());
        JsonNode status = server.json("/api/v1/status/" + flaky);
        assertEquals(2, status.get("attempts").asInt());
        long tookMs = Duration.between(Instant.parse(status.get("submitted_at").asText()),
                Instant.parse(status.get("updated_at").asText())).toMillis();
        assertTrue(tookMs >= 1000, "the retry waited its backoff (at least half of 2 s), took " + tookMs + " ms");
        Instant flakyDone = Instant.parse(retried.get("completed_at").asText());
        for (String id : quick) {
            Instant quickDone = Instant.parse(server.json("/api/v1/response/" + id).get("completed_at").asText());
            assertTrue(quickDone.isBefore(flakyDone), "the waiting retry did not hold up the only worker");
        }

        String doomed = server.submit("{\"operation\": \"flaky\", \"failures\": 10}");
        JsonNode failed = server.json("/api/v1/response/" + doomed + "?wait=20");
        assertEquals("FAILED", failed.get("status").asText(), failed.toString());
        // The FAILED status is stored before the message moves to the dead-letter stream.
        List<Object> entries = List.of();
        for (int i = 0; i < 100 && entries.isEmpty(); i++) {
            @SuppressWarnings("unchecked")
            List<Object> found = (List<Object>) redis.call("XRANGE", "openhqm-dlq", "-", "+");
            entries = found;
            Thread.sleep(50);
        }
        assertEquals(1, entries.size());
        @SuppressWarnings("unchecked")
        List<Object> fields = (List<Object>) ((List<Object>) entries.get(0)).get(1);
        Map<String, String> dead = new java.util.HashMap<>();
        for (int i = 0; i < fields.size(); i += 2) {
            dead.put((String) fields.get(i), (String) fields.get(i + 1));
        }
        assertEquals(doomed, dead.get("correlation_id"));
        assertTrue(dead.get("dlq_reason").contains("gave up after 2 attempts"), dead.toString());
        JsonNode history = RedisDeployment.JSON.readTree(dead.get("history"));
        assertEquals(2, history.size(), history.toString());
        assertEquals(1, history.get(0).get("attempt").asInt());
        assertTrue(history.get(0).get("error").asText().length() > 0);
        assertTrue(server.get("/metrics").body().contains("openhqm_queue_dlq_total"));
    }

    @Test
    void redisDownMeans503AtOnceAndProcessingResumesWhenItIsBack() throws Exception {
        deploy(RedisServer.startPersistent());
        RedisDeployment.Node server = deployment.start("all", "worker.count=4");
        String before = server.submit("{\"operation\": \"echo\", \"data\": \"before\"}");
        assertEquals("COMPLETED", server.json("/api/v1/response/" + before + "?wait=10").get("status").asText());

        redis.kill();
        long start = System.nanoTime();
        HttpResponse<String> refused = server.post("/api/v1/submit", "{\"payload\": {}}", Map.of());
        long submitMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(503, refused.statusCode(), refused.body());
        assertTrue(submitMs < 3000, "503 after " + submitMs + " ms");
        start = System.nanoTime();
        HttpResponse<String> health = server.get("/health");
        long healthMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(503, health.statusCode(), health.body());
        assertTrue(healthMs < 2500, "health answered after " + healthMs + " ms");
        Thread.sleep(1500); // workers back off meanwhile

        redis.restart();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        HttpResponse<String> accepted = null;
        while (System.nanoTime() < deadline) {
            accepted = server.post("/api/v1/submit", "{\"payload\": {\"operation\": \"echo\", \"data\": \"after\"}}",
                    Map.of());
            if (accepted.statusCode() == 202) {
                break;
            }
            Thread.sleep(200);
        }
        assertEquals(202, accepted.statusCode(), accepted.body());
        String after = RedisDeployment.JSON.readTree(accepted.body()).get("correlation_id").asText();
        assertEquals("COMPLETED", server.json("/api/v1/response/" + after + "?wait=15").get("status").asText());
        assertEquals(200, server.get("/health").statusCode());
    }

    /**
     * A submission refused with 503 leaves nothing behind: the queue (Redis) is down while the result store
     * (embedded) is up, so the idempotency key, the correlation id and the PENDING record are written and must be
     * undone.
     */
    @Test
    void aRetryAfter503IsAnsweredAsTheFirstSubmission() throws Exception {
        deploy(RedisServer.startPersistent());
        RedisDeployment.Node server = deployment.start("all", "results.type=embedded", "worker.count=2");
        String body = "{\"payload\": {\"operation\": \"echo\", \"data\": \"once\"}}";
        Map<String, String> headers = Map.of("Idempotency-Key", "k-503", "X-Correlation-ID", "order-503");

        redis.kill();
        HttpResponse<String> refused = server.post("/api/v1/submit", body, headers);
        assertEquals(503, refused.statusCode(), refused.body());
        assertEquals(404, server.get("/api/v1/status/order-503").statusCode(), "no record left behind");

        redis.restart();
        HttpResponse<String> retried = refused;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (retried.statusCode() == 503 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            retried = server.post("/api/v1/submit", body, headers);
        }
        assertEquals(202, retried.statusCode(), retried.body());
        assertFalse(retried.headers().firstValue("Idempotent-Replayed").isPresent(), "a first acceptance");
        JsonNode result = server.json("/api/v1/response/order-503?wait=15");
        assertEquals("COMPLETED", result.get("status").asText(), result.toString());
        assertEquals("once", result.get("result").get("output").asText());
    }
}
