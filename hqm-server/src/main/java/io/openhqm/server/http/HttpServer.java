package io.openhqm.server.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.openhqm.api.Health;
import io.openhqm.server.config.ServerConfig;
import io.openhqm.server.ingress.Submissions;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.GracefulShutdownHandler;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Undertow server: the API listener ({@code all} and {@code listener} modes) or, in {@code worker}
 * mode, the management server with health and metrics only. {@link #close()} stops taking requests, lets
 * running ones finish briefly, then stops.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    private static final Duration DRAIN = Duration.ofSeconds(2);
    /** Undertow's hard limit sits above server.max_body_bytes: handlers answer 413 themselves before it. */
    private static final long ENTITY_SLACK = 1024 * 1024;

    private final Undertow undertow;
    private final GracefulShutdownHandler graceful;
    private final ExecutorService blocking = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("hqm-http-", 0).factory());
    private volatile boolean accepting = true;

    private HttpServer(String host, int port, long maxBodyBytes, RoutingHandler routes) {
        this.graceful = new GracefulShutdownHandler(routes);
        this.undertow = Undertow.builder()
                .addHttpListener(port, host)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, maxBodyBytes + ENTITY_SLACK)
                .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false)
                .setHandler(graceful)
                .build();
    }

    /** The API listener with health and metrics, on {@code server.host:server.port}. */
    public static HttpServer listener(ServerConfig.Server config, Submissions submissions,
                                      ServerConfig.Proxy proxy, Map<String, Supplier<Health>> components,
                                      String version, Supplier<String> metrics, MeterRegistry meters, Clock clock) {
        RouteMetrics routeMetrics = new RouteMetrics(meters);
        ApiHandlers api = new ApiHandlers(submissions, new SubmitRequestParser(proxy.forwardHeaders()),
                new ApiKeys(config.auth().apiKeys()), config.maxBodyBytes(), config.maxWait());
        RoutingHandler routes = new RoutingHandler()
                .post("/api/v1/submit", routeMetrics.wrap("/api/v1/submit", api.submit()))
                .get("/api/v1/status/{id}", routeMetrics.wrap("/api/v1/status/{id}", api.status()))
                .get("/api/v1/response/{id}", routeMetrics.wrap("/api/v1/response/{id}", api.response()));
        HttpServer server = new HttpServer(config.host(), config.port(), config.maxBodyBytes(), routes);
        server.addManagementRoutes(routes, routeMetrics, components, version, metrics, clock);
        return server;
    }

    /** Health and metrics only, on {@code management.host:management.port}. */
    public static HttpServer management(ServerConfig.Management config, Map<String, Supplier<Health>> components,
                                        String version, Supplier<String> metrics, MeterRegistry meters,
                                        Clock clock) {
        RouteMetrics routeMetrics = new RouteMetrics(meters);
        RoutingHandler routes = new RoutingHandler();
        HttpServer server = new HttpServer(config.host(), config.port(), 1024, routes);
        server.addManagementRoutes(routes, routeMetrics, components, version, metrics, clock);
        return server;
    }

    private void addManagementRoutes(RoutingHandler routes, RouteMetrics routeMetrics,
                                     Map<String, Supplier<Health>> components, String version,
                                     Supplier<String> metrics, Clock clock) {
        HealthHandlers health = new HealthHandlers(version, components, () -> accepting, blocking, clock);
        HttpHandler scrape = exchange -> exchange.dispatch(blocking, () -> {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            exchange.getResponseSender().send(metrics.get());
        });
        routes.get("/health", routeMetrics.wrap("/health", health.health()))
                .get("/health/live", routeMetrics.wrap("/health/live", health.live()))
                .get("/health/ready", routeMetrics.wrap("/health/ready", health.ready()))
                .get("/metrics", routeMetrics.wrap("/metrics", scrape))
                .setFallbackHandler(routeMetrics.wrap("unmatched", exchange -> Problem.notFound(
                        "No such resource: " + exchange.getRequestPath() + ".").send(exchange)))
                .setInvalidMethodHandler(routeMetrics.wrap("unmatched", exchange -> Problem.of(405,
                        "method-not-allowed", "Method not allowed", exchange.getRequestMethod()
                                + " is not allowed on " + exchange.getRequestPath() + ".").send(exchange)));
    }

    public HttpServer start() {
        undertow.start();
        LOG.info("listening on {}", address());
        return this;
    }

    /** The bound address (useful when the configured port is 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) undertow.getListenerInfo().getFirst().getAddress();
    }

    /** Stops taking new requests; readiness turns unhealthy. */
    public void stopAccepting() {
        accepting = false;
    }

    @Override
    public void close() {
        accepting = false;
        graceful.shutdown();
        try {
            if (!graceful.awaitShutdown(DRAIN.toMillis())) {
                LOG.warn("requests still running after {} s; closing connections", DRAIN.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        undertow.stop();
        blocking.shutdownNow();
    }
}
