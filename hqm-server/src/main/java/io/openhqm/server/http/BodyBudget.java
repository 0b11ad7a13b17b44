package io.openhqm.server.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies the listener holds at once ({@code server.max_body_bytes_in_flight}). Bodies take
 * from it as their bytes arrive, not as declared, so idle or lying clients cost nothing; a body that does not fit
 * is refused with 503 instead of exhausting the heap. Thread-safe.
 */
final class BodyBudget {
    private final long limit;
    private final AtomicLong held = new AtomicLong();

    BodyBudget(long limit) {
        this.limit = limit;
    }

    /** Takes {@code bytes} if they fit under the limit. */
    boolean tryTake(long bytes) {
        long before;
        do {
            before = held.get();
            if (before + bytes > limit) {
                return false;
            }
        } while (!held.compareAndSet(before, before + bytes));
        return true;
    }

    void giveBack(long bytes) {
        held.addAndGet(-bytes);
    }

    long limit() {
        return limit;
    }
}
