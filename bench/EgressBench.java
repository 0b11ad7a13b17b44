import io.undertow.Undertow;
import io.undertow.util.Headers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The egress benchmark's own parts, run as a single source file with the distribution's libraries
 * ({@code java -cp 'DIST/lib/*' bench/EgressBench.java ...}):
 * <ul>
 *   <li>{@code backend PORT}: the local HTTP backend (Undertow, answering on its IO threads), answering every
 *       request 200 with a small JSON body;</li>
 *   <li>{@code loop URL SECONDS CONCURRENCY}: a bare java.net.http client POSTing 1 KiB bodies as fast as it can
 *       (the ceiling of forwarding on this machine); prints requests/s;</li>
 *   <li>{@code rate URL RPS SECONDS}: an open-loop load of RPS requests/s (each request sent on time, however
 *       slow the answers); prints requests/s, p50 and p99 latency in ms, and the errors.</li>
 * </ul>
 */
public class EgressBench {
    private static final byte[] BODY = ("{\"data\":\"" + "x".repeat(1000) + "\"}").getBytes(StandardCharsets.UTF_8);

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "backend" -> backend(Integer.parseInt(args[1]));
            case "loop" -> loop(URI.create(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "rate" -> rate(URI.create(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException("backend | loop | rate");
        }
    }

    static void backend(int port) throws Exception {
        ByteBuffer answer = ByteBuffer.wrap("{\"ok\":true}".getBytes(StandardCharsets.UTF_8));
        Undertow.builder().addHttpListener(port, "127.0.0.1").setHandler(exchange ->
                exchange.getRequestReceiver().receiveFullBytes((done, body) -> {
                    done.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
                    done.getResponseSender().send(answer.duplicate());
                })).build().start();
        Thread.currentThread().join();
    }

    static void loop(URI uri, int seconds, int concurrency) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        AtomicLong done = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicBoolean measuring = new AtomicBoolean();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 3);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < concurrency; i++) {
                threads.submit(() -> {
                    while (System.nanoTime() < end) {
                        try {
                            HttpResponse<Void> r = client.send(post(uri), HttpResponse.BodyHandlers.discarding());
                            if (measuring.get()) {
                                (r.statusCode() == 200 ? done : errors).incrementAndGet();
                            }
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            Thread.sleep(3000); // warm-up
            long start = System.nanoTime();
            measuring.set(true);
            Thread.sleep(seconds * 1000L);
            measuring.set(false);
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf("requests/s %.0f errors %d%n", done.get() / elapsed, errors.get());
        }
    }

    static void rate(URI uri, int rps, int seconds) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        int total = rps * seconds;
        long[] latencies = new long[total];
        Arrays.fill(latencies, -1);
        AtomicLong errors = new AtomicLong();
        long interval = TimeUnit.SECONDS.toNanos(1) / rps;
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < total; i++) {
                long due = start + i * interval;
                LockSupport.parkNanos(due - System.nanoTime());
                int index = i;
                threads.submit(() -> {
                    try {
                        HttpResponse<Void> r = client.send(post(uri), HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 200) {
                            latencies[index] = System.nanoTime() - due; // from when it was due: no coordinated omission
                        } else {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                });
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long answered = Arrays.stream(latencies).filter(l -> l >= 0).count();
        List<Long> measured = new ArrayList<>();
        for (int i = seconds > 1 ? rps : 0; i < total; i++) { // the first second warms the JIT up
            if (latencies[i] >= 0) {
                measured.add(latencies[i]);
            }
        }
        measured.sort(null);
        System.out.printf("requests/s %.0f p50 %.2f p99 %.2f errors %d%n", answered / elapsed,
                percentile(measured, 0.50), percentile(measured, 0.99), errors.get());
    }

    private static double percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1)) / 1e6;
    }

    private static HttpRequest post(URI uri) {
        return HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(BODY)).build();
    }
}
