package io.openhqm.plugin.egress.http;

import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.processing.Attempt;
import io.openhqm.toolkit.testing.MapPluginConfig;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Builds egresses, messages and attempts for the tests. */
final class EgressFixture {

    private EgressFixture() {
    }

    /** An endpoint block for {@code url} as the core normalizes it (method, allowed_methods) plus {@code keys}. */
    static Map<String, Object> endpoint(String url, Object... keysAndValues) {
        Map<String, Object> block = new LinkedHashMap<>();
        block.put("url", url);
        block.put("method", "POST");
        block.put("allowed_methods", List.of("POST"));
        for (int i = 0; i < keysAndValues.length; i += 2) {
            block.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return block;
    }

    /** The block {@code proxy} with {@code endpoints}, the first one the default, plus top-level {@code keys}. */
    static MapPluginConfig proxy(Map<String, Map<String, Object>> endpoints, Object... keysAndValues) {
        Map<String, Object> block = new LinkedHashMap<>();
        block.put("enabled", true);
        block.put("type", "http");
        block.put("default_endpoint", endpoints.keySet().iterator().next());
        block.put("endpoints", new LinkedHashMap<>(endpoints));
        block.put("forward_headers", List.of("*"));
        for (int i = 0; i < keysAndValues.length; i += 2) {
            block.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return new MapPluginConfig("proxy", block);
    }

    static HttpEgress create(MapPluginConfig config, TestPluginContext context) {
        return (HttpEgress) new HttpEgressFactory().create(config, context);
    }

    static TestPluginContext context() {
        return new TestPluginContext("egress-test");
    }

    static Message json(String body) {
        return message(null, null, null, null, body.getBytes(StandardCharsets.UTF_8), "application/json", Map.of());
    }

    static Message message(String endpoint, String method, String path, String query, byte[] body,
                           String contentType, Map<String, String> headers) {
        MessageMetadata metadata = new MessageMetadata(endpoint, method, path, query, 0, null, Instant.now(), null,
                null);
        return new Message(UUID.randomUUID().toString(), body, contentType, headers, metadata);
    }

    static Attempt attempt() {
        return attempt(Duration.ofSeconds(30));
    }

    static Attempt attempt(Duration left) {
        return new Attempt(1, Instant.now().plus(left));
    }
}
