package io.openhqm.server.ingress;

import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import io.openhqm.server.config.ServerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The core's ingress port: accept a submission (check routing, enforce the queue bound and idempotency, record
 * it PENDING, publish it), and answer status and result queries. Driving adapters such as the HTTP listener
 * call only this. Thread-safe; all methods are asynchronous.
 */
public final class Submissions {
    private static final Pattern WELL_FORMED_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private final Queue queue;
    private final ResultStore results;
    private final QueueDepthMonitor depth;
    private final ServerConfig.Proxy proxy;
    private final String queueName;
    private final long maxDepth;
    private final boolean putAndPublishTogether;
    private final Clock clock;
    private final Counter published;
    private final Counter notPublished;

    public Submissions(Queue queue, ResultStore results, QueueDepthMonitor depth, ServerConfig config, Clock clock,
                       MeterRegistry meters) {
        this.queue = Objects.requireNonNull(queue, "queue is null");
        this.results = Objects.requireNonNull(results, "results is null");
        this.depth = Objects.requireNonNull(depth, "depth is null");
        this.proxy = config.proxy();
        this.queueName = config.queue().requestQueueName();
        this.maxDepth = config.queue().maxDepth();
        this.putAndPublishTogether = config.results().type().equals(config.queue().type())
                && results.ordersPutsBeforePublishes();
        this.clock = clock;
        this.published = publishCounter(meters, "success");
        this.notPublished = publishCounter(meters, "error");
    }

    /** Whether {@code id} may be used as a client-chosen correlation id. */
    public static boolean isWellFormedId(String id) {
        return id != null && WELL_FORMED_ID.matcher(id).matches();
    }

    /**
     * Accepts a submission. The stage fails with {@link SubmissionRejected}.
     */
    public CompletionStage<Accepted> submit(Submission submission) {
        try {
            checkRoute(submission);
        } catch (SubmissionRejected e) {
            return CompletableFuture.failedFuture(e);
        }
        if (maxDepth > 0 && depth.current() >= maxDepth) {
            return CompletableFuture.failedFuture(new SubmissionRejected(SubmissionRejected.Reason.QUEUE_FULL, null,
                    "The queue holds " + depth.current() + " messages, its limit (queue.max_depth) is " + maxDepth
                            + ". Retry later."));
        }
        String id = submission.requestedId() != null ? submission.requestedId() : UUID.randomUUID().toString();
        Instant now = clock.instant();
        CompletionStage<Optional<Accepted>> claimed = submission.idempotencyKey() == null
                ? CompletableFuture.completedFuture(Optional.empty())
                : claim(submission, id);
        return claimed.thenCompose(replay -> {
            if (replay.isPresent()) {
                return CompletableFuture.completedFuture(replay.get());
            }
            CompletionStage<Void> idFree = submission.requestedId() == null
                    ? CompletableFuture.completedFuture(null)
                    : reserve(id);
            RequestRecord pending = RequestRecord.pending(id, now, submission.owner(), submission.attributes());
            Message message = toMessage(id, now, submission);
            return idFree
                    .thenCompose(ignored -> store(pending, message))
                    .handle((ignored, failure) -> {
                        (failure == null ? published : notPublished).increment();
                        if (failure != null) {
                            throw rejection(failure);
                        }
                        return new Accepted(pending, false);
                    });
        }).handle((accepted, failure) -> {
            if (failure != null) {
                throw rejection(failure);
            }
            return accepted;
        });
    }

    /** Stores the PENDING record, then publishes; both at once where the store keeps them in order. */
    private CompletionStage<Void> store(RequestRecord pending, Message message) {
        if (putAndPublishTogether) {
            CompletableFuture<Void> put = results.put(pending).toCompletableFuture();
            CompletableFuture<Void> published = queue.publish(message).toCompletableFuture();
            return CompletableFuture.allOf(put, published);
        }
        return results.put(pending).thenCompose(ignored -> queue.publish(message));
    }

    /**
     * Reserves a client-chosen correlation id atomically (two concurrent submissions cannot both get it), and
     * refuses an id that a stored record already has.
     */
    private CompletionStage<Void> reserve(String id) {
        IdempotencyClaim ours = new IdempotencyClaim("id:" + id, UUID.randomUUID().toString(), id);
        return results.claimIdempotencyKey(ours)
                .thenCompose(winner -> winner.fingerprint().equals(ours.fingerprint())
                        ? results.get(id).thenApply(Optional::isPresent)
                        : CompletableFuture.completedFuture(true))
                .thenAccept(taken -> {
                    if (taken) {
                        throw new SubmissionRejected(SubmissionRejected.Reason.ID_IN_USE, null,
                                "The correlation id " + id + " is already in use; send another X-Correlation-ID"
                                        + " or none.");
                    }
                });
    }

