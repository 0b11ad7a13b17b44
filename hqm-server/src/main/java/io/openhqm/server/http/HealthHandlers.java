package io.openhqm.server.http;

import io.openhqm.api.Health;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code /health} (every component, really checked), {@code /health/live} (the process answers) and
 * {@code /health/ready} (components healthy and not shutting down). Checks run off the IO thread.
 */
final class HealthHandlers {
    private final String version;
    private final Map<String, Supplier<Health>> components;
    private final BooleanSupplier accepting;
    private final Executor blocking;
    private final Clock clock;

    HealthHandlers(String version, Map<String, Supplier<Health>> components, BooleanSupplier accepting,
                   Executor blocking, Clock clock) {
        this.version = version;
        this.components = components;
        this.accepting = accepting;
        this.blocking = blocking;
        this.clock = clock;
    }

    HttpHandler health() {
        return exchange -> exchange.dispatch(blocking, () -> report(exchange, false));
    }

    HttpHandler ready() {
        return exchange -> exchange.dispatch(blocking, () -> report(exchange, true));
    }

    HttpHandler live() {
        return exchange -> Json.send(exchange, 200, Map.of("status", "alive", "version", version));
    }

    private void report(HttpServerExchange exchange, boolean readiness) {
        Map<String, Object> checked = new LinkedHashMap<>();
        boolean healthy = true;
        for (var component : components.entrySet()) {
            Health health;
            try {
                health = component.getValue().get();
            } catch (RuntimeException e) {
                health = Health.down(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
            healthy &= health.healthy();
            checked.put(component.getKey(), Map.of("status", health.healthy() ? "healthy" : "unhealthy",
                    "detail", health.detail()));
        }
        if (readiness && !accepting.getAsBoolean()) {
            healthy = false;
            checked.put("server", Map.of("status", "unhealthy", "detail", "shutting down"));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", healthy ? "healthy" : "unhealthy");
        body.put("version", version);
        body.put("timestamp", clock.instant().toString());
        body.put("components", checked);
        Json.send(exchange, healthy ? 200 : 503, body);
    }
}
