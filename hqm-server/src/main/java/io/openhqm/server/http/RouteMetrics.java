package io.openhqm.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.undertow.server.HttpHandler;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Counts and times every request by method, route template (never the raw path) and status:
 * {@code openhqm_api_requests_total} and {@code openhqm_api_request_duration_seconds}. Meters are looked up
 * once per label set, not per request. A method HTTP does not define is counted as {@code OTHER}, so clients
 * cannot grow the label set.
 */
final class RouteMetrics {
    private final MeterRegistry meters;

    RouteMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    HttpHandler wrap(String route, HttpHandler next) {
        Map<String, MethodMeters> byMethod = new ConcurrentHashMap<>();
        return exchange -> {
            long started = System.nanoTime();
            exchange.addExchangeCompleteListener((done, nextListener) -> {
                try {
                    String method = methodTag(done.getRequestMethod().toString());
                    byMethod.computeIfAbsent(method, m -> new MethodMeters(m, route))
                            .record(done.getStatusCode(), System.nanoTime() - started);
                } finally {
                    nextListener.proceed();
                }
            });
            next.handleRequest(exchange);
        };
    }

    static String methodTag(String method) {
        return Routes.HTTP_METHODS.contains(method) ? method : "OTHER";
    }

    /** The meters of one method on one route; the counter of each status is registered on its first use. */
    private final class MethodMeters {
        private final String method;
        private final String route;
        private final Timer duration;
        private final Map<Integer, Counter> requestsByStatus = new ConcurrentHashMap<>();

        MethodMeters(String method, String route) {
            this.method = method;
            this.route = route;
            this.duration = Timer.builder("openhqm.api.request.duration").tag("method", method).tag("route", route)
                    .register(meters);
        }

        void record(int status, long nanos) {
            requestsByStatus.computeIfAbsent(status, s -> Counter.builder("openhqm.api.requests")
                    .tag("method", method).tag("route", route).tag("status", Integer.toString(s))
                    .register(meters)).increment();
            duration.record(nanos, TimeUnit.NANOSECONDS);
        }
    }
}
