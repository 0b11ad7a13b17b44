package io.openhqm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.server.cli.CommandLine.Command;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingress rules that keep one client's submissions and results away from another's, over real sockets. */
class SubmissionsIT {
    private static final String KEYS = "server.auth.api_keys=[\"key-a\",\"key-b\"]";

    @TempDir
    Path home;

    @Test
    void anotherKeysCorrelationIdIsInUseNeverAReplay() throws Exception {
        try (Server server = ServerIT.start(home, Command.ALL, KEYS)) {
            TestHttp http = new TestHttp(server.address().getPort());
            String secret = "{\"payload\": {\"operation\": \"echo\", \"data\": \"a's secret\"}}";
            TestHttp.Reply first = http.send(http.post("/api/v1/submit", secret).header("X-API-Key", "key-a")
                    .header("X-Correlation-ID", "order-1").header("Prefer", "wait=10"));
            assertEquals(200, first.status(), first.body());

            TestHttp.Reply other = http.send(http.post("/api/v1/submit", secret).header("X-API-Key", "key-b")
                    .header("X-Correlation-ID", "order-1").header("Idempotency-Key", "k-1"));

            ServerIT.assertProblem(other, 409, "X-Correlation-ID");
            assertFalse(other.body().contains("secret"), other.body());
            assertNull(other.header("Idempotent-Replayed"));
            // The refused submission held nothing: b's key works at once with another id.
            TestHttp.Reply retried = http.send(http.post("/api/v1/submit", secret).header("X-API-Key", "key-b")
                    .header("X-Correlation-ID", "order-2").header("Idempotency-Key", "k-1"));
            assertEquals(202, retried.status(), retried.body());
            assertNull(retried.header("Idempotent-Replayed"));
            assertEquals("order-2", retried.json().get("correlation_id").asText());
        }
    }

    @Test
    void aRecordRecreatedByAWorkerKeepsItsOwner() throws Exception {
        try (Server server = ServerIT.start(home, Command.ALL, KEYS)) {
            TestHttp http = new TestHttp(server.address().getPort());
            // A queued message whose record is gone (its TTL ended while it waited).
            MessageMetadata metadata = new MessageMetadata(null, null, null, null, 0, null, Instant.now(), null, null,
                    ownerOf("key-a"), Map.of());
            server.queue().publish(new Message("expired-1", "{\"operation\": \"echo\", \"data\": 1}"
                    .getBytes(StandardCharsets.UTF_8), "application/json", Map.of(), metadata))
                    .toCompletableFuture().join();

            TestHttp.Reply owners = http.send(http.get("/api/v1/response/expired-1?wait=10").header("X-API-Key",
                    "key-a"));
            assertEquals(200, owners.status(), owners.body());
            assertEquals("COMPLETED", owners.json().get("status").asText());
            assertEquals(404, http.send(http.get("/api/v1/status/expired-1").header("X-API-Key", "key-b")).status());
            assertEquals(404, http.send(http.get("/api/v1/response/expired-1").header("X-API-Key", "key-b")).status());
        }
    }

    @Test
    void aBurstCannotOvershootMaxDepth() throws Exception {
        try (Server server = ServerIT.start(home, Command.ALL, "queue.max_depth=5", "worker.count=1",
                "worker.shutdown_grace=2s")) {
            TestHttp http = new TestHttp(server.address().getPort());
            int accepted = 0;
            int full = 0;
            for (int i = 0; i < 20; i++) {
                TestHttp.Reply reply = http.submit("{\"operation\": \"sleep\", \"ms\": 1000}");
                if (reply.status() == 202) {
                    accepted++;
                } else {
                    ServerIT.assertProblem(reply, 429, null);
                    full++;
                }
            }
            assertTrue(accepted >= 5 && accepted <= 6, accepted + " accepted with queue.max_depth = 5");
            assertEquals(20, accepted + full);
        }
    }

    static String ownerOf(String apiKey) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(apiKey.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 16);
    }
}
