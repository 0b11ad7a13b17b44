package io.openhqm.server.http;

import io.openhqm.api.Health;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /health} (every component, really checked), {@code /health/live} (the process answers) and
 * {@code /health/ready} (components healthy and not shutting down). Checks run off the IO thread. The
 * endpoints are unauthenticated, so a component's own detail (hosts, paths, driver errors) goes to the log
 * when it changes; a client sees only "ok" or "unreachable".
 */
final class HealthHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(HealthHandlers.class);

    private final String version;
    private final Map<String, Supplier<Health>> components;
    private final BooleanSupplier accepting;
    private final Executor blocking;
    private final Clock clock;
    private final Map<String, String> lastLogged = new ConcurrentHashMap<>();

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
                health = Health.down(e.toString());
            }
            healthy &= health.healthy();
            logChange(component.getKey(), health);
            checked.put(component.getKey(), Map.of("status", health.healthy() ? "healthy" : "unhealthy",
                    "detail", health.healthy() ? "ok" : "unreachable"));
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

    private void logChange(String component, Health health) {
        String state = (health.healthy() ? "healthy: " : "unhealthy: ") + health.detail();
        String before = lastLogged.put(component, state);
        if (!state.equals(before) && (before != null || !health.healthy())) {
            if (health.healthy()) {
                LOG.info("{} is {}", component, state);
            } else {
                LOG.warn("{} is {}", component, state);
            }
        }
    }
}
