package io.openhqm.plugin.egress.http;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.openhqm.api.HqmException;
import io.openhqm.api.PluginContext;
import io.openhqm.api.message.Message;
import io.openhqm.api.processing.Attempt;
import io.openhqm.api.processing.Outcome;
import io.openhqm.api.result.Reply;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls one endpoint: its own {@link HttpClient} (connect timeout, HTTP version, TLS trust, virtual-thread executor,
 * no redirects), circuit breaker, rate limiter and concurrency limit, and its meters. Thread-safe; one per endpoint
 * for the life of the egress.
 */
final class EndpointSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointSender.class);

    /** The longest a call waits for a rate-limit permit or a concurrency slot before it is deferred. */
    static final Duration WAIT_BOUND = Duration.ofSeconds(1);
    private static final Duration MIN_BREAKER_DEFERRAL = Duration.ofMillis(100);
    private static final Set<String> NO_BODY_METHODS = Set.of("GET", "HEAD", "DELETE", "OPTIONS", "TRACE");

    private final EndpointConfig endpoint;
    private final String label;
    private final Set<String> stripHeaders;
    private final Set<String> ownHeaders;
    private final long maxResponseBytes;
    private final Clock clock;
    private final ExecutorService executor;
    private final HttpClient client;
    private final CircuitBreaker breaker;
    private final RateLimiter rateLimiter;
    private final Semaphore concurrency;
    private final WebhookSigner signer;
    private volatile long openedAtNanos = System.nanoTime();

    private final Counter completed;
    private final Counter retried;
    private final Counter failed;
    private final Counter deferred;
    private final Counter rateLimited;
    private final Timer duration;

    EndpointSender(EndpointConfig endpoint, HttpEgressConfig config, PluginContext context) {
        this.endpoint = endpoint;
        this.label = "endpoint " + endpoint.name();
        this.stripHeaders = config.stripHeaders();
        this.maxResponseBytes = config.maxResponseBytes();
        this.clock = context.clock();
        this.signer = endpoint.signingSecrets().isEmpty() ? null : new WebhookSigner(endpoint.signingSecrets());

        Set<String> own = new HashSet<>(Set.of("content-type", "x-correlation-id"));
        if (endpoint.auth().headerName() != null) {
            own.add(endpoint.auth().headerName().toLowerCase(Locale.ROOT));
        }
        if (signer != null) {
            own.addAll(Set.of("webhook-id", "webhook-timestamp", "webhook-signature"));
        }
        this.ownHeaders = Set.copyOf(own);

        SSLContext ssl = endpoint.caFile() == null ? null
                : sslContext(context.home().resolve(endpoint.caFile()),
                        config.path() + ".endpoints." + endpoint.name() + ".ca_file");
        this.executor = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("egress-http-" + endpoint.name() + "-", 0).factory());
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(endpoint.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).version(endpoint.httpVersion()).executor(executor);
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        this.client = builder.build();

        this.breaker = endpoint.breaker().enabled() ? circuitBreaker(endpoint) : null;
        this.rateLimiter = endpoint.rateLimit() > 0 ? rateLimiter(endpoint) : null;
        this.concurrency = endpoint.maxConcurrency() > 0 ? new Semaphore(endpoint.maxConcurrency(), true) : null;

        MeterRegistry registry = context.meterRegistry();
        String name = endpoint.name();
        this.completed = outcomeCounter(registry, name, "completed");
        this.retried = outcomeCounter(registry, name, "retry");
        this.failed = outcomeCounter(registry, name, "failed");
        this.deferred = outcomeCounter(registry, name, "deferred");
        this.rateLimited = Counter.builder("openhqm.egress.rate.limited")
                .description("Calls deferred because the endpoint's rate_limit was reached")
                .tag("endpoint", name).register(registry);
        this.duration = Timer.builder("openhqm.egress.request.duration")
                .description("Duration of HTTP calls to the endpoint, until the last byte of the response")
                .tag("endpoint", name).register(registry);
        if (breaker != null) {
            Gauge.builder("openhqm.circuit.breaker.state", breaker, EndpointSender::stateCode)
                    .description("Circuit breaker state of the endpoint: 0 closed, 1 open, 2 half-open")
                    .tag("endpoint", name).strongReference(true).register(registry);
        }
    }

    EndpointConfig endpoint() {
        return endpoint;
    }

    /** A message refused before any call (method not allowed, bad path): counted as failed. */
    Outcome refuse(String error) {
        failed.increment();
        return Outcome.failed(label + ": " + error);
    }

    /** Calls the endpoint with {@code method} at {@code uri} for {@code message}, within the attempt's deadline. */
    Outcome send(Message message, String method, URI uri, Attempt attempt) throws InterruptedException {
        if (breaker != null && !breaker.tryAcquirePermission()) {
            deferred.increment();
            return Outcome.deferred(label + ": circuit breaker open", breakerWait());
        }
        boolean breakerPermitHeld = breaker != null;
        boolean concurrencySlotHeld = false;
        try {
            if (rateLimiter != null) {
                long waitNanos = rateLimiter.reservePermission();
                if (waitNanos < 0 || waitNanos > nanosLeft(attempt)) {
                    rateLimited.increment();
                    deferred.increment();
                    return Outcome.deferred(label + ": rate limited (rate_limit = " + rate() + " per second)",
                            WAIT_BOUND);
                }
                if (waitNanos > 0) {
                    TimeUnit.NANOSECONDS.sleep(waitNanos);
                }
            }
            if (concurrency != null) {
                long waitNanos = Math.min(WAIT_BOUND.toNanos(), nanosLeft(attempt));
                if (waitNanos <= 0 || !concurrency.tryAcquire(waitNanos, TimeUnit.NANOSECONDS)) {
                    deferred.increment();
                    return Outcome.deferred(label + ": max_concurrency (" + endpoint.maxConcurrency()
                            + ") calls already in flight", WAIT_BOUND);
                }
                concurrencySlotHeld = true;
            }
            long left = nanosLeft(attempt);
            if (left <= 0) {
                retried.increment();
                return Outcome.retry(label + ": the attempt's deadline passed before the call was made");
            }
            Duration timeout = Duration.ofNanos(Math.min(endpoint.timeout().toNanos(), left));
            HttpRequest request;
            try {
                request = request(message, method, uri, timeout);
            } catch (IllegalArgumentException e) {
                failed.increment();
                return Outcome.failed(label + ": cannot build the request: " + e.getMessage());
            }
            Outcome outcome = call(request, timeout);
            breakerPermitHeld = false;
            return outcome;
        } finally {
            if (concurrencySlotHeld) {
                concurrency.release();
            }
            if (breakerPermitHeld) {
                breaker.releasePermission();
            }
        }
    }

    private Outcome call(HttpRequest request, Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request,
                new BoundedBodyHandler(maxResponseBytes, request.method().equals("HEAD")));
        HttpResponse<byte[]> response;
        try {
            response = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e; // send() releases the breaker's permit
        } catch (TimeoutException e) {
            future.cancel(true);
            return transportFailure(start, new HttpTimeoutException("request timed out"), timeout);
        } catch (ExecutionException e) {
            return transportFailure(start, e.getCause(), timeout);
        }
        long elapsed = System.nanoTime() - start;
        duration.record(elapsed, TimeUnit.NANOSECONDS);
        return outcome(response, elapsed);
    }

    private Outcome outcome(HttpResponse<byte[]> response, long elapsedNanos) {
        int status = response.statusCode();
        String contentType = response.headers().firstValue("content-type").orElse("application/octet-stream");
        Reply reply = new Reply(response.body(), contentType, HeaderRules.replyHeaders(response.headers()), status);
        if (status >= 200 && status < 400) {
            breakerSuccess(elapsedNanos);
            completed.increment();
            return Outcome.completed(reply);
        }
        String excerpt = ResponseText.excerpt(response.body(), contentType);
        String error = label + ": " + ResponseText.status(status) + (excerpt.isEmpty() ? "" : ": " + excerpt);
        if (endpoint.retryOnStatus().contains(status)) {
            boolean open = false;
            if (status == 429) {
                breakerIgnore(); // the backend is up and asks us to slow down: Retry-After handles it
            } else {
                open = breakerFailure(elapsedNanos, new IOException(ResponseText.status(status)));
            }
            return retryUnlessOpen(error, RetryAfter.parse(response.headers().firstValue("retry-after").orElse(null),
                    clock.instant()), open);
        }
        breakerSuccess(elapsedNanos);
        failed.increment();
        return Outcome.failed(error, reply);
    }

    private Outcome transportFailure(long start, Throwable failure, Duration timeout) {
        long elapsed = System.nanoTime() - start;
        duration.record(elapsed, TimeUnit.NANOSECONDS);
        BoundedBodyHandler.ResponseTooLargeException tooLarge = find(failure,
                BoundedBodyHandler.ResponseTooLargeException.class);
        if (tooLarge != null) {
            String error = label + ": " + ResponseText.status(tooLarge.status) + ": the response body is larger"
                    + " than proxy.max_response_bytes (" + tooLarge.limit + " bytes)";
            if (endpoint.retryOnStatus().contains(tooLarge.status)) {
                // e.g. a proxy's big 503 page: the status decides, not the size of its body
                boolean open = false;
                if (tooLarge.status == 429) {
                    breakerIgnore();
                } else {
                    open = breakerFailure(elapsed, tooLarge);
                }
                return retryUnlessOpen(error, null, open);
            }
            breakerSuccess(elapsed);
            failed.increment();
            return Outcome.failed(error);
        }
        String error;
        if (find(failure, HttpConnectTimeoutException.class) != null) {
            error = "connect timed out after " + human(endpoint.connectTimeout());
        } else if (find(failure, HttpTimeoutException.class) != null) {
            error = "no complete response within " + human(timeout);
        } else if (find(failure, ConnectException.class) != null) {
            error = "connect failed: " + describe(find(failure, ConnectException.class));
        } else if (find(failure, SSLException.class) != null) {
            error = "TLS failed: " + describe(find(failure, SSLException.class));
        } else if (find(failure, IOException.class) != null) {
            error = "I/O error: " + describe(find(failure, IOException.class));
        } else {
            breakerIgnore();
            failed.increment();
            LOG.warn("{}: the HTTP client failed unexpectedly", label, failure);
            return Outcome.failed(label + ": the HTTP client failed: " + describe(failure));
        }
        return retryUnlessOpen(label + ": " + error, null, breakerFailure(elapsed, failure));
    }

    /**
     * A retry, unless this failure was a trial call or left the breaker open: then the message waits with the others
     * without losing an attempt, so a long outage dead-letters nothing.
     */
    private Outcome retryUnlessOpen(String error, Duration after, boolean breakerOpen) {
        if (breakerOpen) {
            deferred.increment();
            return Outcome.deferred(error + "; the circuit breaker is open", breakerWait());
        }
        retried.increment();
        return Outcome.retry(error, after);
    }

    private HttpRequest request(Message message, String method, URI uri, Duration timeout) {
        byte[] body = message.body();
        boolean sendsBody = body.length > 0 || !NO_BODY_METHODS.contains(method);
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(timeout)
                .method(method, sendsBody ? HttpRequest.BodyPublishers.ofByteArray(body)
                        : HttpRequest.BodyPublishers.noBody());
        Map<String, String> headers = HeaderRules.forwarded(message.headers(), stripHeaders, ownHeaders);
        headers.putAll(endpoint.headers());
        EndpointAuth auth = endpoint.auth();
        if (auth.headerName() != null) {
            headers.put(auth.headerName(), auth.headerValue());
        }
        if (HeaderRules.isValidValue(message.correlationId())) {
            headers.put(HeaderRules.CORRELATION_ID, message.correlationId());
        }
        if (signer != null) {
            long timestamp = clock.instant().getEpochSecond();
            headers.put("webhook-id", message.correlationId());
            headers.put("webhook-timestamp", Long.toString(timestamp));
            headers.put("webhook-signature", signer.signature(message.correlationId(), timestamp, body));
        }
        if (sendsBody && HeaderRules.isValidValue(message.contentType()) && !message.contentType().isBlank()) {
            headers.put("Content-Type", message.contentType());
        }
        headers.forEach(builder::header);
        return builder.build();
    }

    private long nanosLeft(Attempt attempt) {
        return Duration.between(clock.instant(), attempt.deadline()).toNanos();
    }

    private Duration breakerWait() {
        if (breaker.getState() == CircuitBreaker.State.OPEN) {
            long remaining = endpoint.breaker().waitInOpen().toNanos() - (System.nanoTime() - openedAtNanos);
            return remaining > MIN_BREAKER_DEFERRAL.toNanos() ? Duration.ofNanos(remaining) : MIN_BREAKER_DEFERRAL;
        }
        // half-open with every trial call taken: look again soon
        Duration wait = endpoint.breaker().waitInOpen();
        return wait.compareTo(WAIT_BOUND) < 0 ? wait : WAIT_BOUND;
    }

    private void breakerSuccess(long elapsedNanos) {
        if (breaker != null) {
            breaker.onSuccess(elapsedNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Records a failed call; whether it was a trial call or left the breaker open. */
    private boolean breakerFailure(long elapsedNanos, Throwable failure) {
        if (breaker == null) {
            return false;
        }
        boolean trial = breaker.getState() == CircuitBreaker.State.HALF_OPEN;
        breaker.onError(elapsedNanos, TimeUnit.NANOSECONDS, failure);
        return trial || breaker.getState() == CircuitBreaker.State.OPEN;
    }

    private void breakerIgnore() {
        if (breaker != null) {
            breaker.releasePermission();
        }
    }

    private CircuitBreaker circuitBreaker(EndpointConfig endpoint) {
        BreakerSettings s = endpoint.breaker();
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(s.slidingWindowSize())
                .minimumNumberOfCalls(s.minimumCalls())
                .failureRateThreshold(s.failureRateThreshold())
                .waitDurationInOpenState(s.waitInOpen())
                .permittedNumberOfCallsInHalfOpenState(s.halfOpenCalls())
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .slowCallDurationThreshold(Duration.ofDays(1))
                .writableStackTraceEnabled(false)
                .build();
        CircuitBreaker created = CircuitBreaker.of(endpoint.name(), config);
        created.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.State to = event.getStateTransition().getToState();
            if (to == CircuitBreaker.State.OPEN) {
                openedAtNanos = System.nanoTime();
                LOG.warn("{}: circuit breaker open (failure rate {}%); its messages wait {} before trial calls",
                        label, Math.round(created.getMetrics().getFailureRate()), human(s.waitInOpen()));
            } else {
                LOG.info("{}: circuit breaker {}", label, to == CircuitBreaker.State.CLOSED ? "closed"
                        : to == CircuitBreaker.State.HALF_OPEN ? "half-open: trial calls" : to);
            }
        });
        return created;
    }

    private static RateLimiter rateLimiter(EndpointConfig endpoint) {
        // One permit per period of 1/rate: smooth, no burst at the start of each second.
        long periodNanos = Math.max(1000, Math.round(1e9 / endpoint.rateLimit()));
        RateLimiterConfig config = RateLimiterConfig.custom()
                .limitRefreshPeriod(Duration.ofNanos(periodNanos))
                .limitForPeriod(1)
                .timeoutDuration(WAIT_BOUND)
                .build();
        return RateLimiter.of(endpoint.name(), config);
    }

    private static SSLContext sslContext(Path pemFile, String key) {
        try {
            return TrustMaterial.withExtraCas(pemFile);
        } catch (IOException | GeneralSecurityException e) {
            throw HqmException.config(key + ": cannot use \"" + pemFile + "\" as CA certificates (" + describe(e)
                    + "); give a readable PEM file of CA certificates, relative to the server's home or absolute");
        }
    }

    private static int stateCode(CircuitBreaker breaker) {
        return switch (breaker.getState()) {
            case CLOSED, DISABLED, METRICS_ONLY -> 0;
            case OPEN, FORCED_OPEN -> 1;
            case HALF_OPEN -> 2;
        };
    }

    private static Counter outcomeCounter(MeterRegistry registry, String endpoint, String outcome) {
        return Counter.builder("openhqm.egress.requests")
                .description("Messages handled by the HTTP egress, by endpoint and outcome")
                .tags("endpoint", endpoint, "outcome", outcome).register(registry);
    }

    private String rate() {
        double r = endpoint.rateLimit();
        return r == Math.rint(r) ? Long.toString((long) r) : Double.toString(r);
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message.replaceAll("\\s+", " ");
    }

    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    @Override
    public void close() {
        client.shutdownNow();
        try {
            client.awaitTermination(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
    }
}
