package io.openhqm.plugin.egress.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    @Test
    void secondsAndHttpDatesAreRead() {
        assertEquals(Duration.ofSeconds(2), RetryAfter.parse("2", NOW));
        assertEquals(Duration.ofSeconds(0), RetryAfter.parse(" 0 ", NOW));
        assertEquals(Duration.ofSeconds(90), RetryAfter.parse("Sun, 29 Nov 2026 12:01:30 GMT", NOW));
        assertEquals(Duration.ZERO, RetryAfter.parse("Sun, 29 Nov 2026 11:00:00 GMT", NOW));
    }

    @Test
    void anythingElseIsNoDelay() {
        assertNull(RetryAfter.parse(null, NOW));
        assertNull(RetryAfter.parse("", NOW));
        assertNull(RetryAfter.parse("-5", NOW));
        assertNull(RetryAfter.parse("1.5", NOW));
        assertNull(RetryAfter.parse("tomorrow", NOW));
        assertNull(RetryAfter.parse("99999999999999999999999", NOW));
    }
}