    private CompletionStage<Optional<Accepted>> claim(Submission submission, String id) {
        String scopedKey = "key:" + (submission.owner() == null ? "" : submission.owner() + "/")
                + submission.idempotencyKey();
        IdempotencyClaim ours = new IdempotencyClaim(scopedKey, submission.fingerprint(), id);
        return results.claimIdempotencyKey(ours).thenCompose(winner -> {
            if (!winner.fingerprint().equals(submission.fingerprint())) {
                throw new SubmissionRejected(SubmissionRejected.Reason.IDEMPOTENCY_CONFLICT, null,
                        "The Idempotency-Key was already used with a different request; use a new key.");
            }
            if (winner.correlationId().equals(id) && submission.requestedId() == null) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            if (winner.correlationId().equals(id)) {
                // The same client-chosen id: a replay if that submission was stored, else this one is the first.
                return results.get(id).thenApply(record -> record.map(r -> new Accepted(r, true)));
            }
            return results.get(winner.correlationId()).thenApply(record -> Optional.of(new Accepted(
                    record.orElseGet(() -> RequestRecord.pending(winner.correlationId(), clock.instant(),
                            submission.owner())), true)));
        });
    }

    private void checkRoute(Submission submission) {
        if (submission.endpoint() != null) {
            ServerConfig.Endpoint endpoint = proxy.endpoints().get(submission.endpoint());
            if (endpoint == null) {
                throw new SubmissionRejected(SubmissionRejected.Reason.INVALID, "metadata.endpoint",
                        "Unknown endpoint \"" + submission.endpoint() + "\"; configured endpoints: "
                                + (proxy.endpoints().isEmpty() ? "none" : String.join(", ", proxy.endpoints().keySet()))
                                + ".");
            }
            checkMethod(endpoint, submission.method());
        } else if (submission.method() != null) {
            ServerConfig.Endpoint fallback = proxy.defaultEndpoint() == null ? null
                    : proxy.endpoints().get(proxy.defaultEndpoint());
            if (fallback == null) {
                throw new SubmissionRejected(SubmissionRejected.Reason.INVALID, "metadata.method",
                        "metadata.method needs an endpoint: give metadata.endpoint or configure"
                                + " proxy.default_endpoint.");
            }
            checkMethod(fallback, submission.method());
        }
    }

    private static void checkMethod(ServerConfig.Endpoint endpoint, String method) {
        if (method != null && !endpoint.methods().contains(method)) {
            throw new SubmissionRejected(SubmissionRejected.Reason.INVALID, "metadata.method",
                    "Method " + method + " is not allowed for endpoint \"" + endpoint.name() + "\"; allowed: "
                            + String.join(", ", endpoint.methods().stream().sorted().toList()) + ".");
        }
    }

    private static Message toMessage(String id, Instant now, Submission s) {
        MessageMetadata metadata = new MessageMetadata(s.endpoint(), s.method(), null, null, s.priority(),
                s.timeout(), now, null, s.idempotencyKey(), s.owner(), s.attributes());
        return new Message(id, s.body(), s.contentType(), Map.copyOf(s.headers()), metadata);
    }

    private Counter publishCounter(MeterRegistry meters, String status) {
        return Counter.builder("openhqm.queue.publish").tag("queue", queueName).tag("status", status)
                .register(meters);
    }

    private static RuntimeException rejection(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof SubmissionRejected rejected) {
            return rejected;
        }
        return new SubmissionRejected(SubmissionRejected.Reason.UNAVAILABLE, null,
                "The queue is unavailable: " + (cause instanceof HqmException ? cause.getMessage()
                        : cause.getClass().getSimpleName()) + ". Retry later.");
    }

    /** The record of {@code id} if it exists and {@code owner} may see it. */
    public CompletionStage<Optional<RequestRecord>> status(String id, String owner) {
        return results.get(id).thenApply(r -> r.filter(record -> visibleTo(record, owner)));
    }

    /** Like {@link #status} but waits up to {@code maxWait} for a terminal status. */
    public CompletionStage<Optional<RequestRecord>> awaitTerminal(String id, String owner, Duration maxWait) {
        if (maxWait.isZero() || maxWait.isNegative()) {
            return status(id, owner);
        }
        return results.awaitTerminal(id, maxWait).thenApply(r -> r.filter(record -> visibleTo(record, owner)));
    }

    private static boolean visibleTo(RequestRecord record, String owner) {
        return record.owner() == null || record.owner().equals(owner);
    }
}
