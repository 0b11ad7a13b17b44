package io.openhqm.distribution;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The HTTP backend a worker forwards to, on 127.0.0.1: it records every request and answers as the test tells it
 * (by default 200 with a JSON echo of what it got), so it can fail on demand.
 */
final class Backend implements AutoCloseable {

    /** A request as the backend received it; header names lower-case, several values joined with ", ". */
    record Request(String method, String path, String query, Map<String, String> headers, byte[] body, Instant at) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** What the backend answers. */
    record Answer(int status, Map<String, String> headers, byte[] body) {
        static Answer json(int status, String json) {
            return new Answer(status, Map.of("Content-Type", "application/json"), json.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final HttpServer server;
    private final List<Request> received = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Answer> answers = Backend::echo;

    private Backend(HttpServer server) {
        this.server = server;
    }

    static Backend start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        Backend backend = new Backend(server);
        server.createContext("/", backend::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return backend;
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    void answer(Function<Request, Answer> answers) {
        this.answers = answers;
    }

    List<Request> received() {
        return List.copyOf(received);
    }

    List<Request> received(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** Waits until {@code count} requests to {@code path} have arrived, and returns them. */
    List<Request> await(String path, int count, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (received(path).size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        List<Request> got = received(path);
        if (got.size() < count) {
            throw new AssertionError("backend got " + got.size() + " of " + count + " requests to " + path);
        }
        return got;
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.put(name.toLowerCase(Locale.ROOT), String.join(", ", values)));
        Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                exchange.getRequestURI().getRawQuery(), headers, body, Instant.now());
        received.add(request);
        Answer answer = answers.apply(request);
        answer.headers().forEach((name, value) -> {
            for (String line : value.split("\n")) {
                exchange.getResponseHeaders().add(name, line);
            }
        });
        boolean noBody = answer.body().length == 0 || request.method().equals("HEAD");
        exchange.sendResponseHeaders(answer.status(), noBody ? -1 : answer.body().length);
        if (!noBody) {
            exchange.getResponseBody().write(answer.body());
        }
        exchange.close();
    }

    private static Answer echo(Request r) {
        List<String> fields = new ArrayList<>();
        fields.add("\"method\":\"" + r.method() + "\"");
        fields.add("\"path\":\"" + r.path() + "\"");
        fields.add("\"query\":" + (r.query() == null ? "null" : "\"" + r.query() + "\""));
        fields.add("\"bytes\":" + r.body().length);
        return Answer.json(200, "{" + String.join(",", fields) + "}");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
