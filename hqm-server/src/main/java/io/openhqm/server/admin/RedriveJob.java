package io.openhqm.server.admin;

import io.openhqm.api.queue.DeadLetterFilter;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bulk redrive of the dead letters that match a filter, at a rate, run by {@link RedriveJobs}. {@code matched}
 * grows while the job lists the matches, then {@code moved} or {@code failed} grows by one per match (failed: it was
 * gone by then, or its move failed). Thread-safe: the job's thread writes, any thread reads.
 */
public final class RedriveJob {
    /** Where a job is; every state but {@link #RUNNING} is final. */
    public enum State { RUNNING, COMPLETED, CANCELLED, FAILED }

    /** A job as it is at one instant. */
    public record Snapshot(String id, State state, DeadLetterFilter filter, int ratePerSecond, long matched,
                           long moved, long failed, Instant createdAt, Instant finishedAt, String error) {
    }

    private final String id;
    private final DeadLetterFilter filter;
    private final int ratePerSecond;
    private final Instant createdAt;
    final AtomicLong matched = new AtomicLong();
    final AtomicLong moved = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    /** Counted down to cancel. */
    final CountDownLatch cancel = new CountDownLatch(1);
    /** Counted down once the job has finished. */
    final CountDownLatch finished = new CountDownLatch(1);
    private volatile State state = State.RUNNING;
    private volatile Instant finishedAt;
    private volatile String error;

    RedriveJob(String id, DeadLetterFilter filter, int ratePerSecond, Instant createdAt) {
        this.id = id;
        this.filter = filter;
        this.ratePerSecond = ratePerSecond;
        this.createdAt = createdAt;
    }

    String id() {
        return id;
    }

    DeadLetterFilter filter() {
        return filter;
    }

    int ratePerSecond() {
        return ratePerSecond;
    }

    boolean isRunning() {
        return state == State.RUNNING;
    }

    void finish(State end, Instant at, String why) {
        finishedAt = at;
        error = why;
        state = end;
        finished.countDown();
    }

    public Snapshot snapshot() {
        State now = state;
        return new Snapshot(id, now, filter, ratePerSecond, matched.get(), moved.get(), failed.get(), createdAt,
                now == State.RUNNING ? null : finishedAt, error);
    }
}
