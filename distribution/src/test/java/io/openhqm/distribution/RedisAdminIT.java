package io.openhqm.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.testing.RedisServer;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The admin API through real {@code bin/hqm-server} processes on a real redis-server: a message that timed out is
 * listed among the dead letters, and once the cause is fixed (a longer timeout, after a restart) redriven until it
 * completes.
 */
class RedisAdminIT extends RedisProcessTest {
    private static final Map<String, String> ADMIN = Map.of("X-API-Key", "admin-key");


    @Test
    void aDeadLetterIsListedAndRedrivenUntilItCompletes() throws Exception {
        deploy(RedisServer.start());
        RedisDeployment.Node failing = deployment.start("all", "worker.timeout_seconds=1",
                "server.auth.admin_keys=[\"admin-key\"]");
        assertTrue(failing.log().contains("admin API (/api/v1/dead-letters, /api/v1/queues, /api/v1/endpoints) and "
                + "console (/console) on, for the 1 key(s)"), failing.log());
        String id = failing.submit("{\"operation\": \"sleep\", \"ms\": 1500}");
        assertEquals("TIMEOUT", failing.json("/api/v1/response/" + id + "?wait=10").get("status").asText());

        JsonNode letters = awaitDeadLetters(failing, 1);
        JsonNode letter = letters.get(0);
        assertEquals(id, letter.get("correlation_id").asText());
        assertTrue(letter.get("error").asText().contains("timeout"), letter.toString());
        assertTrue(letter.get("payload_excerpt").asText().contains("sleep"), letter.toString());
        assertEquals(401, failing.get("/api/v1/dead-letters").statusCode());
        failing.stop();

        RedisDeployment.Node fixed = deployment.start("all", "server.auth.admin_keys=[\"admin-key\"]");
        String deadLetterId = letter.get("id").asText();
        HttpResponse<String> redriven = fixed.post("/api/v1/dead-letters/" + deadLetterId + "/redrive", "", ADMIN);
        assertEquals(202, redriven.statusCode(), redriven.body());
        JsonNode done = fixed.json("/api/v1/response/" + id + "?wait=15");
        assertEquals("COMPLETED", done.get("status").asText(), done.toString());
        assertEquals(0, RedisDeployment.JSON.readTree(fixed.get("/api/v1/dead-letters", ADMIN).body())
                .get("dead_letters").size());
        assertEquals(0L, redis.callLong("XLEN", "openhqm-dlq"));
        JsonNode queue = RedisDeployment.JSON.readTree(fixed.get("/api/v1/queues", ADMIN).body()).get("queues").get(0);
        assertEquals("redis", queue.get("type").asText());
        assertEquals(0, queue.get("dead_letters").asLong());
        assertFalse(fixed.log().contains("admin-key"), "the admin key is never logged");
    }

    private static JsonNode awaitDeadLetters(RedisDeployment.Node node, int count) throws Exception {
        JsonNode letters = null;
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> page = node.get("/api/v1/dead-letters", ADMIN);
            assertEquals(200, page.statusCode(), page.body());
            letters = RedisDeployment.JSON.readTree(page.body()).get("dead_letters");
            if (letters.size() == count) {
                return letters;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("expected " + count + " dead letters, saw " + letters);
    }
}
