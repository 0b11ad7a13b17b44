package io.openhqm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.testing.RedisServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The seed's Pattern 2 (Queue → HTTP, fed by any producer) and Pattern 3 as its Kubernetes sidecar (a listener in
 * transparent proxy mode and a separate worker process) on a real redis-server, through real processes.
 */
class EgressRedisIT extends RedisProcessTest {
    Backend backend;

    @AfterEach
    void stopBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void pattern2AWorkerForwardsWhatAnyProducerQueues() throws Exception {
        start();
        backend.answer(r -> Backend.Answer.json(200, "{\"got\":" + r.text() + "}"));
        RedisDeployment.Node worker = deployment.start("worker", "proxy.enabled=true",
                "proxy.endpoints.external-api.url=\"" + backend.url("/webhook") + "\"",
                "proxy.endpoints.external-api.auth_type=api_key", "proxy.endpoints.external-api.auth_token=k-123");

        String plain = (String) redis.call("XADD", "openhqm-requests", "*", "body", "{\"event\": \"signup\"}");
        Backend.Request call = backend.await("/webhook", 1, Duration.ofSeconds(10)).get(0);
        assertEquals("{\"event\": \"signup\"}", call.text());
        assertEquals("k-123", call.headers().get("x-api-key"));
        assertEquals(plain, call.headers().get("x-correlation-id"));

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (redis.callLong("XLEN", "openhqm-requests") > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(0L, redis.callLong("XLEN", "openhqm-requests"), "the forwarded entry is acknowledged");
        assertTrue(worker.get("/metrics").body().contains("openhqm_egress_requests_total{endpoint=\"external-api\""));
    }

    @Test
    void pattern3TheSidecarQueuesAndASeparateWorkerForwardsToTheApp() throws Exception {
        start();
        backend.answer(r -> new Backend.Answer(r.path().equals("/orders") ? 201 : 200,
                Map.of("Content-Type", "text/plain", "X-App", "legacy"),
                (r.method() + " " + r.path() + "?" + r.query() + " " + r.text()).getBytes(StandardCharsets.UTF_8)));
        String app = "proxy.default_endpoint=\"" + backend.url("") + "\"";
        RedisDeployment.Node sidecar = deployment.start("listener", "proxy.enabled=true", app, "server.mode=proxy");
        deployment.start("worker", "proxy.enabled=true", app);

        HttpResponse<String> created = sidecar.post("/orders?source=web", "{\"sku\": 7}", Map.of());
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("POST /orders?source=web {\"sku\": 7}", created.body());
        assertEquals("legacy", created.headers().firstValue("x-app").orElseThrow());
        String id = created.headers().firstValue("x-correlation-id").orElseThrow();
        JsonNode stored = sidecar.json("/api/v1/response/" + id);
        assertEquals("COMPLETED", stored.get("status").asText(), stored.toString());
        assertEquals(201, stored.get("status_code").asInt());

        HttpResponse<String> submitted = sidecar.post("/api/v1/submit", "{\"payload\": {\"a\": 1}}",
                Map.of("Prefer", "wait=10"));
        assertEquals(200, submitted.statusCode(), submitted.body());
        assertEquals("POST /?null {\"a\": 1}", RedisDeployment.JSON.readTree(submitted.body()).get("result").asText());
    }

    private void start() throws Exception {
        deploy(RedisServer.start());
        backend = Backend.start();
    }
}
