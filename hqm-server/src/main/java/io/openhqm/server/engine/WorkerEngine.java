package io.openhqm.server.engine;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.openhqm.api.HqmException;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueConsumer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs up to {@code count} messages at once, each on its own virtual thread. One dispatcher polls the queue
 * for as many messages as there are free workers (at most {@code pollBatch} per poll). A message waiting
 * for a retry sits in the queue, not in a worker, so it never blocks others. With a {@code batchSize} above
 * 1 the dispatcher keeps polling for up to {@code batchWait} to fill a batch, and each batch runs on one virtual
 * thread through {@link DeliveryPipeline#process(List)}. Deliveries with an ordering key run one batch of a key at
 * a time, in the order polled ({@link OrderingLanes}).
 *
 * <p>{@link #close()} stops polling, lets running messages finish within the grace period, then interrupts
 * the rest, which hand their messages back to the queue.
 */
public final class WorkerEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerEngine.class);
    private static final Duration POLL_WAIT = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration HAND_BACK = Duration.ofSeconds(2);

    private final Queue queue;
    private final DeliveryPipeline pipeline;
    private final int count;
    private final int pollBatch;
    private final int batchSize;
    private final Duration batchWait;
    private final Duration shutdownGrace;
    private final Semaphore free;
    private final Map<Delivery, Thread> inFlight = new ConcurrentHashMap<>();
    private final OrderingLanes lanes = new OrderingLanes(this::startBatch);
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("hqm-worker-", 0).factory());
    private volatile boolean running;
    private long stopRequestedAt;
    private Thread dispatcher;
    private QueueConsumer consumer;

    public WorkerEngine(Queue queue, DeliveryPipeline pipeline, int count, int pollBatch, int batchSize,
                        Duration batchWait, Duration shutdownGrace, MeterRegistry meters) {
        this.queue = queue;
        this.pipeline = pipeline;
        this.count = count;
        this.pollBatch = Math.max(pollBatch, batchSize);
        this.batchSize = batchSize;
        this.batchWait = batchWait;
        this.shutdownGrace = shutdownGrace;
        this.free = new Semaphore(count);
        Gauge.builder("openhqm.worker.active", inFlight, Map::size)
                .description("Messages being processed now").register(meters);
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        consumer = queue.consumer("workers");
        running = true;
        dispatcher = Thread.ofPlatform().name("hqm-dispatcher").daemon(false).start(this::dispatch);
        LOG.info("workers started: {} concurrent, polling up to {} at a time{}", count, pollBatch,
                batchSize > 1 ? ", in batches of up to " + batchSize : "");
    }

    private void dispatch() {
        Duration backoff = Duration.ofMillis(100);
        while (running) {
            int wanted;
            try {
                free.acquire();
                wanted = 1 + free.drainPermits();
                if (wanted > pollBatch) {
                    free.release(wanted - pollBatch);
                    wanted = pollBatch;
                }
            } catch (InterruptedException e) {
                break;
            }
            List<Delivery> deliveries;
            try {
                deliveries = consumer.poll(wanted, POLL_WAIT);
                backoff = Duration.ofMillis(100);
            } catch (InterruptedException e) {
                free.release(wanted);
                break;
            } catch (RuntimeException e) {
                free.release(wanted);
                LOG.warn("cannot read from the queue ({}); retrying in {} ms", DeliveryPipeline.describe(e),
                        backoff.toMillis());
                if (!sleep(backoff)) {
                    break;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                continue;
            }
            if (batchSize > 1 && !deliveries.isEmpty()) {
                deliveries = fillBatch(deliveries, Math.min(wanted, batchSize));
            }
            free.release(wanted - deliveries.size());
            for (int from = 0; from < deliveries.size(); from += batchSize) {
                lanes.submit(deliveries.subList(from, Math.min(from + batchSize, deliveries.size())));
            }
        }
    }

    /**
     * Runs a batch on a virtual thread of its own; its permits are released when it is settled (by that thread, or
     * by the one that concludes an attempt taken over at its deadline, while a processor ignoring the interrupt
     * still holds the worker's thread).
     */
    private void startBatch(List<Delivery> batch) {
        try {
            workers.execute(() -> {
                batch.forEach(delivery -> inFlight.put(delivery, Thread.currentThread()));
                pipeline.process(batch, () -> {
                    batch.forEach(inFlight::remove);
                    lanes.finished(batch);
                    free.release(batch.size());
                });
            });
        } catch (RejectedExecutionException stopped) {
            handBack(batch);
        }
    }

    private void handBack(List<Delivery> batch) {
        batch.forEach(pipeline::handBack);
        free.release(batch.size());
    }

    /** Polls on for up to {@code batchWait} until {@code size} deliveries are in hand; never drops one. */
    private List<Delivery> fillBatch(List<Delivery> first, int size) {
        List<Delivery> batch = new ArrayList<>(first);
        long until = System.nanoTime() + batchWait.toNanos();
        while (batch.size() < size && running) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                batch.addAll(consumer.poll(size - batch.size(), Duration.ofNanos(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                break;
            }
        }
        return batch;
    }

    private boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration);
            return running;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** Messages being processed now. */
    public int active() {
        return inFlight.size();
    }

    /**
     * Stops taking messages from the queue; running ones go on. The shutdown grace counts from the first call.
     */
    public synchronized void stopPolling() {
        if (running) {
            running = false;
            stopRequestedAt = System.nanoTime();
        }
    }

    /**
     * Stops polling, lets running messages finish until the shutdown grace (counted from {@link #stopPolling})
     * is nearly over, then interrupts the rest so they hand their messages back.
     */
    @Override
    public synchronized void close() {
        if (dispatcher == null) {
            return;
        }
        stopPolling();
        long graceLeftMs = Math.max(0, shutdownGrace.minus(HAND_BACK).toMillis()
                - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopRequestedAt));
        try {
            dispatcher.join(POLL_WAIT.multipliedBy(4).toMillis());
            if (dispatcher.isAlive()) {
                dispatcher.interrupt();
                dispatcher.join();
            }
            if (!free.tryAcquire(count, graceLeftMs, TimeUnit.MILLISECONDS)) {
                lanes.drain().forEach(this::handBack);
                LOG.warn("{} message(s) still running at the end of the shutdown grace ({} s); handing them back",
                        inFlight.size(), shutdownGrace.toSeconds());
                pipeline.stopAttempts();
                inFlight.values().forEach(Thread::interrupt);
                if (!free.tryAcquire(count, HAND_BACK.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("{} message(s) did not stop; they are redelivered after a restart", inFlight.size());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pipeline.shutdownNow();
            workers.shutdownNow();
            try {
                consumer.close();
            } catch (HqmException e) {
                LOG.warn("closing the queue consumer failed: {}", e.getMessage());
            }
            dispatcher = null;
        }
        LOG.info("workers stopped");
    }
}
