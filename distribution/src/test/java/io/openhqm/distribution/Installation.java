package io.openhqm.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A copy of the unpacked distribution in a temporary folder, and the real {@code bin/hqm-server} processes
 * started from it.
 */
final class Installation {
    static final Path BUILT = Path.of(System.getProperty("hqm.distribution",
            "target/hqm-server-" + System.getProperty("hqm.version", "0.1.0-SNAPSHOT")));

    final Path home;
    final int port;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private int starts;

    private Installation(Path home, int port) {
        this.home = home;
        this.port = port;
    }

    static Installation copyTo(Path target) throws IOException {
        if (!Files.isExecutable(BUILT.resolve("bin/hqm-server"))) {
            throw new IllegalStateException("no distribution at " + BUILT.toAbsolutePath() + "; run mvn package");
        }
        try (Stream<Path> files = Files.walk(BUILT)) {
            for (Path source : files.toList()) {
                Path copy = target.resolve(BUILT.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(source, copy, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return new Installation(target, freePort());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Runs {@code bin/hqm-server args...} to completion and returns its exit code and output. */
    Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), args);
    }

    /** {@link #run(String...)} with {@code environment} added to the process's environment. */
    Result run(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/hqm-server").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
        builder.environment().putAll(environment);
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("hqm-server " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), out, err);
    }

    record Result(int status, String out, String err) {
    }

    /** Starts the server in the background and waits until it is ready. */
    void start(String... args) throws IOException, InterruptedException {
        start(Map.of(), args);
    }

    /** {@link #start(String...)} with {@code environment} added to the process's environment. */
    void start(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/hqm-server").toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("--set", "server.port=" + port, "--set", "monitoring.log_format=text"));
        Path log = home.resolve("server-" + (++starts) + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("server exited with " + process.exitValue() + ":\n"
                        + Files.readString(log));
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
        throw new IllegalStateException("server not ready in 60 s:\n" + Files.readString(log));
    }

    Process process() {
        return process;
    }

    String log() throws IOException {
        return Files.readString(home.resolve("server-" + starts + ".log"));
    }

    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode json(String path) throws IOException, InterruptedException {
        return RedisDeployment.JSON.readTree(get(path).body());
    }

    /** Any request, with a body of bytes (none when empty), answered as bytes. */
    HttpResponse<byte[]> send(String method, String pathAndQuery, byte[] body, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).method(method, body.length == 0
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
