package io.openhqm.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.openhqm.api.HqmException;
import io.openhqm.api.ErrorKind;
import io.openhqm.api.message.Message;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.DeadLetterEntry;
import io.openhqm.api.queue.DeadLetterFilter;
import io.openhqm.api.queue.DeadLetterPage;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.server.admin.EndpointStates;
import io.openhqm.server.admin.QueueAdmin;
import io.openhqm.server.admin.RedriveJob;
import io.openhqm.server.admin.RedriveJobs;
import io.openhqm.server.admin.Throughput;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.PathTemplateMatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API (JSON): the dead letters (list by page and filter, one, redrive, delete, purge by filter), bulk
 * redrive jobs (start, follow, cancel), the queue at a glance and the egress endpoints with their circuit breakers.
 * Each request is checked by {@link AdminAccess} and then runs on a blocking thread, since the {@link QueueAdmin}
 * waits for the backend.
 */
final class AdminHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHandlers.class);
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    /** Characters of a payload shown in a listing. */
    static final int EXCERPT = 200;
    static final int DEFAULT_RATE = 50;
    static final int MAX_RATE = 10_000;
    /** Largest body of a redrive or purge request. */
    static final int MAX_BODY = 64 * 1024;
    /** How long a cancel waits for the job to stop. */
    static final Duration CANCEL_WAIT = Duration.ofSeconds(10);
    private static final List<String> FILTER_FIELDS = List.of("endpoint", "error", "since", "until");

    private final QueueAdmin admin;
    private final RedriveJobs redrives;
    private final EndpointStates endpoints;
    private final AdminAccess access;
    private final ExecutorService blocking;

    AdminHandlers(QueueAdmin admin, RedriveJobs redrives, EndpointStates endpoints, AdminAccess access,
                  ExecutorService blocking) {
        this.admin = admin;
        this.redrives = redrives;
        this.endpoints = endpoints;
        this.access = access;
        this.blocking = blocking;
    }

    /** What an admin request does once allowed; it may throw, and answers the exchange itself. */
    private interface Action {
        void run(HttpServerExchange exchange) throws Problem.Raised;
    }

    /** What an admin request with a body does once allowed and the body is read. */
    private interface BodyAction {
        void run(HttpServerExchange exchange, byte[] body) throws Problem.Raised;
    }

    private HttpHandler guarded(Action action) {
        return exchange -> {
            if (access.allows(exchange)) {
                exchange.dispatch(blocking, () -> answer(exchange, action));
            }
        };
    }

    /**
     * As {@link #guarded}, for a request whose body is read first, not blocking: 413 beyond {@link #MAX_BODY} bytes
     * (declared, or received; Undertow stops a body beyond {@code server.max_body_bytes} before that).
     */
    private HttpHandler guardedWithBody(BodyAction action) {
        return exchange -> {
            if (!access.allows(exchange)) {
                return;
            }
            if (exchange.getRequestContentLength() > MAX_BODY) {
                tooLarge(exchange);
                return;
            }
            exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
                if (body.length > MAX_BODY) {
                    tooLarge(ex);
                } else {
                    ex.dispatch(blocking, () -> answer(ex, e -> action.run(e, body)));
                }
            }, (ex, error) -> ex.endExchange());
        };
    }

    private static void tooLarge(HttpServerExchange exchange) {
        exchange.setPersistent(false);
        Problem.of(413, "too-large", "Request too large", "The body must not exceed " + MAX_BODY + " bytes.")
                .send(exchange);
    }

    private static void answer(HttpServerExchange exchange, Action action) {
        try {
            action.run(exchange);
        } catch (Problem.Raised raised) {
            raised.problem().send(exchange);
        } catch (UnsupportedOperationException e) {
            Problem.of(501, "not-implemented", "Not Implemented", "This server's queue cannot do that: "
                    + e.getMessage() + ".").send(exchange);
        } catch (HqmException e) {
            if (e.kind() == ErrorKind.INPUT) {
                Problem.badRequest(e.getMessage() + ".").send(exchange);
            } else {
                LOG.warn("admin request {} {} failed: {}", exchange.getRequestMethod(),
                        exchange.getRequestPath(), e.getMessage());
                Problem.of(503, "unavailable", "Service unavailable", "The queue is unavailable. Retry later.")
                        .send(exchange, Map.of("Retry-After", "1"));
            }
        } catch (RuntimeException e) {
            Answers.internalError(exchange, e);
        }
    }

    HttpHandler list() {
        return guarded(exchange -> {
            int limit = limit(exchange);
            DeadLetterFilter filter = new DeadLetterFilter(query(exchange, "endpoint"), query(exchange, "error"),
                    instant(exchange, "since"), instant(exchange, "until"));
            DeadLetterPage page = admin.deadLetters(filter, limit, query(exchange, "cursor"));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("dead_letters", page.entries().stream().map(e -> entry(e, false)).toList());
            body.put("next_cursor", page.nextCursor());
            Json.send(exchange, 200, body);
        });
    }

    HttpHandler get() {
        return guarded(exchange -> {
            String id = pathId(exchange);
            Optional<DeadLetterEntry> entry = admin.deadLetter(id);
            if (entry.isEmpty()) {
                throw unknown(id);
            }
            Json.send(exchange, 200, entry(entry.get(), true));
        });
    }

    HttpHandler redrive() {
        return guarded(exchange -> {
            String id = pathId(exchange);
            RequestRecord pending = admin.redrive(id).orElseThrow(() -> unknown(id));
            String cid = pending.correlationId();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", id);
            body.put("correlation_id", cid);
            body.put("status", pending.status().name());
            exchange.getResponseHeaders().put(Headers.LOCATION, "/api/v1/response/" + cid);
            Json.send(exchange, 202, body);
        });
    }

    HttpHandler delete() {
        return guarded(exchange -> {
            String id = pathId(exchange);
            if (!admin.delete(id)) {
                throw unknown(id);
            }
            exchange.setStatusCode(204);
            exchange.endExchange();
        });
    }

    HttpHandler startRedrive() {
        return guardedWithBody((exchange, bytes) -> {
            JsonNode body = body(bytes, List.of("filter", "rate_per_second"));
            DeadLetterFilter filter = filter(body);
            int rate = rate(body.get("rate_per_second"));
            RedriveJob.Snapshot job = redrives.start(filter, rate);
            exchange.getResponseHeaders().put(Headers.LOCATION, "/api/v1/redrive-jobs/" + job.id());
            Json.send(exchange, 202, job(job));
        });
    }

    HttpHandler redriveJobs() {
        return guarded(exchange -> Json.send(exchange, 200, Map.of("redrive_jobs",
                redrives.list().stream().map(AdminHandlers::job).toList())));
    }

    HttpHandler redriveJob() {
        return guarded(exchange -> {
            String id = pathParameter(exchange, "job_id");
            Json.send(exchange, 200, job(redrives.get(id).orElseThrow(() -> unknownJob(id))));
        });
    }

    HttpHandler cancelRedriveJob() {
        return guarded(exchange -> {
            String id = pathParameter(exchange, "job_id");
            try {
                Json.send(exchange, 200, job(redrives.cancel(id, CANCEL_WAIT).orElseThrow(() -> unknownJob(id))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw HqmException.transientFailure("interrupted while cancelling redrive job " + id, e);
            }
        });
    }

    HttpHandler purge() {
        return guardedWithBody((exchange, bytes) -> {
            DeadLetterFilter filter = filter(body(bytes, List.of("filter")));
            Json.send(exchange, 200, Map.of("deleted", admin.purge(filter)));
        });
    }

    HttpHandler queues() {
        return guarded(exchange -> {
            QueueAdmin.Overview overview = admin.overview();
            Throughput.Rates rates = overview.rates();
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("name", overview.name());
            view.put("type", overview.type());
            view.put("depth", overview.depth());
            view.put("in_flight", overview.inFlight());
            view.put("delayed", overview.delayed());
            view.put("dead_letter_queue", overview.deadLetterQueue());
            view.put("dead_letters", overview.deadLetters());
            Map<String, Object> perSecond = new LinkedHashMap<>();
            perSecond.put("submitted", rates.submitted());
            perSecond.put("completed", rates.completed());
            perSecond.put("failed", rates.failed());
            perSecond.put("window_seconds", rates.seconds());
            view.put("rates_per_second", perSecond);
            putActivity(view, admin.activity());
            Json.send(exchange, 200, Map.of("queues", List.of(view)));
        });
    }

    private static void putActivity(Map<String, Object> view, QueueAdmin.Activity activity) {
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.put("submitted", activity.totals().submitted());
        totals.put("completed", activity.totals().completed());
        totals.put("failed", activity.totals().failed());
        totals.put("processing_seconds", activity.totals().processingSeconds());
        view.put("totals", totals);
        Map<String, Object> processing = new LinkedHashMap<>();
        processing.put("mean", activity.processing().mean());
        processing.put("max", activity.processing().max());
        processing.put("window_seconds", activity.processing().seconds());
        view.put("processing_seconds", processing);
    }

    HttpHandler endpoints() {
        return guarded(exchange -> {
            List<Map<String, Object>> views = endpoints.list().stream().map(endpoint -> {
                Map<String, Object> view = new LinkedHashMap<>();
                view.put("name", endpoint.name());
                view.put("url", endpoint.url());
                view.put("circuit_breaker", endpoint.circuitBreaker());
                return view;
            }).toList();
            Json.send(exchange, 200, Map.of("endpoints", views));
        });
    }

    private static Map<String, Object> entry(DeadLetterEntry entry, boolean whole) {
        DeadLetter letter = entry.letter();
        Message message = letter.message();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", entry.id());
        view.put("correlation_id", message.correlationId());
        view.put("endpoint", message.metadata().endpoint());
        view.put("error", letter.reason());
        view.put("dead_lettered_at", letter.deadLetteredAt().toString());
        view.put("submitted_at", message.metadata().submittedAt().toString());
        view.put("attempts", letter.history().stream().map(AdminHandlers::attempt).toList());
        view.put("content_type", message.contentType());
        view.put("payload_bytes", message.body().length);
        if (whole) {
            view.put("method", message.metadata().method());
            view.put("priority", message.metadata().priority());
            view.put("headers", message.headers());
            view.put("payload", payload(message));
        } else {
            view.put("payload_excerpt", excerpt(message.body()));
        }
        return view;
    }

    private static Map<String, Object> attempt(AttemptFailure failure) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("attempt", failure.attempt());
        view.put("at", failure.at().toString());
        view.put("error", failure.error());
        return view;
    }

    /** The JSON value of a JSON payload, else its text; a payload that is not UTF-8 as base64 (with a flag). */
    private static Object payload(Message message) {
        if (Views.isJson(message.contentType())) {
            try {
                JsonNode node = Json.parse(message.body());
                if (node != null) {
                    return node;
                }
            } catch (IOException notJson) {
                // shown as text below
            }
        }
        String text = utf8(message.body());
        return text != null ? text : Map.of("base64", java.util.Base64.getEncoder().encodeToString(message.body()));
    }

    private static String excerpt(byte[] body) {
        String text = utf8(body);
        if (text == null) {
            return "(" + body.length + " bytes, not UTF-8)";
        }
        return text.length() <= EXCERPT ? text : text.substring(0, EXCERPT) + "…";
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static Map<String, Object> job(RedriveJob.Snapshot job) {
        Map<String, Object> filter = new LinkedHashMap<>();
        filter.put("endpoint", job.filter().endpoint());
        filter.put("error", job.filter().error());
        filter.put("since", text(job.filter().since()));
        filter.put("until", text(job.filter().until()));
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", job.id());
        view.put("state", job.state().name().toLowerCase(Locale.ROOT));
        view.put("filter", filter);
        view.put("rate_per_second", job.ratePerSecond());
        view.put("matched", job.matched());
        view.put("moved", job.moved());
        view.put("failed", job.failed());
        view.put("created_at", job.createdAt().toString());
        view.put("finished_at", text(job.finishedAt()));
        view.put("error", job.error());
        return view;
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    /** The request's JSON object, with no fields but {@code fields}. */
    private static JsonNode body(byte[] bytes, List<String> fields) throws Problem.Raised {
        JsonNode body;
        try {
            body = Json.parse(bytes);
        } catch (IOException e) {
            body = null;
        }
        if (body == null || !body.isObject()) {
            throw new Problem.Raised(Problem.badRequest("The body must be a JSON object such as "
                    + "{\"filter\": {\"error\": \"timeout\"}} ({} for every dead letter)."));
        }
        for (String name : (Iterable<String>) body::fieldNames) {
            if (!fields.contains(name)) {
                throw new Problem.Raised(Problem.invalid(name, name + " is not a field of this request; use "
                        + String.join(" or ", fields) + "."));
            }
        }
        return body;
    }

    /** The body's {@code filter}: the listing's query parameters as an object, each optional. */
    private static DeadLetterFilter filter(JsonNode body) throws Problem.Raised {
        JsonNode filter = body.get("filter");
        if (filter == null || filter.isNull()) {
            return DeadLetterFilter.ALL;
        }
        if (!filter.isObject()) {
            throw new Problem.Raised(Problem.invalid("filter", "filter must be an object with endpoint, error, since "
                    + "and until, each optional."));
        }
        for (String name : (Iterable<String>) filter::fieldNames) {
            if (!FILTER_FIELDS.contains(name)) {
                throw new Problem.Raised(Problem.invalid("filter." + name, "filter." + name + " is not a filter "
                        + "field; use endpoint, error, since or until."));
            }
        }
        return new DeadLetterFilter(filterText(filter, "endpoint"), filterText(filter, "error"),
                filterTime(filter, "since"), filterTime(filter, "until"));
    }

    private static String filterText(JsonNode filter, String name) throws Problem.Raised {
        JsonNode value = filter.get(name);
        if (value == null || value.isNull() || value.isTextual() && value.asText().isEmpty()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new Problem.Raised(Problem.invalid("filter." + name, "filter." + name + " must be a string."));
        }
        return value.asText();
    }

    private static Instant filterTime(JsonNode filter, String name) throws Problem.Raised {
        JsonNode value = filter.get(name);
        if (value == null || value.isNull() || value.isTextual() && value.asText().isEmpty()) {
            return null;
        }
        return time(value.isTextual() ? value.asText() : "", "filter." + name);
    }

    /** An RFC 3339 UTC time given in {@code field}. */
    private static Instant time(String text, String field) throws Problem.Raised {
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new Problem.Raised(Problem.invalid(field, field + " must be an RFC 3339 UTC time such as "
                    + "2026-01-31T12:00:00Z."));
        }
    }

    private static int rate(JsonNode value) throws Problem.Raised {
        if (value == null || value.isNull()) {
            return DEFAULT_RATE;
        }
        if (value.isIntegralNumber() && value.canConvertToInt() && value.asInt() >= 1 && value.asInt() <= MAX_RATE) {
            return value.asInt();
        }
        throw new Problem.Raised(Problem.invalid("rate_per_second", "rate_per_second must be a whole number from 1 "
                + "to " + MAX_RATE + " (default " + DEFAULT_RATE + ")."));
    }

    private static Problem.Raised unknown(String id) {
        return new Problem.Raised(Problem.notFound("No dead letter with id " + id + "."));
    }

    private static Problem.Raised unknownJob(String id) {
        return new Problem.Raised(Problem.notFound("No redrive job with id " + id + " (this process keeps its last "
                + "finished jobs only, and none from before a restart)."));
    }

    private static String pathId(HttpServerExchange exchange) {
        return pathParameter(exchange, "id");
    }

    private static String pathParameter(HttpServerExchange exchange, String name) {
        return exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get(name);
    }

    private static String query(HttpServerExchange exchange, String name) {
        Deque<String> values = exchange.getQueryParameters().get(name);
        if (values == null || values.isEmpty() || values.getFirst().isEmpty()) {
            return null;
        }
        return values.getFirst();
    }

    private static int limit(HttpServerExchange exchange) throws Problem.Raised {
        String text = query(exchange, "limit");
        if (text == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(text.trim());
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new Problem.Raised(Problem.invalid("limit", "limit must be a whole number from 1 to " + MAX_LIMIT
                + "."));
    }

    private static Instant instant(HttpServerExchange exchange, String name) throws Problem.Raised {
        String text = query(exchange, name);
        return text == null ? null : time(text, name);
    }
}
