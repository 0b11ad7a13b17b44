package io.openhqm.plugin.embedded;

import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.toolkit.testing.MapPluginConfig;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** Shared helpers for the embedded plugin's tests. */
final class Fixtures {
    static final QueueSettings SETTINGS = new QueueSettings("openhqm-requests", "openhqm-dlq");

    private Fixtures() {
    }

    /** A config for {@code home/data} with {@code pairs} (key, value, key, value, ...) on top. */
    static MapPluginConfig config(Object... pairs) {
        Map<String, Object> values = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            values.put((String) pairs[i], pairs[i + 1]);
        }
        return new MapPluginConfig("queue.embedded", values);
    }

    /**
     * A simulated server process with {@code home} and {@code instanceId}: its queues and result stores share one
     * database per file, which closing it closes. Close it after them; a restart is a new one.
     */
    static TestPluginContext process(Path home, String instanceId) {
        return new TestPluginContext(home, instanceId);
    }

    static EmbeddedQueue queue(TestPluginContext process, Object... pairs) {
        return (EmbeddedQueue) new EmbeddedQueueFactory().create(config(pairs), SETTINGS, process);
    }

    static EmbeddedResultStore store(TestPluginContext process, Duration ttl, Object... pairs) {
        return (EmbeddedResultStore) new EmbeddedResultStoreFactory().create(config(pairs), new ResultSettings(ttl),
                process);
    }

    static Message message(String id) {
        return message(id, 0);
    }

    static Message message(String id, int priority) {
        return new Message(id, ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8), "application/json",
                Map.of(), new MessageMetadata(null, null, null, null, priority, null, Instant.now(), null, null));
    }

    /** Database work that holds its thread: counts {@code held} down, then waits for {@code release}. */
    static Object hold(CountDownLatch held, CountDownLatch release) {
        held.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return null;
    }

    /** Polls until {@code count} deliveries arrived or {@code within} passed. */
    static List<Delivery> pollAll(QueueConsumer consumer, int count, Duration within) throws InterruptedException {
        List<Delivery> all = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        while (all.size() < count && System.nanoTime() < deadline) {
            all.addAll(consumer.poll(count - all.size(), Duration.ofMillis(200)));
        }
        return all;
    }
}
