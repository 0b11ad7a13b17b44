package io.openhqm.server.http;

import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads request bodies without blocking, within {@code server.max_body_bytes} (413 beyond it) and the listener's
 * {@link BodyBudget} (503 with {@code Retry-After} beyond it). Thread-safe.
 */
final class BodyReceiver {
    private final long maxBodyBytes;
    private final BodyBudget budget;

    BodyReceiver(long maxBodyBytes, BodyBudget budget) {
        this.maxBodyBytes = maxBodyBytes;
        this.budget = budget;
    }

    /** Answers 413 and returns {@code true} when the declared Content-Length is over the limit already. */
    boolean refuseDeclaredTooLarge(HttpServerExchange exchange) {
        if (exchange.getRequestContentLength() > maxBodyBytes) {
            tooLarge(exchange);
            return true;
        }
        return false;
    }

    /**
     * Reads the body, counting as it goes; {@code then} runs inside Undertow's callback, so it must dispatch to
     * keep the exchange open. Counting means a chunked body over the limit gets a 413 answer (Undertow's own
     * entity limit would only drop the connection), and a body beyond the listener's budget a 503. Memory follows
     * the bytes received, not the declared length. The body's budget is given back when the exchange ends.
     */
    void receive(HttpServerExchange exchange, Consumer<ReceivedBody> then) {
        ReceivedBody body = new ReceivedBody(budget);
        exchange.addExchangeCompleteListener((ex, next) -> {
            body.release();
            next.proceed();
        });
        exchange.getRequestReceiver().receivePartialBytes((ex, chunk, last) -> {
            if (body.size() + (long) chunk.length > maxBodyBytes) {
                ex.getRequestReceiver().pause();
                tooLarge(ex);
                return;
            }
            if (!body.add(chunk)) {
                ex.getRequestReceiver().pause();
                overloaded(ex);
                return;
            }
            if (last) {
                then.accept(body);
            }
        }, (ex, error) -> {
            if (error instanceof RequestTooBigException) {
                tooLarge(ex);
            } else {
                ex.endExchange();
            }
        });
    }

    private void tooLarge(HttpServerExchange exchange) {
        exchange.setPersistent(false);
        Problem.of(413, "too-large", "Request too large", "The body is larger than server.max_body_bytes ("
                + maxBodyBytes + " bytes).").send(exchange);
    }

    private void overloaded(HttpServerExchange exchange) {
        exchange.setPersistent(false);
        Problem.of(503, "overloaded", "Too many bodies in flight", "The server is receiving "
                + "server.max_body_bytes_in_flight (" + budget.limit() + " bytes) of request bodies already."
                + " Retry later.").send(exchange, Map.of("Retry-After", "1"));
    }
}
