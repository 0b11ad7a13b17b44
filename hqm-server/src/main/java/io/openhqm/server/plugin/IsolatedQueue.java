package io.openhqm.server.plugin;

import io.openhqm.api.Health;
import io.openhqm.api.message.Message;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.DeadLetterEntry;
import io.openhqm.api.queue.DeadLetterFilter;
import io.openhqm.api.queue.DeadLetterPage;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.queue.QueueStats;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** A plugin's queue, every call entered with the plugin's class loader as context class loader. */
record IsolatedQueue(Queue queue, ClassLoader loader) implements Queue {

    @Override
    public CompletionStage<Void> publish(Message message) {
        return ContextClassLoader.call(loader, () -> queue.publish(message));
    }

    @Override
    public QueueConsumer consumer(String name) {
        return new Consumer(ContextClassLoader.call(loader, () -> queue.consumer(name)), loader);
    }

    @Override
    public long depth() {
        return ContextClassLoader.call(loader, queue::depth);
    }

    @Override
    public QueueStats stats() {
        return ContextClassLoader.call(loader, queue::stats);
    }

    @Override
    public Health health() {
        return ContextClassLoader.call(loader, queue::health);
    }

    @Override
    public Optional<DeadLetterBrowser> deadLetterBrowser() {
        return ContextClassLoader.call(loader, queue::deadLetterBrowser).map(browser -> new Browser(browser, loader));
    }

    /** Forwarded, not left to the default: a plugin built against SPI 1.0 implements it. */
    @Override
    @SuppressWarnings("removal")
    public List<DeadLetter> deadLetters(int limit) {
        return ContextClassLoader.call(loader, () -> queue.deadLetters(limit));
    }

    @Override
    @SuppressWarnings("removal")
    public long deadLetterCount() {
        return ContextClassLoader.call(loader, queue::deadLetterCount);
    }

    @Override
    public void close() {
        ContextClassLoader.run(loader, queue::close);
    }

    private record Browser(DeadLetterBrowser browser, ClassLoader loader) implements DeadLetterBrowser {
        @Override
        public List<DeadLetter> newest(int limit) {
            return ContextClassLoader.call(loader, () -> browser.newest(limit));
        }

        @Override
        public DeadLetterPage list(DeadLetterFilter filter, int limit, String cursor) {
            return ContextClassLoader.call(loader, () -> browser.list(filter, limit, cursor));
        }

        @Override
        public Optional<DeadLetterEntry> get(String id) {
            return ContextClassLoader.call(loader, () -> browser.get(id));
        }

        @Override
        public boolean redrive(String id) {
            return ContextClassLoader.call(loader, () -> browser.redrive(id));
        }

        @Override
        public boolean delete(String id) {
            return ContextClassLoader.call(loader, () -> browser.delete(id));
        }

        @Override
        public long purge(DeadLetterFilter filter) {
            return ContextClassLoader.call(loader, () -> browser.purge(filter));
        }

        @Override
        public long trim(Instant olderThan, long maxCount) {
            return ContextClassLoader.call(loader, () -> browser.trim(olderThan, maxCount));
        }

        @Override
        public long count() {
            return ContextClassLoader.call(loader, browser::count);
        }
    }

    private record Consumer(QueueConsumer consumer, ClassLoader loader) implements QueueConsumer {
        @Override
        public List<Delivery> poll(int max, Duration maxWait) throws InterruptedException {
            List<Delivery> deliveries = ContextClassLoader.call(loader, () -> consumer.poll(max, maxWait));
            return deliveries.stream().<Delivery>map(d -> new IsolatedDelivery(d, loader)).toList();
        }

        @Override
        public void close() {
            ContextClassLoader.run(loader, consumer::close);
        }
    }

    private record IsolatedDelivery(Delivery delivery, ClassLoader loader) implements Delivery {
        @Override
        public Message message() {
            return delivery.message();
        }

        @Override
        public int attempt() {
            return delivery.attempt();
        }

        @Override
        public List<AttemptFailure> history() {
            return delivery.history();
        }

        @Override
        public String orderingKey() {
            return delivery.orderingKey();
        }

        @Override
        public boolean firstDelivery() {
            return delivery.firstDelivery();
        }

        @Override
        public void ack() {
            ContextClassLoader.run(loader, delivery::ack);
        }

        /** Hands the plugin its own result store, not this wrapper, so it can recognize it and combine the steps. */
        @Override
        public void ack(RequestRecord outcome, ResultStore results) {
            ResultStore own = results instanceof IsolatedResultStore isolated && isolated.loader() == loader
                    ? isolated.store() : results;
            ContextClassLoader.run(loader, () -> delivery.ack(outcome, own));
        }

        @Override
        public void retry(Duration delay, String error) {
            ContextClassLoader.run(loader, () -> delivery.retry(delay, error));
        }

        @Override
        public void defer(Duration delay) {
            ContextClassLoader.run(loader, () -> delivery.defer(delay));
        }

        @Override
        public void deadLetter(String reason) {
            ContextClassLoader.run(loader, () -> delivery.deadLetter(reason));
        }
    }
}
