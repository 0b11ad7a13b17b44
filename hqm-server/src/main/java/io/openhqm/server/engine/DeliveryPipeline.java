package io.openhqm.server.engine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.processing.Attempt;
import io.openhqm.api.processing.BatchItem;
import io.openhqm.api.processing.Outcome;
import io.openhqm.api.processing.Processor;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Processes one delivery: skips it if its result is already stored (read unless it is the message's first
 * delivery), runs the attempt (marking it PROCESSING once it has run for the processing-status delay) within what
 * is left of the message's timeout (which bounds its whole processing, from the first attempt and across retries),
 * stores the outcome, and only then settles the delivery (ack, retry with backoff, dead-letter, or defer). A failure
 * to store anything leaves the message to be delivered again.
 *
 * <p>The attempt runs on the calling (worker) thread. One watchdog thread keeps the deadlines: at the earliest
 * deadline of an attempt it interrupts the worker and concludes the attempt itself, on a thread of its own, so
 * a processor that ignores the interrupt keeps its thread but never a message. Whoever claims an attempt first
 * (the worker when the processor returns, the watchdog at the deadline, or {@link #stopAttempts} at shutdown)
 * concludes it; the others' results are discarded, and a thread is interrupted only by the claim's winner,
 * before the worker can see the claim lost. The watchdog also stores the PROCESSING record of an attempt still
 * running after the processing-status delay (zero: the worker stores it before the attempt), so a message that
 * finishes sooner goes from PENDING to its outcome with one write less.
 */
public final class DeliveryPipeline {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryPipeline.class);
    private static final Duration STORE_FAILURE_DELAY = Duration.ofSeconds(1);
    /** How often the watchdog looks while attempts run, so that watching one rarely needs to wake it. */
    private static final long WATCH_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Looks with nothing to watch before the watchdog sleeps until an attempt starts. */
    private static final int IDLE_LOOKS = 50;

    private final Processor processor;
    private final ResultStore results;
    private final RetryPolicy retryPolicy;
    private final Duration defaultTimeout;
    private final Clock clock;
    private final MeterRegistry meters;
    private final boolean writeResults;
    private final Duration processingStatusDelay;
    private final Thread watchdog = Thread.ofPlatform().name("hqm-watchdog").daemon(true).unstarted(this::watch);
    /** When the watchdog wakes next ({@link System#nanoTime}); an attempt due sooner wakes it. */
    private volatile long watchdogWakesAt = Long.MAX_VALUE;
    private final ThreadFactory concluders = Thread.ofVirtual().name("hqm-timeout-", 0).factory();
    private final ThreadFactory markers = Thread.ofVirtual().name("hqm-mark-", 0).factory();
    private final Set<Run> running = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    /**
     * @param writeResults          whether to read and store records ({@code worker.write_results}); without,
     *                              every delivery is processed and only settled
     * @param processingStatusDelay how long an attempt runs before its PROCESSING record is stored
     *                              ({@code worker.processing_status_delay}); zero: before the attempt starts
     */
    public DeliveryPipeline(Processor processor, ResultStore results, boolean writeResults,
                            Duration processingStatusDelay, RetryPolicy retryPolicy, Duration defaultTimeout,
                            Clock clock, MeterRegistry meters) {
        this.processor = processor;
        this.results = results;
        this.retryPolicy = retryPolicy;
        this.defaultTimeout = defaultTimeout;
        this.clock = clock;
        this.meters = meters;
        this.writeResults = writeResults;
        this.processingStatusDelay = processingStatusDelay;
        watchdog.start();
    }

    /** Processes one delivery; returns when it is settled. */
    public void process(Delivery delivery) {
        process(List.of(delivery));
    }

    /** Processes deliveries together (see {@link #process(List, Runnable)}); returns when all are settled. */
    public void process(List<Delivery> deliveries) {
        CountDownLatch settled = new CountDownLatch(1);
        process(deliveries, settled::countDown);
        boolean interrupted = false;
        while (settled.getCount() > 0) {
            try {
                settled.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Processes deliveries together: one {@link Processor#process} for a single one, one
     * {@link Processor#processBatch} for several, on the calling thread; each is stored and settled by its own
     * outcome. Runs {@code settled} once, when every delivery is settled or handed back: before this returns,
     * unless the attempt was taken over (at its deadline, or by {@link #stopAttempts}), then by the thread that
     * concludes it, possibly after this returned or while the processor still runs.
     */
    public void process(List<Delivery> deliveries, Runnable settled) {
        boolean takenOver = false;
        try {
            List<Started> started = startAll(deliveries);
            if (started.isEmpty()) {
                return;
            }
            Run run = new Run(started, settled);
            List<Outcome> outcomes = run.attempt();
            if (outcomes == null) {
                takenOver = true;
                return;
            }
            // An interrupt left by the processor must not fail the stores; one now is the shutdown's.
            if (Thread.interrupted() && stopping) {
                Thread.currentThread().interrupt();
                started.forEach(s -> handBack(s.delivery()));
                return;
            }
            concludeAll(started, outcomes, run.startedNanos);
        } finally {
            if (!takenOver) {
                settled.run();
            }
        }
    }

    /** Starts each delivery; at an interrupt, hands back all (those started too) and returns none. */
    private List<Started> startAll(List<Delivery> deliveries) {
        List<Started> started = new ArrayList<>(deliveries.size());
        for (int i = 0; i < deliveries.size(); i++) {
            Delivery delivery = deliveries.get(i);
            MDC.put("correlation_id", delivery.message().correlationId());
            try {
                Started ready = start(delivery);
                if (ready != null) {
                    started.add(ready);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                deliveries.subList(i, deliveries.size()).forEach(this::handBack);
                started.forEach(s -> handBack(s.delivery()));
                return List.of();
            } catch (RuntimeException e) {
                storeFailed(delivery, e);
            } finally {
                MDC.remove("correlation_id");
            }
        }
        return started;
    }

    private void concludeAll(List<Started> started, List<Outcome> outcomes, long startedNanos) {
        for (int i = 0; i < started.size(); i++) {
            Started one = started.get(i);
            MDC.put("correlation_id", one.delivery().message().correlationId());
            try {
                conclude(one, outcomes.get(i), startedNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                handBack(one.delivery());
            } catch (RuntimeException e) {
                storeFailed(one.delivery(), e);
            } finally {
                MDC.remove("correlation_id");
            }
        }
    }

    /**
     * A delivery about to run. {@code marked} completes when its PROCESSING record is stored, or when it is known
     * that none will be (the attempt ended before the processing-status delay).
     */
    private record Started(Delivery delivery, RequestRecord processing, Instant deadline,
                           CompletableFuture<Void> marked) {
        BatchItem item() {
            return new BatchItem(delivery.message(), new Attempt(delivery.attempt(), deadline));
        }
    }

    /**
     * Settles a delivery that needs no attempt (already finished, out of deliveries or of time) and returns
     * {@code null}, or returns it ready to run (with no processing-status delay, its PROCESSING record is being
     * stored meanwhile).
     */
    private Started start(Delivery delivery) throws InterruptedException {
        Message message = delivery.message();
        Optional<RequestRecord> existing = delivery.firstDelivery() ? Optional.empty()
                : await(read(message.correlationId()));
        if (existing.isPresent() && existing.get().status().isTerminal()) {
            settleFinished(delivery, existing.get());
            return null;
        }
        RequestRecord processing = existing
                .orElseGet(() -> RequestRecord.pending(message.correlationId(), message.metadata().submittedAt(),
                        message.metadata().owner(), message.metadata().attributes()))
                .processing(delivery.attempt(), clock.instant());
        if (!retryPolicy.mayRetry(delivery.attempt() - 1)) {
            String error = "gave up after " + (delivery.attempt() - 1) + " deliveries that never finished"
                    + " (the process handling it stopped each time)";
            finish(delivery, processing.finished(Status.FAILED, null, error, 0, clock.instant()), "max_retries",
                    System.nanoTime());
            return null;
        }
        Duration timeout = timeoutOf(message);
        Instant deadline = processing.startedAt().plus(timeout);
        if (!clock.instant().isBefore(deadline)) {
            finish(delivery, processing.finished(Status.TIMEOUT, null, timedOut(timeout), 0, clock.instant()),
                    "timeout", System.nanoTime());
            return null;
        }
        Started ready = new Started(delivery, processing, deadline, new CompletableFuture<>());
        if (!marksLater()) {
            mark(ready); // processing starts while PROCESSING is being stored
        }
        return ready;
    }

    private boolean marksLater() {
        return writeResults && processingStatusDelay.isPositive();
    }

    private void mark(Started one) {
        try {
            write(one.processing()).whenComplete((stored, failure) -> {
                if (failure == null) {
                    one.marked().complete(null);
                } else {
                    one.marked().completeExceptionally(failure);
                }
            });
        } catch (RuntimeException e) {
            one.marked().completeExceptionally(e);
        }
    }

    private void storeFailed(Delivery delivery, RuntimeException e) {
        LOG.warn("could not record the outcome ({}); the message will be delivered again", describe(e));
        try {
            delivery.defer(STORE_FAILURE_DELAY);
        } catch (RuntimeException deferFailed) {
            LOG.warn("could not hand the message back ({}); it is redelivered after the visibility timeout",
                    describe(deferFailed));
        }
    }

    /**
     * One attempt (of one delivery or a batch) on its worker's thread, watched until the earliest deadline, the end
     * of a message's whole processing time (counted from its first attempt). Claimed once: by the worker when the
     * processor returns, by the watchdog at the deadline, or at shutdown; the winner concludes it and runs
     * {@code settled}.
     */
    private final class Run {
        private static final int RUNNING = 0;
        private static final int DONE = 1;
        private static final int TIMED_OUT = 2;
        private static final int STOPPED = 3;

        private final Thread worker = Thread.currentThread();
        private final List<Started> started;
        private final Runnable settled;
        private final Instant earliest;
        private final boolean marksLater = marksLater();
        private final long startedNanos = System.nanoTime();
        private final long markAtNanos = startedNanos + processingStatusDelay.toNanos();
        private volatile long deadlineNanos;
        /** When the watchdog has something to do for it ({@link System#nanoTime}): mark, or stop at the deadline. */
        private volatile long dueNanos;
        private int state = RUNNING; // guarded by this
        private boolean markSent; // guarded by this

        Run(List<Started> started, Runnable settled) {
            this.started = started;
            this.settled = settled;
            this.earliest = started.stream().map(Started::deadline).min(Instant::compareTo).orElseThrow();
            this.deadlineNanos = startedNanos + Duration.between(clock.instant(), earliest).toNanos();
            this.dueNanos = marksLater && markAtNanos - deadlineNanos < 0 ? markAtNanos : deadlineNanos;
        }

        /** Runs the attempt: its outcomes, or {@code null} when another thread concludes it. */
        List<Outcome> attempt() {
            running.add(this);
            if (dueNanos - watchdogWakesAt < 0) {
                LockSupport.unpark(watchdog);
            }
            if (stopping && stop()) {
                return null;
            }
            List<Outcome> outcomes = call();
            if (claim(DONE)) {
                return outcomes;
            }
            Thread.interrupted(); // the claim's winner interrupted this thread before it could see the claim lost
            return null;
        }

        private List<Outcome> call() {
            try {
                List<Outcome> outcomes = started.size() == 1
                        ? List.of(processor.process(started.getFirst().delivery().message(),
                                started.getFirst().item().attempt()))
                        : processor.processBatch(started.stream().map(Started::item).toList());
                if (outcomes == null || outcomes.size() != started.size()
                        || outcomes.stream().anyMatch(outcome -> outcome == null)) {
                    Outcome wrong = new Outcome.Failed("the processor returned " + (outcomes == null ? "no list"
                            : outcomes.size() + " outcomes (or a null one)") + " for " + started.size()
                            + " messages", null);
                    return Collections.nCopies(started.size(), wrong);
                }
                return outcomes;
            } catch (Throwable failure) {
                return Collections.nCopies(started.size(), classify(failure));
            }
        }

        /**
         * Makes {@code to} the attempt's end if it is still running; interrupts the worker unless it claims. A
         * PROCESSING record not yet sent is not sent any more.
         */
        private boolean claim(int to) {
            boolean unmarked;
            synchronized (this) {
                if (state != RUNNING) {
                    return false;
                }
                state = to;
                if (to != DONE) {
                    worker.interrupt();
                }
                unmarked = marksLater && !markSent;
            }
            if (unmarked) {
                started.forEach(one -> one.marked().complete(null));
            }
            running.remove(this);
            return true;
        }

        /** On the watchdog: stores PROCESSING (on a new thread) for an attempt still running. */
        private void markProcessing() {
            synchronized (this) {
                if (!marksLater || state != RUNNING || markSent) {
                    return;
                }
                markSent = true;
            }
            markers.newThread(() -> started.forEach(DeliveryPipeline.this::mark)).start();
        }

        /**
         * On the watchdog, once {@link #dueNanos} has come: marks the attempt PROCESSING if it ran for the delay; at
         * the deadline, stops it and concludes it on a new thread.
         */
        void due(long now) {
            if (now - deadlineNanos < 0) {
                markProcessing();
                dueNanos = deadlineNanos;
                return;
            }
            Instant at = clock.instant();
            if (at.isBefore(earliest)) { // the clock and System.nanoTime drift apart: the deadline is the clock's
                deadlineNanos = now + Duration.between(at, earliest).toNanos();
                dueNanos = deadlineNanos;
                return;
            }
            if (!claim(TIMED_OUT)) {
                return;
            }
            concluders.newThread(() -> {
                try {
                    List<Outcome> outcomes = new ArrayList<>(started.size());
                    for (Started one : started) {
                        outcomes.add(at.isBefore(one.deadline())
                                ? new Outcome.Retry("its batch was stopped at another message's timeout", null)
                                : null);
                    }
                    concludeAll(started, outcomes, startedNanos);
                } finally {
                    settled.run();
                }
            }).start();
        }

        /** At shutdown: interrupts the attempt and hands its deliveries back, unless it already ended. */
        boolean stop() {
            if (!claim(STOPPED)) {
                return false;
            }
            started.forEach(s -> handBack(s.delivery()));
            settled.run();
            return true;
        }
    }

    /**
     * Stores the outcome of one delivery's attempt ({@code null}: it ran out of time), then settles it. A terminal
     * outcome does not wait for the PROCESSING put (a terminal record is final, so that put cannot undo it); a
     * PENDING one does if that put was sent, so it is stored after PROCESSING.
     */
    private void conclude(Started one, Outcome outcome, long started) throws InterruptedException {
        Delivery delivery = one.delivery();
        Message message = delivery.message();
        RequestRecord processing = one.processing();
        Instant deadline = one.deadline();
        long ms = elapsedMs(started);
        if (outcome == null) {
            finish(delivery, processing.finished(Status.TIMEOUT, null, timedOut(timeoutOf(message)), ms,
                    clock.instant()), "timeout", started);
            return;
        }
        switch (outcome) {
            case Outcome.Completed c -> {
                RequestRecord completed = processing.finished(Status.COMPLETED, c.reply(), null, ms, clock.instant());
                if (writeResults) {
                    delivery.ack(completed, results);
                } else {
                    delivery.ack();
                }
                record("completed", started);
                LOG.debug("completed in {} ms (attempt {})", ms, delivery.attempt());
            }
            case Outcome.Failed f -> finish(delivery,
                    processing.finished(Status.FAILED, f.reply(), f.error(), ms, clock.instant()), "failed", started);
            case Outcome.Retry r -> {
                Duration delay = retryPolicy.delayAfter(delivery.attempt(), r.after());
                if (!retryPolicy.mayRetry(delivery.attempt())) {
                    String error = r.error() + " (gave up after " + delivery.attempt() + " attempts)";
                    finish(delivery, processing.finished(Status.FAILED, null, error, ms, clock.instant()),
                            "max_retries", started);
                } else if (!clock.instant().plus(delay).isBefore(deadline)) {
                    String error = r.error() + "; " + timedOut(timeoutOf(message)) + " before the next attempt";
                    finish(delivery, processing.finished(Status.TIMEOUT, null, error, ms, clock.instant()),
                            "timeout", started);
                } else {
                    await(one.marked());
                    await(write(processing.waitingForRetry(r.error(), clock.instant())));
                    delivery.retry(delay, r.error());
                    record("retry", started);
                    LOG.info("attempt {} failed ({}); retrying in {} ms", delivery.attempt(), r.error(),
                            delay.toMillis());
                }
            }
            case Outcome.Deferred d -> {
                await(one.marked());
                await(write(processing.waitingForRetry(d.reason(), clock.instant())));
                delivery.defer(d.after());
                record("deferred", started);
                LOG.debug("deferred for {} ms: {}", d.after().toMillis(), d.reason());
            }
        }
    }

    /**
     * Stores a terminal failure, then moves the message to the dead-letter queue. If the second step fails (or
     * the process dies between the two), the redelivery finds the terminal record and dead-letters it then.
     */
    private void finish(Delivery delivery, RequestRecord terminal, String reason, long started)
            throws InterruptedException {
        await(write(terminal));
        delivery.deadLetter(terminal.error());
        record(reason, started);
        deadLettered(reason);
        LOG.warn("{} after {} attempt(s): {}; moved to the dead-letter queue", terminal.status(),
                delivery.attempt(), terminal.error());
    }

    /** A delivery whose outcome is already stored: done if it completed, else it belongs in the dead letters. */
    private void settleFinished(Delivery delivery, RequestRecord finished) {
        if (finished.status() == Status.COMPLETED) {
            LOG.info("already COMPLETED; acknowledging the redelivered message without processing it again");
            delivery.ack();
            return;
        }
        String error = finished.error() == null ? finished.status().name() : finished.error();
        delivery.deadLetter(error);
        deadLettered(finished.status() == Status.TIMEOUT ? "timeout" : "failed");
        LOG.warn("already {}; moved the redelivered message to the dead-letter queue: {}", finished.status(), error);
    }

    private void deadLettered(String reason) {
        Counter.builder("openhqm.queue.dlq").tag("reason", reason).register(meters).increment();
    }

    private CompletionStage<Optional<RequestRecord>> read(String correlationId) {
        return writeResults ? results.get(correlationId) : CompletableFuture.completedFuture(Optional.empty());
    }

    private CompletionStage<Void> write(RequestRecord record) {
        return writeResults ? results.put(record) : CompletableFuture.completedFuture(null);
    }

    private Duration timeoutOf(Message message) {
        return message.metadata().timeout() != null ? message.metadata().timeout() : defaultTimeout;
    }

    private static String timedOut(Duration timeout) {
        return "processing exceeded the timeout of " + timeout.toMillis() + " ms (counted from the first attempt)";
    }

    private static Outcome classify(Throwable failure) {
        if (failure instanceof HqmException e && e.isRetryable()) {
            return new Outcome.Retry(describe(e), null);
        }
        return new Outcome.Failed(describe(failure), null);
    }

    /** Hands a delivery back to the queue unprocessed, for shutdown. */
    void handBack(Delivery delivery) {
        try {
            delivery.defer(Duration.ZERO);
            LOG.info("handed back unfinished at shutdown");
        } catch (RuntimeException e) {
            LOG.warn("could not hand back at shutdown ({}); it is redelivered after a restart", describe(e));
        }
    }

    private void record(String status, long started) {
        Timer.builder("openhqm.worker.processing.duration").tag("status", status).register(meters)
                .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    private static long elapsedMs(long started) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    private static <T> T await(CompletionStage<T> stage) throws InterruptedException {
        try {
            return stage.toCompletableFuture().get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new CompletionException(e.getCause());
        }
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    /**
     * Interrupts the attempts running now and hands their deliveries back (on this thread, so a processor that
     * ignores the interrupt keeps no message); deliveries of attempts that start from now on are handed back
     * unprocessed.
     */
    void stopAttempts() {
        stopping = true;
        running.forEach(Run::stop);
    }

    /** Stops attempts still running ({@link #stopAttempts}) and the watchdog. */
    void shutdownNow() {
        stopAttempts();
        watchdog.interrupt();
    }

    /**
     * The watchdog: calls {@link Run#due} of each running attempt when it is due. It publishes when it will wake
     * before it looks, so an attempt that starts meanwhile is either seen or wakes it if due sooner; while attempts
     * run it wakes at least every {@link #WATCH_TICK_NANOS}, so that starting one with a later due time (the usual
     * case) never needs to wake it.
     */
    private void watch() {
        int idle = 0;
        while (!Thread.currentThread().isInterrupted()) {
            long now = System.nanoTime();
            long next = now + WATCH_TICK_NANOS;
            watchdogWakesAt = next;
            for (Run run : running) {
                if (run.dueNanos - now <= 0) {
                    try {
                        run.due(now);
                    } catch (RuntimeException | Error e) {
                        LOG.error("the watchdog failed on an attempt ({}); it goes on", describe(e));
                    }
                }
                if (running.contains(run) && run.dueNanos - next < 0) {
                    next = run.dueNanos;
                }
            }
            idle = running.isEmpty() ? idle + 1 : 0;
            if (idle >= IDLE_LOOKS) {
                watchdogWakesAt = Long.MAX_VALUE;
                if (running.isEmpty()) {
                    LockSupport.park(this);
                    continue;
                }
            }
            watchdogWakesAt = Math.min(watchdogWakesAt, next);
            LockSupport.parkNanos(this, next - System.nanoTime());
        }
    }
}
