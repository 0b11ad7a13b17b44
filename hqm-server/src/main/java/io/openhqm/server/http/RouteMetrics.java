package io.openhqm.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
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
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    RouteMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    HttpHandler wrap(String route, HttpHandler next) {
        return exchange -> {
            long started = System.nanoTime();
            exchange.addExchangeCompleteListener((done, nextListener) -> {
                try {
                    record(done, route, started);
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

    private void record(HttpServerExchange exchange, String route, long started) {
        String method = methodTag(exchange.getRequestMethod().toString());
        int status = exchange.getStatusCode();
        counters.computeIfAbsent(method + ' ' + route + ' ' + status, key -> Counter.builder("openhqm.api.requests")
                .tag("method", method).tag("route", route).tag("status", Integer.toString(status))
                .register(meters)).increment();
        timers.computeIfAbsent(method + ' ' + route, key -> Timer.builder("openhqm.api.request.duration")
                .tag("method", method).tag("route", route).register(meters))
                .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }
}
