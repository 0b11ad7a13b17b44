package io.openhqm.plugin.egress.http;

import static io.openhqm.plugin.egress.http.EgressFixture.attempt;
import static io.openhqm.plugin.egress.http.EgressFixture.context;
import static io.openhqm.plugin.egress.http.EgressFixture.create;
import static io.openhqm.plugin.egress.http.EgressFixture.endpoint;
import static io.openhqm.plugin.egress.http.EgressFixture.json;
import static io.openhqm.plugin.egress.http.EgressFixture.proxy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.processing.Outcome;
import io.openhqm.plugin.egress.http.TestBackend.Answer;
import io.openhqm.toolkit.testing.TestPluginContext;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Rate limit, concurrency limit and many calls in flight against a real backend: behaviour, not speed. */
class HttpEgressLimitsIT {
    private TestBackend backend;
    private HttpEgress egress;
    private final TestPluginContext context = context();

    @BeforeEach
    void start() throws Exception {
        backend = new TestBackend();
    }

    @AfterEach
    void stop() {
        if (egress != null) {
            egress.close();
        }
        backend.close();
    }

    private void egress(Object... endpointKeys) {
        egress = create(proxy(Map.of("billing", endpoint(backend.url(), endpointKeys))), context);
    }

    @Test
    void aRateLimitOf50PerSecondHoldsWith32Callers() throws Exception {
        egress("rate_limit", 50);
        AtomicBoolean running = new AtomicBoolean(true);
        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 32; i++) {
                callers.submit(() -> {
                    while (running.get()) {
                        outcomes.add(egress.send(json("{}"), attempt()));
                    }
                    return null;
                });
            }
            Thread.sleep(11_500);
            running.set(false);
        }
        long windowStart = start + 1_000_000_000L;
        long windowEnd = start + 11_000_000_000L;
        long inWindow = backend.requests().stream().filter(r -> r.atNanos() >= windowStart && r.atNanos() < windowEnd)
                .count();
        assertTrue(inWindow >= 450 && inWindow <= 550, inWindow + " requests in 10 s at 50/s");
        assertTrue(outcomes.stream().allMatch(o -> o instanceof Outcome.Completed || o instanceof Outcome.Deferred));
        double limited = context.meterRegistry().get("openhqm.egress.rate.limited").counter().count();
        long deferred = outcomes.stream().filter(o -> o instanceof Outcome.Deferred).count();
        assertEquals(deferred, (long) limited);
    }

    @Test
    void aPermitThatWouldComePastTheDeadlineDefersTheMessage() throws Exception {
        egress("rate_limit", 0.1); // the next permit is 10 s away, whatever the first call took
        assertInstanceOf(Outcome.Completed.class, egress.send(json("{}"), attempt()));

        Outcome.Deferred deferred = assertInstanceOf(Outcome.Deferred.class,
                egress.send(json("{}"), attempt(java.time.Duration.ofMillis(300))));

        assertEquals("endpoint billing: rate limited (rate_limit = 0.1 per second)", deferred.reason());
        assertEquals(1, backend.count());
        assertEquals(1.0, context.meterRegistry().get("openhqm.egress.rate.limited").counter().count());
        assertEquals(1.0, context.meterRegistry().get("openhqm.egress.requests").tag("outcome", "deferred").counter()
                .count());
    }

    @Test
    void maxConcurrencyHolds() throws Exception {
        egress("max_concurrency", 4);
        backend.respond = r -> Answer.of(200, "ok").delayed(20);
        List<Future<Outcome>> results = new ArrayList<>();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 24; i++) {
                results.add(callers.submit(() -> egress.send(json("{}"), attempt())));
            }
        }
        int completed = 0;
        for (Future<Outcome> f : results) {
            Outcome o = f.get();
            assertTrue(o instanceof Outcome.Completed || o instanceof Outcome.Deferred, o.toString());
            completed += o instanceof Outcome.Completed ? 1 : 0;
        }
        assertEquals(4, backend.peakInFlight.get());
        assertEquals(24, completed, "with a 1 s wait bound, 24 calls of 20 ms through 4 slots all fit");
    }

    @Test
    void sixtyFourCallsAreInFlightAtOnceWithoutAPlatformThreadEach() throws Exception {
        egress();
        backend.respond = r -> Answer.of(200, "slow").delayed(1_500);
        int platformBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        List<Future<Outcome>> results = new ArrayList<>();
        int platformDuring;
        long start = System.nanoTime();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 64; i++) {
                results.add(callers.submit(() -> egress.send(json("{}"), attempt())));
            }
            Thread.sleep(1_000);
            platformDuring = ManagementFactory.getThreadMXBean().getThreadCount();
        }
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        for (Future<Outcome> f : results) {
            assertInstanceOf(Outcome.Completed.class, f.get());
        }
        assertEquals(64, backend.peakInFlight.get());
        assertTrue(elapsedMillis < 6_000, elapsedMillis + " ms for 64 calls of 1.5 s in parallel");
        assertTrue(platformDuring - platformBefore < 16,
                "platform threads grew from " + platformBefore + " to " + platformDuring);
    }
}
