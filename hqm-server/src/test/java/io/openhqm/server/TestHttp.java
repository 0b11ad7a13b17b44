package io.openhqm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small real-socket HTTP client for tests. */
final class TestHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    TestHttp(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** A response with its body parsed as JSON (or {@code null} if not JSON). */
    record Reply(int status, JsonNode json, String body, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException notJson) {
            // left null
        }
        return new Reply(response.statusCode(), json, response.body(), response);
    }

    HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).GET();
    }

    Reply submit(String payloadJson) throws IOException, InterruptedException {
        return send(post("/api/v1/submit", "{\"payload\": " + payloadJson + "}"));
    }

    Reply awaitResult(String id, int seconds) throws IOException, InterruptedException {
        return send(get("/api/v1/response/" + id + "?wait=" + seconds));
    }
}
