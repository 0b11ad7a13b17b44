package io.openhqm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bulk redrive on the embedded queue through real {@code bin/hqm-server} processes, killed with SIGKILL midway:
 * after a restart every message is either still a dead letter or was queued and completes, never both, never
 * neither (each move is one SQLite transaction).
 */
class EmbeddedBulkAdminIT {
    private static final Map<String, String> ADMIN = Map.of("X-API-Key", "admin-key");
    private static final String ADMIN_KEYS = "server.auth.admin_keys=[\"admin-key\"]";
    private static final int MESSAGES = 40;

    @TempDir
    Path dir;
    private Installation server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void aServerKilledDuringARedriveJobLeavesEveryMessageInExactlyOnePlace() throws Exception {
        server = Installation.copyTo(dir.resolve("home"));
        server.start("all", "--set", "worker.max_retries=0", "--set", "worker.timeout_seconds=1", "--set",
                "worker.count=" + MESSAGES, "--set", ADMIN_KEYS);
        List<String> all = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            HttpResponse<String> submitted = server.post("/api/v1/submit",
                    "{\"payload\": {\"operation\": \"sleep\", \"ms\": 1500}}");
            assertEquals(202, submitted.statusCode(), submitted.body());
            all.add(RedisDeployment.JSON.readTree(submitted.body()).get("correlation_id").asText());
        }
        awaitQueue("dead_letters", MESSAGES, Duration.ofSeconds(60));
        server.stop();

        server.start("listener", "--set", ADMIN_KEYS);
        HttpResponse<String> started = server.post("/api/v1/dead-letters/redrive", "{\"rate_per_second\": 20}",
                ADMIN);
        assertEquals(202, started.statusCode(), started.body());
        awaitQueue("depth", 10, Duration.ofSeconds(10));
        server.kill();

        server.start("all", "--set", ADMIN_KEYS, "--set", "worker.count=" + MESSAGES);
        Set<String> deadLetters = new HashSet<>();
        JsonNode letters = RedisDeployment.JSON.readTree(adminGet("/api/v1/dead-letters?limit=500"))
                .get("dead_letters");
        letters.forEach(letter -> deadLetters.add(letter.get("correlation_id").asText()));
        List<String> queued = all.stream().filter(id -> !deadLetters.contains(id)).toList();
        assertTrue(queued.size() >= 10 && queued.size() < MESSAGES, "killed midway: " + queued.size() + " queued");
        assertEquals(MESSAGES - queued.size(), letters.size(), "no dead letter twice");

        for (String id : queued) {
            assertEquals("COMPLETED", server.json("/api/v1/response/" + id + "?wait=30").path("status").asText(),
                    "a redriven message completes: " + id);
        }
        awaitQueue("depth", 0, Duration.ofSeconds(30));
        for (String id : deadLetters) {
            assertTrue(!"COMPLETED".equals(server.json("/api/v1/status/" + id).path("status").asText()),
                    "a message still a dead letter was not queued as well: " + id);
        }
        assertEquals(deadLetters.size(), queueField("dead_letters"));
    }

    private long queueField(String field) throws Exception {
        return RedisDeployment.JSON.readTree(adminGet("/api/v1/queues")).get("queues").get(0)
                .get(field).asLong();
    }

    private String adminGet(String path) throws Exception {
        HttpResponse<byte[]> answer = server.send("GET", path, new byte[0], ADMIN);
        assertEquals(200, answer.statusCode(), path);
        return new String(answer.body(), StandardCharsets.UTF_8);
    }

    /** Waits until the queue's {@code field} reaches {@code value} (at least, or exactly 0). */
    private void awaitQueue(String field, long value, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        long now = queueField(field);
        while ((value == 0 ? now != 0 : now < value) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = queueField(field);
        }
        assertTrue(value == 0 ? now == 0 : now >= value, field + " is " + now + ", not " + value);
    }
}
