package io.openhqm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.testing.RedisServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A submission refused with 503 leaves nothing behind: the queue (Redis) is down while the result store (embedded)
 * is up, so the idempotency key, the correlation id and the PENDING record are written and must be undone.
 */
class RefusedSubmissionIT {
    @TempDir
    Path work;
    RedisServer redis;
    RedisDeployment deployment;

    @AfterEach
    void stop(org.junit.jupiter.api.TestInfo test) throws InterruptedException {
        if (deployment != null) {
            deployment.close(test.getTestMethod().map(java.lang.reflect.Method::getName).orElse("test"));
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aRetryAfter503IsAnsweredAsTheFirstSubmission() throws Exception {
        redis = RedisServer.startPersistent();
        deployment = RedisDeployment.create(work, redis);
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
