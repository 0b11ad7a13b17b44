package io.openhqm.testing;

import io.openhqm.api.Health;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.DeadLetterEntry;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueConsumer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A queue in memory for core tests: messages wait in a blocking queue, each settle is recorded as
 * {@code "<how> <id>"}, and a retried message is offered again at once. While {@link #failure} is set, publishing
 * fails with it and health is down with its message, as with a backend that went away.
 */
public final class InMemoryQueue implements Queue {
    public final List<Message> published = new CopyOnWriteArrayList<>();
    public final List<String> settled = new CopyOnWriteArrayList<>();
    public volatile RuntimeException failure;
    private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    private final BlockingQueue<TestDelivery> waiting = new LinkedBlockingQueue<>();
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    /** Whether deliveries say when they are their message's first ({@link Delivery#firstDelivery()}). */
    public volatile boolean tellsFirstDeliveries;

    /** Adds a message with an optional ordering key, as a producer would. */
    public void add(String id, String body, String orderingKey) {
        add(new Message(id, body.getBytes(StandardCharsets.UTF_8), "application/json", Map.of(),
                MessageMetadata.defaults(Instant.now())), orderingKey);
    }

    private void add(Message message, String orderingKey) {
        waiting.add(new TestDelivery(message, attempts.merge(message.correlationId(), 1, Integer::sum),
                orderingKey));
    }

    /** How many settles of one kind ({@code ack}, {@code retry}, {@code defer}, {@code deadLetter}) happened. */
    public long settled(String how) {
        return settled.stream().filter(s -> s.startsWith(how + " ")).count();
    }

    private final class TestDelivery implements Delivery {
        private final Message message;
        private final int attempt;
        private final String orderingKey;

        TestDelivery(Message message, int attempt, String orderingKey) {
            this.message = message;
            this.attempt = attempt;
            this.orderingKey = orderingKey;
        }

        @Override
        public Message message() {
            return message;
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public List<AttemptFailure> history() {
            return List.of();
        }

        @Override
        public String orderingKey() {
            return orderingKey;
        }

        @Override
        public boolean firstDelivery() {
            return tellsFirstDeliveries && attempt == 1;
        }

        @Override
        public void ack() {
            settled.add("ack " + message.correlationId());
        }

        @Override
        public void retry(Duration delay, String error) {
            settled.add("retry " + message.correlationId());
            add(message, orderingKey);
        }

        @Override
        public void defer(Duration delay) {
            settled.add("defer " + message.correlationId());
        }

        @Override
        public void deadLetter(String reason) {
            settled.add("deadLetter " + message.correlationId());
            deadLetters.add(new DeadLetter(message, reason, List.of(), Instant.now()));
        }
    }

    @Override
    public CompletionStage<Void> publish(Message message) {
        RuntimeException failing = failure;
        if (failing != null) {
            return CompletableFuture.failedFuture(failing);
        }
        published.add(message);
        add(message, null);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public QueueConsumer consumer(String name) {
        return new QueueConsumer() {
            @Override
            public List<Delivery> poll(int max, Duration maxWait) throws InterruptedException {
                List<Delivery> polled = new ArrayList<>();
                TestDelivery first = waiting.poll(maxWait.toNanos(), TimeUnit.NANOSECONDS);
                if (first != null) {
                    polled.add(first);
                    while (polled.size() < max) {
                        TestDelivery next = waiting.poll();
                        if (next == null) {
                            break;
                        }
                        polled.add(next);
                    }
                }
                return polled;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public long depth() {
        return waiting.size();
    }

    @Override
    public Health health() {
        RuntimeException failing = failure;
        return failing == null ? Health.up("in memory") : Health.down(failing.getMessage());
    }

    @Override
    public Optional<DeadLetterBrowser> deadLetterBrowser() {
        return Optional.of(new DeadLetterBrowser() {
            @Override
            public List<DeadLetter> newest(int limit) {
                return List.copyOf(deadLetters).reversed().stream().limit(limit).toList();
            }

            /** A dead letter's id here is its correlation id. */
            @Override
            public Optional<DeadLetterEntry> get(String id) {
                return deadLetters.stream().filter(d -> d.message().correlationId().equals(id)).findFirst()
                        .map(d -> new DeadLetterEntry(id, d));
            }

            @Override
            public boolean redrive(String id) {
                Optional<DeadLetterEntry> entry = get(id);
                if (entry.isEmpty() || !deadLetters.remove(entry.get().letter())) {
                    return false;
                }
                attempts.remove(id);
                add(entry.get().letter().message(), null);
                return true;
            }

            @Override
            public long count() {
                return deadLetters.size();
            }
        });
    }

    @Override
    public void close() {
    }
}
