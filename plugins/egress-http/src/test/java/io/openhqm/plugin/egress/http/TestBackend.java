package io.openhqm.plugin.egress.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real HTTP server on 127.0.0.1 for the egress tests: records every request (with its arrival time), answers as
 * the current {@link #respond} function says, and measures how many requests it held at once.
 */
final class TestBackend implements AutoCloseable {

    /** A request as the backend saw it; header names lower-case, several values of one name kept apart. */
    record Received(String method, String path, String rawQuery, Map<String, List<String>> headers, byte[] body,
                    long atNanos) {
        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : String.join(", ", values);
        }
    }

    /** What to answer: status, headers (each value a separate header line), body, and a delay before it. */
    record Answer(int status, Map<String, List<String>> headers, byte[] body, long delayMillis, boolean chunked) {
        static Answer of(int status, String body) {
            return new Answer(status, Map.of("Content-Type", List.of("text/plain")), body.getBytes(), 0, false);
        }

        Answer header(String name, String... values) {
            Map<String, List<String>> h = new TreeMap<>(headers);
            h.put(name, List.of(values));
            return new Answer(status, h, body, delayMillis, chunked);
        }

        Answer delayed(long millis) {
            return new Answer(status, headers, body, millis, chunked);
        }

        Answer streamed() {
            return new Answer(status, headers, body, delayMillis, true);
        }
    }

    private final HttpServer server;
    final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger peakInFlight = new AtomicInteger();
    volatile Function<Received, Answer> respond = r -> Answer.of(200, "ok");

    TestBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int count() {
        return received.size();
    }

    List<Received> requests() {
        return new ArrayList<>(received);
    }

    Received last() {
        List<Received> all = requests();
        return all.get(all.size() - 1);
    }

    private void handle(HttpExchange exchange) throws IOException {
        int now = inFlight.incrementAndGet();
        peakInFlight.accumulateAndGet(now, Math::max);
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, List<String>> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
            Received request = new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(), headers, body, System.nanoTime());
            received.add(request);
            Answer answer = respond.apply(request);
            if (answer.delayMillis() > 0) {
                Thread.sleep(answer.delayMillis());
            }
            answer.headers().forEach((k, v) -> v.forEach(value -> exchange.getResponseHeaders().add(k, value)));
            boolean noBody = answer.body().length == 0;
            if (request.method().equals("HEAD")) {
                exchange.getResponseHeaders().set("Content-Length", Integer.toString(answer.body().length));
                exchange.sendResponseHeaders(answer.status(), -1);
                return;
            }
            exchange.sendResponseHeaders(answer.status(), noBody ? -1 : answer.chunked() ? 0 : answer.body().length);
            if (!noBody) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer.body());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client went away (a timeout or an abandoned body): nothing to answer
        } finally {
            inFlight.decrementAndGet();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
