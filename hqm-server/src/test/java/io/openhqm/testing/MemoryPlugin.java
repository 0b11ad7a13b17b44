package io.openhqm.testing;

import io.openhqm.api.Health;
import io.openhqm.api.Plugin;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.message.Message;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.queue.QueueFactory;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.ResultStoreFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A queue and result store of type {@code memory} that keep every SPI field, for tests of the core that must
 * not depend on what a real adapter stores yet. {@link #PUBLISHED} shows each message as the core published it;
 * {@link #failure} makes the adapters fail like a backend that went away.
 */
public final class MemoryPlugin implements Plugin {
    public static final Map<String, Message> PUBLISHED = new ConcurrentHashMap<>();
    /** While set, health is down with its message and the result store fails every read with it. */
    public static volatile RuntimeException failure;

    @Override
    public String spiVersion() {
        return SPI_VERSION;
    }

    @Override
    public List<QueueFactory> queueFactories() {
        return List.of(new QueueFactory() {
            @Override
            public String type() {
                return "memory";
            }

            @Override
            public Queue create(PluginConfig config, QueueSettings settings, PluginContext context) {
                return new MemoryQueue();
            }
        });
    }

    @Override
    public List<ResultStoreFactory> resultStoreFactories() {
        return List.of(new ResultStoreFactory() {
            @Override
            public String type() {
                return "memory";
            }

            @Override
            public ResultStore create(PluginConfig config, ResultSettings settings, PluginContext context) {
                return new MemoryResultStore();
            }
        });
    }

    private record Entry(Message message, int attempt, List<AttemptFailure> history) {
    }

    private static final class MemoryQueue implements Queue {
        private final LinkedBlockingQueue<Entry> ready = new LinkedBlockingQueue<>();
        private final List<DeadLetter> dead = new CopyOnWriteArrayList<>();

        @Override
        public CompletionStage<Void> publish(Message message) {
            PUBLISHED.put(message.correlationId(), message);
            ready.add(new Entry(message, 1, List.of()));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public QueueConsumer consumer(String name) {
            return new QueueConsumer() {
                @Override
                public List<Delivery> poll(int max, Duration maxWait) throws InterruptedException {
                    List<Delivery> out = new ArrayList<>();
                    Entry first = ready.poll(maxWait.toMillis(), TimeUnit.MILLISECONDS);
                    for (Entry e = first; e != null && out.size() < max; e = out.size() < max ? ready.poll() : null) {
                        out.add(delivery(e));
                    }
                    return out;
                }

                @Override
                public void close() {
                }
            };
        }

        private Delivery delivery(Entry entry) {
            return new Delivery() {
                @Override
                public Message message() {
                    return entry.message();
                }

                @Override
                public int attempt() {
                    return entry.attempt();
                }

                @Override
                public List<AttemptFailure> history() {
                    return entry.history();
                }

                @Override
                public void ack() {
                }

                @Override
                public void retry(Duration delay, String error) {
                    List<AttemptFailure> history = new ArrayList<>(entry.history());
                    history.add(new AttemptFailure(entry.attempt(), Instant.now(), error));
                    later(delay, new Entry(entry.message(), entry.attempt() + 1, List.copyOf(history)));
                }

                @Override
                public void defer(Duration delay) {
                    later(delay, entry);
                }

                @Override
                public void deadLetter(String reason) {
                    dead.add(new DeadLetter(entry.message(), reason, entry.history(), Instant.now()));
                }
            };
        }

        private void later(Duration delay, Entry entry) {
            CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS).execute(() -> ready.add(entry));
        }

        @Override
        public long depth() {
            return ready.size();
        }

        @Override
        public Health health() {
            RuntimeException failing = failure;
            return failing == null ? Health.up("memory") : Health.down(failing.getMessage());
        }

        @Override
        public List<DeadLetter> deadLetters(int limit) {
            return dead.stream().limit(limit).toList();
        }

        @Override
        public long deadLetterCount() {
            return dead.size();
        }

        @Override
        public void close() {
        }
    }

    private static final class MemoryResultStore implements ResultStore {
        private final Map<String, RequestRecord> records = new ConcurrentHashMap<>();
        private final Map<String, IdempotencyClaim> claims = new ConcurrentHashMap<>();

        @Override
        public CompletionStage<Void> put(RequestRecord record) {
            records.compute(record.correlationId(), (id, old) -> old != null && old.status().isTerminal() ? old
                    : record);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Optional<RequestRecord>> get(String correlationId) {
            RuntimeException failing = failure;
            if (failing != null) {
                return CompletableFuture.failedFuture(failing);
            }
            return CompletableFuture.completedFuture(Optional.ofNullable(records.get(correlationId)));
        }

        @Override
        public CompletionStage<Optional<RequestRecord>> awaitTerminal(String correlationId, Duration maxWait) {
            long deadline = System.nanoTime() + maxWait.toNanos();
            return CompletableFuture.supplyAsync(() -> {
                RequestRecord record = records.get(correlationId);
                while ((record == null || !record.status().isTerminal()) && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                    record = records.get(correlationId);
                }
                return Optional.ofNullable(record);
            }, runnable -> Thread.ofVirtual().start(runnable));
        }

        @Override
        public CompletionStage<IdempotencyClaim> claimIdempotencyKey(IdempotencyClaim claim) {
            return CompletableFuture.completedFuture(claims.putIfAbsent(claim.key(), claim) instanceof
                    IdempotencyClaim winner ? winner : claim);
        }

        @Override
        public Health health() {
            RuntimeException failing = failure;
            return failing == null ? Health.up("memory") : Health.down(failing.getMessage());
        }

        @Override
        public void close() {
        }
    }
}
