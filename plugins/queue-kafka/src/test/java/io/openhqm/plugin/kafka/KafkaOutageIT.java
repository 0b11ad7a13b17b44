package io.openhqm.plugin.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.api.result.ResultStore;
import io.openhqm.toolkit.testing.MapPluginConfig;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Queue and result store while the network to a real broker is cut and restored (through a TCP forwarder). */
class KafkaOutageIT {
    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.startBehindForwarder();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    private static Message message(String id) {
        return new Message(id, "{}".getBytes(StandardCharsets.UTF_8), "application/json", Map.of(),
                MessageMetadata.defaults(Instant.now()));
    }

    private static void eventually(String what, Duration within, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + " within " + within);
            Thread.sleep(100);
        }
    }

    @Test
    void publishFailsPromptlyHealthGoesDownAndEverythingResumesByItself() throws Exception {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            TestPluginContext context = new TestPluginContext("outage");
            opened.add(context);
            MapPluginConfig config = new MapPluginConfig("queue.kafka",
                    broker.queueConfig("request_timeout", Duration.ofSeconds(2), "results_topic", "outage-results"));
            Queue queue = new KafkaQueueFactory().create(config, new QueueSettings("outage", "outage-dlq"), context);
            opened.add(queue);
            ResultStore results = new KafkaResultStoreFactory().create(config,
                    new ResultSettings(Duration.ofMinutes(5)), context);
            opened.add(results);
            QueueConsumer consumer = queue.consumer("workers");
            opened.add(consumer);

            queue.publish(message("before")).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals("before", poll(consumer).message().correlationId());
            assertTrue(queue.health().healthy(), queue.health().detail());
            assertTrue(results.health().healthy(), results.health().detail());

            broker.cut();
            long start = System.nanoTime();
            ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> queue.publish(message("during")).toCompletableFuture().get(30, TimeUnit.SECONDS));
            long failedAfterMs = (System.nanoTime() - start) / 1_000_000;
            assertInstanceOf(HqmException.class, failed.getCause());
            assertEquals(ErrorKind.TRANSIENT, ((HqmException) failed.getCause()).kind());
            assertTrue(failedAfterMs < 6000, "failed after " + failedAfterMs + " ms (request_timeout 2 s)");
            eventually("the queue reports down", Duration.ofSeconds(5), () -> !queue.health().healthy());
            eventually("the result store reports down", Duration.ofSeconds(8), () -> !results.health().healthy());
            assertThrowsSoon(() -> results.put(RequestRecord.pending("during", Instant.now(), null))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS));

            broker.restore();
            eventually("the queue reports up", Duration.ofSeconds(30), () -> queue.health().healthy());
            eventually("the result store reports up", Duration.ofSeconds(30), () -> results.health().healthy());
            queue.publish(message("after")).toCompletableFuture().get(10, TimeUnit.SECONDS);
            RequestRecord after = RequestRecord.pending("after", Instant.now(), null);
            results.put(after).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertEquals(Optional.of(ResultFormat.asStored(after)), results.get("after").toCompletableFuture().get());
            Delivery resumed = poll(consumer);
            assertEquals("after", resumed.message().correlationId(), "the consumer resumed by itself");
            resumed.ack();
        } finally {
            for (AutoCloseable c : opened.reversed()) {
                c.close();
            }
        }
    }

    private static void assertThrowsSoon(org.junit.jupiter.api.function.Executable write) {
        long start = System.nanoTime();
        org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, write);
        assertFalse((System.nanoTime() - start) / 1_000_000 > 6000, "a store write fails within request_timeout");
    }

    private static Delivery poll(QueueConsumer consumer) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            List<Delivery> got = consumer.poll(1, Duration.ofMillis(200));
            if (!got.isEmpty()) {
                return got.getFirst();
            }
        }
        throw new AssertionError("nothing delivered within 30 s");
    }
}
