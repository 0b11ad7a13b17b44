package io.openhqm.plugin.egress.http;

import java.time.Duration;

/**
 * The circuit breaker of one endpoint ({@code proxy.endpoints.<name>.circuit_breaker}), a count-based Resilience4j
 * breaker.
 *
 * @param enabled              whether the endpoint has a breaker at all
 * @param failureRateThreshold the failure rate, in percent, at or above which the breaker opens
 * @param minimumCalls         calls needed before the failure rate is computed
 * @param slidingWindowSize    how many of the latest calls the failure rate is computed over
 * @param waitInOpen           how long the breaker stays open before letting trial calls through
 * @param halfOpenCalls        how many trial calls decide whether it closes again
 */
record BreakerSettings(boolean enabled, float failureRateThreshold, int minimumCalls, int slidingWindowSize,
                       Duration waitInOpen, int halfOpenCalls) {

    static final BreakerSettings DEFAULTS = new BreakerSettings(true, 50, 10, 20, Duration.ofSeconds(30), 3);
}
