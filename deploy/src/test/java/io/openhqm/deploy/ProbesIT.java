package io.openhqm.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Probe;
import io.openhqm.testing.RedisServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probes and the shutdown of the manifests hold for the real server: the HTTP -> Queue worker, started from
 * its ConfigMap and environment against a real Redis, turns ready within its startup budget; when Redis dies its
 * liveness probe keeps answering 200 (a Redis outage restarts no pod) while readiness answers 503 within the
 * readiness probe's budget; and SIGTERM ends it within terminationGracePeriodSeconds less the preStop pause.
 */
@Execution(ExecutionMode.CONCURRENT)
class ProbesIT {
    private static final String REDIS_PASSWORD = "probe-test-password";

    @TempDir
    Path temp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void livenessNeverDependsOnRedisReadinessDoesAndSigtermEndsWithinTheGracePeriod() throws Exception {
        OpenHqmContainer worker = OpenHqmContainer.all().filter(c -> c.scenario().name().equals("http-to-queue")
                && c.role().equals("worker")).findFirst().orElseThrow();
        Probe startup = worker.container().getStartupProbe();
        Probe readiness = worker.container().getReadinessProbe();
        Path config = Files.writeString(temp.resolve("openhqm.conf"), worker.configText());
        int port = freePort();

        try (RedisServer redis = RedisServer.startWithPassword(REDIS_PASSWORD)) {
            Map<String, String> env = new HashMap<>(worker.environment());
            env.put("REDIS_ADDRESS", "127.0.0.1:" + redis.port());
            env.put("REDIS_PASSWORD", REDIS_PASSWORD);
            // The manifest's port may be taken on a build machine; the probes follow the port.
            env.put("OPENHQM_MANAGEMENT__HOST", "127.0.0.1");
            env.put("OPENHQM_MANAGEMENT__PORT", Integer.toString(port));
            Path log = temp.resolve("worker.log");
            Process process = Distribution.start(Distribution.hqmServer(env, worker.role(), "--config",
                    config.toString()).redirectErrorStream(true).redirectOutput(log.toFile()));
            try {
                String base = "http://127.0.0.1:" + port;
                awaitStatus(base + "/health/ready", 200, budget(startup), log);
                assertEquals(200, status(base + "/health/live"));

                redis.kill();
                awaitStatus(base + "/health/ready", 503, budget(readiness), log);
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, status(base + "/health/live"), "liveness while Redis is down");
                    Thread.sleep(500);
                }

                long pause = worker.container().getLifecycle().getPreStop().getSleep().getSeconds();
                long period = worker.deployment().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
                long started = System.nanoTime();
                process.destroy();
                assertTrue(process.waitFor(period - pause, TimeUnit.SECONDS), "SIGTERM ends the worker within "
                        + (period - pause) + " s\n" + Files.readString(log));
                // The JVM ends with 128 + SIGTERM after its shutdown hook ran to the end.
                assertEquals(143, process.exitValue(), Files.readString(log));
                assertTrue(Files.readString(log).contains("\"message\":\"stopped\""), Files.readString(log));
                System.out.printf("worker stopped %d ms after SIGTERM with Redis down%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            } finally {
                process.destroyForcibly();
            }
        }
    }

    /** How long Kubernetes gives a probe before acting: period times failure threshold. */
    private static Duration budget(Probe probe) {
        return Duration.ofSeconds((long) probe.getPeriodSeconds() * probe.getFailureThreshold());
    }

    private void awaitStatus(String url, int expected, Duration within, Path log) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = status(url);
            if (last == expected) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(url + " answered " + last + ", not " + expected + ", within " + within + "\n"
                + Files.readString(log));
    }

    private int status(String url) throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
