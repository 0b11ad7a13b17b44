package io.openhqm.server.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private final RetryPolicy policy = new RetryPolicy(3, Duration.ofSeconds(1), Duration.ofSeconds(60));

    @Test
    void delaysGrowExponentiallyWithinJitterBounds() {
        for (int attempt = 1; attempt <= 10; attempt++) {
            long ceiling = Math.min(1000L << (attempt - 1), 60_000L);
            for (int i = 0; i < 200; i++) {
                long delay = policy.delayAfter(attempt, null).toMillis();
                assertTrue(delay >= ceiling / 2 && delay <= ceiling,
                        "attempt " + attempt + ": " + delay + " outside [" + ceiling / 2 + ", " + ceiling + "]");
            }
        }
    }

    @Test
    void aLongerRequestedDelayWins() {
        assertEquals(Duration.ofSeconds(30), policy.delayAfter(1, Duration.ofSeconds(30)));
        assertTrue(policy.delayAfter(1, Duration.ofMillis(1)).toMillis() >= 500);
    }

    @Test
    void aRequestedDelayIsCappedByTheMaximum() {
        assertEquals(Duration.ofSeconds(60), policy.delayAfter(1, Duration.ofHours(2)));
    }

    @Test
    void maxRetriesCountsRetriesAfterTheFirstAttempt() {
        assertTrue(policy.mayRetry(1));
        assertTrue(policy.mayRetry(3));
        assertFalse(policy.mayRetry(4));
    }

    @Test
    void hugeAttemptNumbersDoNotOverflow() {
        assertTrue(policy.delayAfter(1_000_000, null).compareTo(Duration.ofSeconds(60)) <= 0);
    }
}
