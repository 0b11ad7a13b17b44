package io.openhqm.server.engine;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: retry {@code n} (from 0) waits {@code min(base · 2^n, max)}, scaled by a
 * random factor in [0.5, 1], and never less than a delay the processor asked for (e.g. {@code Retry-After}),
 * which is itself capped at {@code max}.
 *
 * @param maxRetries retries after the first attempt; attempt {@code maxRetries + 1} is the last
 */
public record RetryPolicy(int maxRetries, Duration base, Duration max) {

    public boolean mayRetry(int attempt) {
        return attempt <= maxRetries;
    }

    /** The delay before the attempt after {@code attempt} (which is 1 for the first). */
    public Duration delayAfter(int attempt, Duration requested) {
        long exponent = Math.min(Math.max(attempt - 1, 0), 40);
        double ceiling = Math.min(base.toMillis() * Math.pow(2, exponent), max.toMillis());
        long jittered = (long) (ceiling * (0.5 + ThreadLocalRandom.current().nextDouble() * 0.5));
        Duration backoff = Duration.ofMillis(jittered);
        if (requested == null || requested.compareTo(backoff) <= 0) {
            return backoff;
        }
        return requested.compareTo(max) > 0 ? max : requested;
    }
}
