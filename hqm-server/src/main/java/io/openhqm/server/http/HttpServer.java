package io.openhqm.server.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.openhqm.api.Health;
import io.openhqm.server.admin.EndpointStates;
import io.openhqm.server.admin.QueueAdmin;
import io.openhqm.server.admin.RedriveJobs;
import io.openhqm.server.config.ServerConfig;
import io.openhqm.server.ingress.Submissions;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.GracefulShutdownHandler;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.xnio.Options;
import org.slf4j.LoggerFactory;

/**
 * The Undertow server: the API listener ({@code all} and {@code listener} modes; with {@code server.mode =
 * "proxy"} also the transparent proxy on every other path) or, in {@code worker} mode, the management server with health and metrics only. {@link #close()} stops taking requests, answers
 * waiting ones with their current state, lets running ones finish briefly, then stops. Every connection has
 * idle, request-parse and no-request timeouts, so silent clients cannot hold the listener's memory.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    private static final Duration DRAIN = Duration.ofSeconds(2);
    /** Undertow's hard limit sits above server.max_body_bytes: handlers answer 413 themselves before it. */
    private static final long ENTITY_SLACK = 1024 * 1024;
    private static final Timeouts MANAGEMENT_TIMEOUTS = new Timeouts(Duration.ofSeconds(75), Duration.ofSeconds(10),
            Duration.ofSeconds(60));

    /** Connection timeouts: no bytes at all; the request line and headers; between requests. */
    private record Timeouts(Duration idle, Duration requestParse, Duration noRequest) {
    }

    private final Undertow undertow;
    private final GracefulShutdownHandler graceful;
    private final ExecutorService blocking = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("hqm-http-", 0).factory());
    private final PendingWaits waits = new PendingWaits();
    private final Routes routes;
    private volatile boolean accepting = true;

    private HttpServer(String host, int port, long maxBodyBytes, Timeouts timeouts, MeterRegistry meters) {
        this.routes = new Routes(new RouteMetrics(meters));
        this.graceful = new GracefulShutdownHandler(exchange -> {
            try {
                if (!hasValidContentLength(exchange)) {
                    exchange.setPersistent(false);
                    Problem.badRequest("Content-Length must be one whole number of bytes.").send(exchange);
                    return;
                }
                routes.handler().handleRequest(exchange);
            } catch (Exception e) {
                Answers.internalError(exchange, e);
            }
        });
        this.undertow = Undertow.builder()
                .addHttpListener(port, host)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, maxBodyBytes + ENTITY_SLACK)
                .setServerOption(UndertowOptions.ALWAYS_SET_KEEP_ALIVE, false)
                .setServerOption(UndertowOptions.IDLE_TIMEOUT, millis(timeouts.idle()))
                // Undertow's HTTP/1.1 listener applies IDLE_TIMEOUT only when a conduit is told its value; the
                // socket read and write timeouts are what close a connection whose body or reader stalls.
                .setSocketOption(Options.READ_TIMEOUT, millis(timeouts.idle()))
                .setSocketOption(Options.WRITE_TIMEOUT, millis(timeouts.idle()))
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, millis(timeouts.requestParse()))
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, millis(timeouts.noRequest()))
                .setHandler(graceful)
                .build();
    }

    /** Undertow frames the body by a Content-Length that a long cannot hold, then fails to read it back. */
    private static boolean hasValidContentLength(HttpServerExchange exchange) {
        HeaderValues values = exchange.getRequestHeaders().get(Headers.CONTENT_LENGTH);
        if (values == null) {
            return true;
        }
        try {
            return values.size() == 1 && Long.parseLong(values.getFirst()) >= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, duration.toMillis());
    }

    /** The API listener with health and metrics, on {@code server.host:server.port}. */
    public static HttpServer listener(ServerConfig.Server config, Submissions submissions,
                                      ServerConfig.Proxy proxy, Map<String, Supplier<Health>> components,
                                      String version, Supplier<String> metrics, MeterRegistry meters, Clock clock,
                                      QueueAdmin admin, RedriveJobs redrives, EndpointStates endpoints) {
        HttpServer server = new HttpServer(config.host(), config.port(), config.maxBodyBytes(),
                new Timeouts(config.idleTimeout(), config.requestParseTimeout(), config.noRequestTimeout()), meters);
        ApiKeys apiKeys = new ApiKeys(config.auth().apiKeys());
        BodyReceiver bodies = new BodyReceiver(config.maxBodyBytes(), new BodyBudget(config.maxBodyBytesInFlight()));
        SubmitAndWait flow = new SubmitAndWait(submissions, bodies, server.blocking, server.waits);
        ApiHandlers api = new ApiHandlers(submissions, new SubmitRequestParser(proxy.forwardHeaders()), apiKeys,
                flow, config.maxWait(), server.waits);
        server.routes.add("POST", "/api/v1/submit", api.submit())
                .add("GET", "/api/v1/status/{id}", api.status())
                .add("GET", "/api/v1/response/{id}", api.response());
        if (config.mode() == ServerConfig.Mode.PROXY) {
            TransparentProxy transparent = new TransparentProxy(new ProxiedRequestParser(proxy.forwardHeaders()),
                    apiKeys, flow, config.proxyWait(), config.maxWait());
            server.routes.otherPaths(transparent.handler());
        }
        server.addAdminRoutes(admin, redrives, endpoints,
                new AdminAccess(config.auth().adminKeys(), config.adminEnabled()));
        server.routes.add("GET", OpenApiDocument.PATH, new OpenApiDocument(version).handler());
        server.addManagementRoutes(components, version, metrics, clock);
        return server;
    }

    /** The admin API and its web console, only when the admin API is on (else they answer 404). */
    private void addAdminRoutes(QueueAdmin admin, RedriveJobs redrives, EndpointStates endpoints, AdminAccess access) {
        LOG.info(access.describe());
        if (access.mode() == AdminAccess.Mode.OFF) {
            return;
        }
        AdminHandlers handlers = new AdminHandlers(admin, redrives, endpoints, access, blocking);
        routes.add("GET", "/api/v1/dead-letters", handlers.list())
                .add("GET", "/api/v1/dead-letters/{id}", handlers.get())
                .add("DELETE", "/api/v1/dead-letters/{id}", handlers.delete())
                .add("POST", "/api/v1/dead-letters/{id}/redrive", handlers.redrive())
                .add("POST", "/api/v1/dead-letters/redrive", handlers.startRedrive())
                .add("POST", "/api/v1/dead-letters/purge", handlers.purge())
                .add("GET", "/api/v1/redrive-jobs", handlers.redriveJobs())
                .add("GET", "/api/v1/redrive-jobs/{job_id}", handlers.redriveJob())
                .add("DELETE", "/api/v1/redrive-jobs/{job_id}", handlers.cancelRedriveJob())
                .add("GET", "/api/v1/queues", handlers.queues())
                .add("GET", "/api/v1/endpoints", handlers.endpoints());
        ConsoleHandlers console = new ConsoleHandlers();
        routes.add("GET", ConsoleHandlers.PATH, console.page())
                .add("GET", ConsoleHandlers.PATH_WITH_SLASH, console.redirectToPage())
                .add("GET", ConsoleHandlers.ASSETS, console.assets());
    }

    /** Health and metrics only, on {@code management.host:management.port}. */
    public static HttpServer management(ServerConfig.Management config, Map<String, Supplier<Health>> components,
                                        String version, Supplier<String> metrics, MeterRegistry meters,
                                        Clock clock) {
        HttpServer server = new HttpServer(config.host(), config.port(), 1024, MANAGEMENT_TIMEOUTS, meters);
        server.addManagementRoutes(components, version, metrics, clock);
        return server;
    }

    private void addManagementRoutes(Map<String, Supplier<Health>> components, String version,
                                     Supplier<String> metrics, Clock clock) {
        HealthHandlers health = new HealthHandlers(version, components, () -> accepting, blocking, clock);
        HttpHandler scrape = exchange -> exchange.dispatch(blocking, () -> {
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            exchange.getResponseSender().send(metrics.get());
        });
        routes.add("GET", "/health", health.health())
                .add("GET", "/health/live", health.live())
                .add("GET", "/health/ready", health.ready())
                .add("GET", "/metrics", scrape);
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

    /** Each route template with its methods, as registered. */
    public Map<String, Set<String>> routes() {
        return routes.methodsByTemplate();
    }

    /** Stops taking new requests; readiness turns unhealthy. */
    public void stopAccepting() {
        accepting = false;
    }

    @Override
    public void close() {
        accepting = false;
        waits.close();
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
