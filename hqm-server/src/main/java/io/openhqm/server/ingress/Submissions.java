package io.openhqm.server.ingress;

import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core's ingress port: accept a submission (check routing, enforce the queue bound and idempotency, record
 * it PENDING, publish it), and answer status and result queries. Driving adapters such as the HTTP listener
 * call only this. Thread-safe; all methods are asynchronous.
 */
public final class Submissions {
    private static final Logger LOG = LoggerFactory.getLogger(Submissions.class);
    private static final RateLimitedLog UNAVAILABLE_LOG = new RateLimitedLog(LOG, Duration.ofSeconds(10));
    private static final String NONCE_SEPARATOR = "/";
    private static final Pattern WELL_FORMED_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private final Queue queue;
    private final ResultStore results;
    private final QueueDepthMonitor depth;
    private final EndpointCatalog endpoints;
    private final String queueName;
    private final long maxDepth;
    private final boolean putAndPublishTogether;
    private final Clock clock;
    private final Counter published;
    private final Counter notPublished;

    /**
     * What the core needs of the configuration.
     *
     * @param queueName   {@code queue.request_queue_name}, for metrics
     * @param maxDepth    {@code queue.max_depth}; 0 = unbounded
     * @param sameBackend whether the queue and the result store are one plugin's (the PENDING put and the publish
     *                    may then go together where the store keeps them in order)
     * @param endpoints   the endpoints submissions may name
     */
    public record Options(String queueName, long maxDepth, boolean sameBackend, EndpointCatalog endpoints) {
    }

    public Submissions(Queue queue, ResultStore results, QueueDepthMonitor depth, Options options, Clock clock,
                       MeterRegistry meters) {
        this.queue = Objects.requireNonNull(queue, "queue is null");
        this.results = Objects.requireNonNull(results, "results is null");
        this.depth = Objects.requireNonNull(depth, "depth is null");
        this.endpoints = options.endpoints();
        this.queueName = options.queueName();
        this.maxDepth = options.maxDepth();
        this.putAndPublishTogether = options.sameBackend() && results.ordersPutsBeforePublishes();
        this.clock = clock;
        this.published = publishCounter(meters, "success");
        this.notPublished = publishCounter(meters, "error");
    }

    /** Whether {@code id} may be used as a client-chosen correlation id. */
    public static boolean isWellFormedId(String id) {
        return id != null && WELL_FORMED_ID.matcher(id).matches();
    }

    /**
     * Accepts a submission. The stage fails with {@link SubmissionRejected}; a rejected submission leaves nothing
     * behind (no idempotency key or correlation id held, no record) that would change the answer to a retry.
     */
    public CompletionStage<Accepted> submit(Submission submission) {
        try {
            checkRoute(submission);
        } catch (SubmissionRejected e) {
            return CompletableFuture.failedFuture(e);
        }
        if (maxDepth > 0 && depth.current() >= maxDepth) {
            return CompletableFuture.failedFuture(queueFull());
        }
        String id = submission.requestedId() != null ? submission.requestedId() : UUID.randomUUID().toString();
        Held held = new Held(id);
        CompletionStage<Optional<Accepted>> replay = submission.idempotencyKey() == null
                ? CompletableFuture.completedFuture(Optional.empty())
                : claimKey(submission, held);
        return replay.thenCompose(r -> r.isPresent()
                        ? CompletableFuture.completedFuture(r.get())
                        : accept(submission, held))
                .handle((accepted, failure) -> failure == null
                        ? CompletableFuture.completedFuture(accepted)
                        : held.release().<Accepted>thenApply(ignored -> {
                            throw rejection(failure);
                        }))
                .thenCompose(stage -> stage);
    }

