package io.openhqm.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openhqm.testing.RedisServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * An installation (a copy of the distribution) running OpenHQM processes against one {@link RedisServer} (or, made by
 * {@link #onQueue}, another queue backend): any number of listener, worker and all-in-one processes, each on free
 * ports, each with its own log.
 */
final class RedisDeployment implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final Installation installation;
    final RedisServer redis;
    private final List<String> queueSettings;
    private final List<Node> nodes = new ArrayList<>();

    private RedisDeployment(Installation installation, RedisServer redis, List<String> queueSettings) {
        this.installation = installation;
        this.redis = redis;
        this.queueSettings = List.copyOf(queueSettings);
    }

    static RedisDeployment create(Path work, RedisServer redis) throws IOException {
        return new RedisDeployment(installation(work), redis,
                List.of("queue.type=redis", "queue.redis.url=\"" + redis.url() + "\""));
    }

    /** Processes on the queue that {@code queueSettings} (e.g. {@code queue.type=kafka}) configure; no Redis. */
    static RedisDeployment onQueue(Path work, String... queueSettings) throws IOException {
        return new RedisDeployment(installation(work), null, List.of(queueSettings));
    }

    private static Installation installation(Path work) throws IOException {
        Installation installation = Installation.copyTo(work);
        dropPluginFoldersWithoutProvider(installation.home.resolve("plugins"));
        return installation;
    }

    /**
     * A module that is still a stub builds a jar without a provider, and the server refuses to start with such a
     * folder; these tests need only queue-redis and processor-sample.
     */
    private static void dropPluginFoldersWithoutProvider(Path plugins) throws IOException {
        try (Stream<Path> folders = Files.list(plugins)) {
            for (Path folder : folders.toList()) {
                if (!hasProvider(folder)) {
                    try (Stream<Path> files = Files.walk(folder)) {
                        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
        }
    }

    private static boolean hasProvider(Path folder) throws IOException {
        try (Stream<Path> jars = Files.list(folder)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                try (JarFile file = new JarFile(jar.toFile())) {
                    if (file.getEntry("META-INF/services/io.openhqm.api.Plugin") != null) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Starts {@code bin/hqm-server MODE} on the deployment's queue and waits until it is ready (on the API port, or
     * the management port for workers).
     */
    Node start(String mode, String... settings) throws IOException, InterruptedException {
        int port = Installation.freePort();
        int management = Installation.freePort();
        List<String> command = new ArrayList<>(List.of(installation.home.resolve("bin/hqm-server").toString(), mode,
                "--set", "server.port=" + port, "--set", "management.port=" + management,
                "--set", "monitoring.log_format=text"));
        List<String> all = new ArrayList<>(queueSettings);
        all.addAll(List.of(settings));
        for (String setting : all) {
            command.add("--set");
            command.add(setting);
        }
        Path log = installation.home.resolve(mode + "-" + (nodes.size() + 1) + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Node node = new Node(mode, process, "worker".equals(mode) ? management : port, log);
        nodes.add(node);
        node.awaitReady();
        return node;
    }

    /** Stops every process and keeps their logs under {@code target/redis-it-logs/<name>/} for a post-mortem. */
    void close(String name) throws InterruptedException {
        close();
        Path keep = Path.of("target", "redis-it-logs", name);
        try {
            Files.createDirectories(keep);
            for (Node node : nodes) {
                Files.copy(node.log, keep.resolve(node.log.getFileName()),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // best effort
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Node node : nodes) {
            node.stop();
        }
    }

    /** One running process. */
    static final class Node {
        final String mode;
        final Process process;
        final int port;
        final Path log;
        private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

        Node(String mode, Process process, int port, Path log) {
            this.mode = mode;
            this.process = process;
            this.port = port;
            this.log = log;
        }

        void awaitReady() throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(mode + " exited with " + process.exitValue() + ":\n" + log());
                }
                try {
                    if (get("/health/ready").statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException(mode + " not ready in 60 s:\n" + log());
        }

        String log() throws IOException {
            return Files.readString(log);
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        void stop() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }

        HttpResponse<String> get(String path) throws IOException, InterruptedException {
            return get(path, Map.of());
        }

        HttpResponse<String> get(String path, Map<String, String> headers) throws IOException, InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30));
            headers.forEach(request::header);
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> post(String path, String body, Map<String, String> headers)
                throws IOException, InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            headers.forEach(request::header);
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> delete(String path, Map<String, String> headers) throws IOException, InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30)).DELETE();
            headers.forEach(request::header);
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }

        /** Submits {@code payload} and returns the correlation id (asserting 202). */
        String submit(String payload) throws IOException, InterruptedException {
            HttpResponse<String> r = post("/api/v1/submit", "{\"payload\": " + payload + "}", Map.of());
            if (r.statusCode() != 202) {
                throw new AssertionError("submit answered " + r.statusCode() + ": " + r.body());
            }
            return JSON.readTree(r.body()).get("correlation_id").asText();
        }

        JsonNode json(String path) throws IOException, InterruptedException {
            return JSON.readTree(get(path).body());
        }

        /** Waits up to {@code max} until every id has a terminal status; returns the ids that are COMPLETED. */
        List<String> awaitCompleted(List<String> ids, Duration max) throws IOException, InterruptedException {
            List<String> completed = new ArrayList<>();
            List<String> open = new ArrayList<>(ids);
            long deadline = System.nanoTime() + max.toNanos();
            while (!open.isEmpty() && System.nanoTime() < deadline) {
                JsonNode r = json("/api/v1/response/" + open.get(0) + "?wait=5");
                String status = r.path("status").asText();
                if ("COMPLETED".equals(status)) {
                    completed.add(open.remove(0));
                } else if ("FAILED".equals(status) || "TIMEOUT".equals(status)) {
                    open.remove(0);
                }
            }
            return completed;
        }
    }
}
