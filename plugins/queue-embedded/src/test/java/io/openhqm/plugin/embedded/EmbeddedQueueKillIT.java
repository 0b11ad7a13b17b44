package io.openhqm.plugin.embedded;

import static io.openhqm.plugin.embedded.Fixtures.message;
import static io.openhqm.plugin.embedded.Fixtures.pollAll;
import static io.openhqm.plugin.embedded.Fixtures.process;
import static io.openhqm.plugin.embedded.Fixtures.queue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Kills a real child JVM with SIGKILL and checks what the database kept. */
@Timeout(120)
class EmbeddedQueueKillIT {

    @TempDir
    Path home;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() {
        children.forEach(Process::destroyForcibly);
    }

    @Test
    void everyPublishThatCompletedSurvivesKill9() throws Exception {
        int n = 500;
        Process child = start("publish", "listener", n);
        awaitLine(child, "published " + n);
        kill(child);

        try (TestPluginContext process = process(home, "worker");
             EmbeddedQueue queue = queue(process); QueueConsumer consumer = queue.consumer("c")) {
            assertEquals(n, queue.depth());
            List<Delivery> all = pollAll(consumer, n + 1, Duration.ofSeconds(2));
            Set<String> ids = all.stream().map(d -> d.message().correlationId()).collect(Collectors.toSet());
            assertEquals(IntStream.range(0, n).mapToObj(i -> "m-" + i).collect(Collectors.toSet()), ids);
            assertEquals(n, all.size());
        }
    }

    @Test
    void messagesLeasedByAKilledWorkerAreRedeliveredWhenItRestarts() throws Exception {
        int n = 50;
        try (TestPluginContext process = process(home, "listener");
             EmbeddedQueue queue = queue(process)) {
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                published.add(queue.publish(message("m-" + i)).toCompletableFuture());
            }
            CompletableFuture.allOf(published.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
        Process child = start("lease", "worker-1", n);
        awaitLine(child, "leased " + n);
        kill(child);

        try (TestPluginContext process = process(home, "worker-2");
             EmbeddedQueue other = queue(process)) {
            assertEquals(n, other.depth());
            assertEquals(List.of(), other.consumer("c").poll(n, Duration.ZERO),
                    "another process took leases before the visibility timeout");
        }
        try (TestPluginContext process = process(home, "worker-1");
             EmbeddedQueue restarted = queue(process); QueueConsumer consumer = restarted.consumer("c")) {
            List<Delivery> again = consumer.poll(n + 1, Duration.ZERO);
            assertEquals(n, again.size());
            again.forEach(d -> assertEquals(2, d.attempt(), d + " should be its second attempt"));
            again.forEach(Delivery::ack);
            assertEquals(0, restarted.depth());
        }
    }

    private Process start(String mode, String instanceId, int n) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path stderr = home.resolve("child-" + mode + ".err");
        Process process = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED", "-cp", classpath, EmbeddedChild.class.getName(), mode,
                home.toString(), instanceId, Integer.toString(n))
                .redirectError(stderr.toFile())
                .start();
        children.add(process);
        return process;
    }

    private void awaitLine(Process process, String expected) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = out.readLine()) != null) {
                    if (l.equals(expected)) {
                        return l;
                    }
                }
                return "exited with " + process.waitFor();
            } catch (IOException | InterruptedException e) {
                return e.toString();
            }
        });
        try {
            String got = line.get(60, TimeUnit.SECONDS);
            if (!got.equals(expected)) {
                throw new AssertionError("child did not print \"" + expected + "\": " + got + "\n" + childErrors());
            }
        } catch (TimeoutException e) {
            throw new AssertionError("child did not print \"" + expected + "\" within 60 s\n" + childErrors());
        }
    }

    private String childErrors() throws IOException {
        StringBuilder out = new StringBuilder();
        try (var files = Files.list(home)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".err")).toList()) {
                out.append(p.getFileName()).append(":\n").append(Files.readString(p));
            }
        }
        return out.toString();
    }

    private static void kill(Process process) throws InterruptedException {
        process.destroyForcibly(); // SIGKILL: no shutdown hooks, nothing closed
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("child did not die");
        }
    }
}
