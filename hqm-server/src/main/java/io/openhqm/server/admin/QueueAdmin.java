package io.openhqm.server.admin;

import static java.util.Objects.requireNonNull;

import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.DeadLetterEntry;
import io.openhqm.api.queue.DeadLetterFilter;
import io.openhqm.api.queue.DeadLetterPage;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueStats;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.Status;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the admin API does with the queue and its dead letters, in terms of the SPI. Every method blocks on the
 * backend: call it from a thread that may block. Failures: {@link HqmException} as the adapters throw it, and
 * {@link UnsupportedOperationException} when the queue has no {@link DeadLetterBrowser} or it (or the result store)
 * lacks the operation.
 */
public final class QueueAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(QueueAdmin.class);

    /**
     * The queue at a glance; {@code inFlight}, {@code delayed} and {@code deadLetters} are {@code null} when the queue
     * cannot count them.
     */
    public record Overview(String name, String type, long depth, Long inFlight, Long delayed, String deadLetterQueue,
                           Long deadLetters, Throughput.Rates rates) {
    }

    private final Queue queue;
    private final ResultStore results;
    private final Throughput throughput;
    private final String queueName;
    private final String queueType;
    private final String deadLetterQueue;
    private final Clock clock;

    public QueueAdmin(Queue queue, ResultStore results, Throughput throughput, String queueName, String queueType,
                      String deadLetterQueue, Clock clock) {
        this.queue = requireNonNull(queue, "queue is null");
        this.results = requireNonNull(results, "results is null");
        this.throughput = requireNonNull(throughput, "throughput is null");
        this.queueName = requireNonNull(queueName, "queueName is null");
        this.queueType = requireNonNull(queueType, "queueType is null");
        this.deadLetterQueue = requireNonNull(deadLetterQueue, "deadLetterQueue is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public Overview overview() {
        Long deadLetters = queue.deadLetterBrowser().map(DeadLetterBrowser::count).orElse(null);
        QueueStats stats = queue.stats();
        return new Overview(queueName, queueType, queue.depth(), stats.inFlight(), stats.delayed(), deadLetterQueue,
                deadLetters, throughput.rates());
    }

    /** What this process has done: cumulative totals, and processing times of the recent window. */
    public record Activity(Throughput.Totals totals, Throughput.Processing processing) {
    }

    public Activity activity() {
        return new Activity(throughput.cumulative(), throughput.processing());
    }

    public DeadLetterPage deadLetters(DeadLetterFilter filter, int limit, String cursor) {
        return browser().list(filter, limit, cursor);
    }

    public Optional<DeadLetterEntry> deadLetter(String id) {
        return browser().get(id);
    }

    /**
     * Sends the dead letter {@code id} back to the queue: first its result record becomes PENDING again (no attempt
     * started, so its timeout counts afresh; owner, submission time and attributes kept), then the browser moves the message atomically. A crash between the two
     * leaves the record PENDING and the dead letter in place, to be redriven again.
     *
     * @return the message's new PENDING record, or empty if there is no dead letter {@code id}
     */
    public Optional<RequestRecord> redrive(String id) {
        DeadLetterBrowser browser = browser();
        Optional<DeadLetterEntry> entry = browser.get(id);
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        Message message = entry.get().letter().message();
        // The stored record says whose it is; without one (expired), the message does.
        Optional<RequestRecord> stored = join(results.get(message.correlationId()));
        RequestRecord pending = new RequestRecord(message.correlationId(), Status.PENDING,
                stored.map(RequestRecord::submittedAt).orElse(message.metadata().submittedAt()), clock.instant(), 0,
                stored.map(RequestRecord::owner).orElse(message.metadata().owner()), null, null, null, null,
                stored.map(RequestRecord::attributes).orElse(message.metadata().attributes()), null);
        join(results.reopen(pending));
        if (!browser.redrive(id)) {
            LOG.warn("dead letter {} of {} went away while it was being redriven", id, message.correlationId());
            return Optional.empty();
        }
        LOG.info("redrove dead letter {}: {} is queued again", id, message.correlationId());
        return Optional.of(pending);
    }

    public boolean delete(String id) {
        return browser().delete(id);
    }

    /** Removes the dead letters {@code filter} matches; how many. */
    public long purge(DeadLetterFilter filter) {
        long removed = browser().purge(filter);
        LOG.info("purged {} dead letter(s) matching {}", removed, filter);
        return removed;
    }

    /** @throws UnsupportedOperationException if the queue cannot browse its dead letters */
    void requireBrowser() {
        browser();
    }

    private DeadLetterBrowser browser() {
        return queue.deadLetterBrowser().orElseThrow(() -> new UnsupportedOperationException(
                "the " + queueType + " queue cannot browse its dead letters"));
    }

    private static <T> T join(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw HqmException.transientFailure("interrupted while waiting for the result store", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw HqmException.transientFailure("the result store failed", e.getCause());
        }
    }
}
