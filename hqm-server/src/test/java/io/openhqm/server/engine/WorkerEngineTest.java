package io.openhqm.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openhqm.api.message.Message;
import io.openhqm.api.processing.Attempt;
import io.openhqm.api.processing.BatchItem;
import io.openhqm.api.processing.Outcome;
import io.openhqm.api.processing.Processor;
import io.openhqm.api.result.Reply;
import io.openhqm.api.result.Status;
import io.openhqm.testing.InMemoryQueue;
import io.openhqm.testing.InMemoryResultStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The worker engine on in-memory adapters: concurrency, ordering keys, batches, shutdown. */
class WorkerEngineTest {
    final InMemoryQueue queue = new InMemoryQueue();

    final InMemoryResultStore results = new InMemoryResultStore();

    WorkerEngine engine(Processor processor, int count, int batchSize, Duration grace) {
        return engine(processor, count, batchSize, grace, Duration.ofSeconds(30));
    }

    WorkerEngine engine(Processor processor, int count, int batchSize, Duration grace, Duration timeout) {
        DeliveryPipeline pipeline = new DeliveryPipeline(processor, results, true, Duration.ofMillis(50),
                new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(20)), timeout,
                Clock.systemUTC(), new SimpleMeterRegistry());
        return new WorkerEngine(queue, pipeline, count, 16, batchSize, Duration.ofMillis(300), grace,
                new SimpleMeterRegistry());
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 400 && !condition.getAsBoolean(); i++) {
            Thread.sleep(25);
        }
        assertTrue(condition.getAsBoolean(), "not within 10 s");
    }

    @Test
    void messagesOfOneOrderingKeyRunOneAtATimeInOrderWhileOthersRunAlongside() throws Exception {
        Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        Map<String, Integer> mostAtOnce = new ConcurrentHashMap<>();
        List<String> order = new CopyOnWriteArrayList<>();
        Processor processor = (message, attempt) -> {
            String key = message.bodyAsString();
            int now = running.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            mostAtOnce.merge(key, now, Math::max);
            order.add(message.correlationId());
            Thread.sleep(50);
            running.get(key).decrementAndGet();
            return Outcome.completed(Reply.json("{}"));
        };
        for (int i = 0; i < 6; i++) {
            queue.add("k-" + i, "keyed", "customer-7");
            queue.add("u-" + i, "unkeyed", null);
        }

        try (WorkerEngine engine = engine(processor, 8, 1, Duration.ofSeconds(5))) {
            engine.start();
            awaitTrue(() -> queue.settled("ack") == 12);
        }

        assertEquals(1, mostAtOnce.get("keyed"));
        assertTrue(mostAtOnce.get("unkeyed") > 1, "unkeyed ran " + mostAtOnce.get("unkeyed") + " at once");
        assertEquals(List.of("k-0", "k-1", "k-2", "k-3", "k-4", "k-5"),
                order.stream().filter(id -> id.startsWith("k-")).toList());
    }

    @Test
    void aBatchReachesTheProcessorInOneCall() throws Exception {
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        Processor processor = new Processor() {
            @Override
            public Outcome process(Message message, Attempt attempt) {
                return Outcome.completed(Reply.json("{}"));
            }

            @Override
            public List<Outcome> processBatch(List<BatchItem> items) {
                batchSizes.add(items.size());
                List<Outcome> outcomes = new ArrayList<>();
                items.forEach(item -> outcomes.add(item.message().correlationId().equals("m-1")
                        ? Outcome.failed("bad row") : Outcome.completed(Reply.json("{}"))));
                return outcomes;
            }
        };
        for (int i = 0; i < 3; i++) {
            queue.add("m-" + i, "{}", null);
        }

        try (WorkerEngine engine = engine(processor, 3, 3, Duration.ofSeconds(5))) {
            engine.start();
            awaitTrue(() -> queue.settled.size() == 3);
        }

        assertEquals(List.of(3), batchSizes);
        assertEquals(2, queue.settled("ack"));
        assertEquals(List.of("deadLetter m-1"), queue.settled.stream().filter(s -> s.startsWith("dead")).toList());
    }

    @Test
    void closeHandsBackWhatOutlastsTheGraceAndKeepsToIt() throws Exception {
        queue.add("slow", "{}", null);
        WorkerEngine engine = engine((message, attempt) -> {
            Thread.sleep(30_000);
            return Outcome.completed(Reply.json("{}"));
        }, 2, 1, Duration.ofSeconds(3));
        engine.start();
        awaitTrue(() -> engine.active() == 1);

        long started = System.nanoTime();
        engine.close();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertTrue(ms <= 4_000, "closed in " + ms + " ms with a 3 s grace");
        assertEquals(List.of("defer slow"), queue.settled);
    }

    @Test
    void aProcessorIgnoringTheInterruptFreesItsWorkerAtTheDeadline() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Processor processor = (message, attempt) -> {
            while (message.correlationId().equals("stuck")) {
                try {
                    release.await();
                    break;
                } catch (InterruptedException ignored) {
                    // a processor that does not stop when asked
                }
            }
            return Outcome.completed(Reply.json("{}"));
        };
        queue.add("stuck", "{}", null);
        queue.add("next", "{}", null);

        try (WorkerEngine engine = engine(processor, 1, 1, Duration.ofSeconds(5), Duration.ofMillis(300))) {
            engine.start();
            awaitTrue(() -> queue.settled.size() == 2);
            assertEquals(0, engine.active());
        } finally {
            release.countDown();
        }

        assertEquals(List.of("deadLetter stuck", "ack next"), queue.settled);
        assertEquals(Status.TIMEOUT, results.records.get("stuck").status());
    }

    @Test
    void closeHandsBackWhatIgnoresTheInterrupt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        queue.add("stuck", "{}", null);
        WorkerEngine engine = engine((message, attempt) -> {
            while (true) {
                try {
                    release.await();
                    return Outcome.completed(Reply.json("{}"));
                } catch (InterruptedException ignored) {
                    // a processor that does not stop when asked
                }
            }
        }, 2, 1, Duration.ofSeconds(3));
        engine.start();
        awaitTrue(() -> engine.active() == 1);

        long started = System.nanoTime();
        try {
            engine.close();
        } finally {
            release.countDown();
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertTrue(ms <= 2_000, "closed in " + ms + " ms with a 3 s grace");
        assertEquals(List.of("defer stuck"), queue.settled);
    }
}
