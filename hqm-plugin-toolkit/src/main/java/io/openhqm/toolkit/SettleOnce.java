package io.openhqm.toolkit;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The "exactly one settle" rule of {@link io.openhqm.api.queue.Delivery}: a second settle after a successful one is
 * a bug and throws; a settle that failed may be tried again (the engine defers after a failed ack). Thread-safe.
 */
public final class SettleOnce {
    private final AtomicBoolean settled = new AtomicBoolean();

    /**
     * Runs {@code settle}, the first successful settle of this delivery.
     *
     * @param what the delivery, for the message of a second settle
     * @throws IllegalStateException if the delivery was settled already
     */
    public <T> T run(String what, Supplier<T> settle) {
        if (!settled.compareAndSet(false, true)) {
            throw new IllegalStateException(what + " was settled already");
        }
        try {
            return settle.get();
        } catch (RuntimeException e) {
            settled.set(false);
            throw e;
        }
    }

    /** Whether a settle succeeded or is under way. */
    public boolean settled() {
        return settled.get();
    }
}
