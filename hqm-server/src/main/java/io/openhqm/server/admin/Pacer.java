package io.openhqm.server.admin;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Spaces one thread's operations evenly at a rate: the first goes at once, each next one an interval after the one
 * before, or at once if it is already late (a slow operation does not earn a burst). Not thread-safe: one per job.
 */
final class Pacer {
    private final long intervalNanos;
    private long next = System.nanoTime();

    Pacer(int perSecond) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("perSecond must be at least 1, was " + perSecond);
        }
        this.intervalNanos = 1_000_000_000L / perSecond;
    }

    /** Waits until the next operation may go; false, at once, if {@code stop} has been or is then counted down. */
    boolean await(CountDownLatch stop) throws InterruptedException {
        long now = System.nanoTime();
        long wait = next - now;
        next = Math.max(next, now) + intervalNanos;
        return wait <= 0 ? stop.getCount() > 0 : !stop.await(wait, TimeUnit.NANOSECONDS);
    }
}
