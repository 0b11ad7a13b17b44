package io.openhqm.server.http;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.util.Headers;
import io.undertow.util.PathTemplateMatcher;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The listener's routes, each counted by {@link RouteMetrics}. A path that matches a route but not with this
 * method gets 405 with {@code Allow}; a method HTTP does not define, on any other path, gets 501; anything else
 * unknown gets 404, unless {@link #otherPaths} hands the paths outside the {@link #isReserved reserved} ones to
 * the transparent proxy.
 */
final class Routes {
    /** Paths of this server, never proxied: each prefix itself and everything below it. */
    static final List<String> RESERVED = List.of("/api/v1", "/health", "/metrics", "/console");
    static final Set<String> HTTP_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
            "TRACE", "PATCH");

    private final RouteMetrics metrics;
    private final RoutingHandler routing = new RoutingHandler();
    private final Map<String, Set<String>> methodsByTemplate = new LinkedHashMap<>();
    private final PathTemplateMatcher<Set<String>> templates = new PathTemplateMatcher<>();

    Routes(RouteMetrics metrics) {
        this.metrics = metrics;
        routing.setFallbackHandler(metrics.wrap("unmatched", Routes::unmatched))
                .setInvalidMethodHandler(metrics.wrap("unmatched", this::notAllowed));
    }

    Routes add(String method, String template, HttpHandler handler) {
        routing.add(method, template, metrics.wrap(template, handler));
        methodsByTemplate.computeIfAbsent(template, t -> {
            Set<String> methods = new LinkedHashSet<>();
            templates.add(t, methods);
            return methods;
        }).add(method);
        return this;
    }

    Map<String, Set<String>> methodsByTemplate() {
        Map<String, Set<String>> copy = new LinkedHashMap<>();
        methodsByTemplate.forEach((template, methods) -> copy.put(template, Set.copyOf(methods)));
        return Collections.unmodifiableMap(copy);
    }

    /** Sends requests to paths outside the reserved ones to {@code proxy}, counted under the route "proxy". */
    Routes otherPaths(HttpHandler proxy) {
        HttpHandler proxied = metrics.wrap("proxy", proxy);
        HttpHandler unmatched = metrics.wrap("unmatched", Routes::unmatched);
        routing.setFallbackHandler(exchange -> (isReserved(exchange.getRequestPath()) ? unmatched : proxied)
                .handleRequest(exchange));
        return this;
    }

    static boolean isReserved(String path) {
        for (String prefix : RESERVED) {
            if (path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/')) {
                return true;
            }
        }
        return false;
    }

    HttpHandler handler() {
        return routing;
    }

    private static void unmatched(HttpServerExchange exchange) {
        String method = exchange.getRequestMethod().toString();
        if (!HTTP_METHODS.contains(method)) {
            Problem.of(501, "not-implemented", "Not Implemented", "This server does not implement the "
                    + "method " + printable(method) + ".").send(exchange);
            return;
        }
        Problem.notFound("No such resource: " + exchange.getRequestPath() + ".").send(exchange);
    }

    private void notAllowed(HttpServerExchange exchange) {
        var match = templates.match(exchange.getRequestPath());
        String allow = match == null ? "" : String.join(", ", match.getValue());
        Problem.of(405, "method-not-allowed", "Method not allowed", printable(exchange.getRequestMethod()
                .toString()) + " is not allowed here; allowed: " + allow + ".")
                .send(exchange, Map.of(Headers.ALLOW_STRING, allow));
    }

    /** A client's method token, shortened: it is echoed in a problem detail. */
    private static String printable(String method) {
        return method.length() <= 20 ? method : method.substring(0, 20) + "…";
    }
}