    private CompletionStage<Accepted> accept(Submission submission, Held held) {
        CompletionStage<Void> idFree = submission.requestedId() == null
                ? CompletableFuture.completedFuture(null)
                : reserveId(held);
        return idFree.thenCompose(ignored -> {
            if (maxDepth > 0 && !depth.tryAdd(maxDepth)) {
                throw queueFull();
            }
            if (maxDepth <= 0) {
                depth.add();
            }
            Instant now = clock.instant();
            RequestRecord pending = RequestRecord.pending(held.id, now, submission.owner(), submission.attributes());
            held.pendingStored = true;
            return store(pending, toMessage(held.id, now, submission)).handle((stored, failure) -> {
                if (failure != null) {
                    notPublished.increment();
                    depth.release();
                    throw failure instanceof CompletionException c ? c : new CompletionException(failure);
                }
                published.increment();
                held.accepted = true;
                return new Accepted(pending, false);
            });
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
    private CompletionStage<Void> reserveId(Held held) {
        IdempotencyClaim ours = new IdempotencyClaim("id:" + held.id, UUID.randomUUID().toString(), held.id);
        return results.claimIdempotencyKey(ours).thenCompose(winner -> {
            if (!winner.equals(ours)) {
                throw idInUse(held.id);
            }
            held.claims.add(ours);
            return results.get(held.id).thenAccept(record -> {
                if (record.isPresent()) {
                    throw idInUse(held.id);
                }
            });
        });
    }

    /**
     * Claims the submission's idempotency key (scoped by owner). The stored fingerprint is the request digest
     * plus a random nonce, so this submission can tell its own win from an earlier identical request's.
     *
     * @return the earlier submission to answer with, or empty when this one holds the key now
     */
    private CompletionStage<Optional<Accepted>> claimKey(Submission submission, Held held) {
        String scopedKey = "key:" + (submission.owner() == null ? "" : submission.owner() + "/")
                + submission.idempotencyKey();
        IdempotencyClaim ours = new IdempotencyClaim(scopedKey,
                submission.fingerprint() + NONCE_SEPARATOR + UUID.randomUUID(), held.id);
        return results.claimIdempotencyKey(ours).thenCompose(winner -> {
            if (winner.equals(ours)) {
                held.claims.add(ours);
                return CompletableFuture.completedFuture(Optional.empty());
            }
            if (!digestOf(winner.fingerprint()).equals(submission.fingerprint())) {
                throw new SubmissionRejected(SubmissionRejected.Reason.IDEMPOTENCY_CONFLICT, null,
                        "The Idempotency-Key was already used with a different request; use a new key.");
            }
            return results.get(winner.correlationId()).thenApply(record -> {
                if (record.isEmpty() || !visibleTo(record.get(), submission.owner())) {
                    throw new SubmissionRejected(SubmissionRejected.Reason.IDEMPOTENCY_IN_PROGRESS, null,
                            "A request with this Idempotency-Key is still being accepted; retry in a moment.");
                }
                return Optional.of(new Accepted(record.get(), true));
            });
        });
    }

    private static String digestOf(String fingerprint) {
        int nonce = fingerprint.lastIndexOf(NONCE_SEPARATOR);
        return nonce < 0 ? fingerprint : fingerprint.substring(0, nonce);
    }

    /**
     * What a submission holds in the result store until it is accepted: its claims and its PENDING record. A
     * rejected submission releases all of it, so a retry is answered as if it were the first.
     */
    private final class Held {
        final String id;
        final List<IdempotencyClaim> claims = new CopyOnWriteArrayList<>();
        volatile boolean pendingStored;
        volatile boolean accepted;

        Held(String id) {
            this.id = id;
        }

        CompletionStage<Void> release() {
            if (accepted) {
                return CompletableFuture.completedFuture(null);
            }
            CompletionStage<Void> released = pendingStored
                    ? results.discardPending(id) : CompletableFuture.completedFuture(null);
            for (IdempotencyClaim claim : claims) {
                released = released.thenCompose(ignored -> results.releaseIdempotencyKey(claim));
            }
            return released.exceptionally(failure -> {
                LOG.warn("could not release what a rejected submission held ({}); a retry with the same"
                        + " Idempotency-Key or X-Correlation-ID may be refused until the results TTL ends",
                        describe(failure));
                return null;
            });
        }
    }

    private SubmissionRejected queueFull() {
        return new SubmissionRejected(SubmissionRejected.Reason.QUEUE_FULL, null,
                "The queue holds " + depth.current() + " messages, its limit (queue.max_depth) is " + maxDepth
                        + ". Retry later.");
    }

    private static SubmissionRejected idInUse(String id) {
        return new SubmissionRejected(SubmissionRejected.Reason.ID_IN_USE, null,
                "The correlation id " + id + " is already in use; send another X-Correlation-ID or none.");
    }

    /**
     * A named endpoint must be configured and allow the method. A transparent proxy's request (it has a path)
     * keeps its client's method: it goes to the default endpoint's base URL as it came.
     */
    private void checkRoute(Submission submission) {
        if (submission.endpoint() != null) {
            Set<String> methods = endpoints.methods().get(submission.endpoint());
            if (methods == null) {
                throw new SubmissionRejected(SubmissionRejected.Reason.INVALID, "metadata.endpoint",
                        "Unknown endpoint \"" + submission.endpoint() + "\"; configured endpoints: "
                                + endpoints.names() + ".");
            }
            checkMethod(submission.endpoint(), methods, submission.method());
        } else if (submission.method() != null && submission.path() == null) {
            String fallback = endpoints.defaultEndpoint();
            if (fallback == null || !endpoints.methods().containsKey(fallback)) {
                throw new SubmissionRejected(SubmissionRejected.Reason.INVALID, "metadata.method",
                        "metadata.method needs an endpoint: give metadata.endpoint or configure"
                                + " proxy.default_endpoint.");
            }
            checkMethod(fallback, endpoints.methods().get(fallback), submission.method());
        }
    }

    private static void checkMethod(String endpoint, Set<String> methods, String method) {
        if (method != null && !methods.contains(method)) {
            throw new SubmissionRejected(SubmissionRejected.Reason.INVALID, "metadata.method",
                    "Method " + method + " is not allowed for endpoint \"" + endpoint + "\"; allowed: "
                            + String.join(", ", methods.stream().sorted().toList()) + ".");
        }
    }

    private static Message toMessage(String id, Instant now, Submission s) {
        MessageMetadata metadata = new MessageMetadata(s.endpoint(), s.method(), s.path(), s.query(), s.priority(),
                s.timeout(), now, s.partitionKey(), s.idempotencyKey(), s.owner(), s.attributes());
        return new Message(id, s.body(), s.contentType(), Map.copyOf(s.headers()), metadata);
    }

    private Counter publishCounter(MeterRegistry meters, String status) {
        return Counter.builder("openhqm.queue.publish").tag("queue", queueName).tag("status", status)
                .register(meters);
    }

    private static RuntimeException rejection(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof SubmissionRejected rejected) {
            return rejected;
        }
        UNAVAILABLE_LOG.warn("a submission could not be accepted: {}", describe(cause));
        return new SubmissionRejected(SubmissionRejected.Reason.UNAVAILABLE, null,
                "The queue or the result store is unavailable right now. Retry later.");
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private static String describe(Throwable failure) {
        Throwable cause = unwrap(failure);
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
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
