package io.openhqm.server.http;

import io.openhqm.api.result.RequestRecord;
import io.openhqm.server.ingress.Accepted;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Methods;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The transparent proxy ingress ({@code server.mode = "proxy"}): any request outside the reserved paths is queued
 * as it is and answered with the backend's response when its result is there within the wait
 * ({@code server.proxy_wait}, or RFC 7240 {@code Prefer: wait=N} up to {@code server.max_wait};
 * {@code Prefer: respond-async} waits not at all), else 202 with where to poll. The same API keys, body limits
 * and queue bound apply as to {@code POST /api/v1/submit}; like it, nothing here blocks an IO thread.
 */
final class TransparentProxy {
    private final ProxiedRequestParser parser;
    private final ApiKeys apiKeys;
    private final SubmitAndWait flow;
    private final Duration proxyWait;
    private final Duration maxWait;

    TransparentProxy(ProxiedRequestParser parser, ApiKeys apiKeys, SubmitAndWait flow, Duration proxyWait,
                     Duration maxWait) {
        this.parser = parser;
        this.apiKeys = apiKeys;
        this.flow = flow;
        this.proxyWait = proxyWait;
        this.maxWait = maxWait;
    }

    HttpHandler handler() {
        return exchange -> {
            if (exchange.getRequestMethod().equals(Methods.CONNECT)) {
                Problem.of(501, "not-implemented", "Not Implemented", "This proxy does not tunnel (CONNECT).")
                        .send(exchange);
                return;
            }
            ApiKeys.Caller caller = apiKeys.authenticate(exchange);
            if (caller == null) {
                return;
            }
            Preferences preferences = Preferences.of(exchange);
            Duration asked = preferences.wait(maxWait);
            Duration wait = asked != null ? asked : preferences.respondAsync() ? Duration.ZERO : proxyWait;
            flow.run(exchange, (ex, body) -> parser.parse(ex, body, caller), caller.owner(), wait,
                    (ex, accepted, latest) -> answer(ex, accepted, latest, preferences, asked));
        };
    }

    /** Answers with {@code latest}; {@code Preference-Applied} names the preferences this answer honours. */
    private static void answer(HttpServerExchange exchange, Accepted accepted, RequestRecord latest,
                               Preferences preferences, Duration askedWait) {
        List<String> applied = new ArrayList<>(2);
        if (preferences.respondAsync() && !latest.status().isTerminal()) {
            applied.add("respond-async");
        }
        if (askedWait != null) {
            applied.add("wait=" + askedWait.toSeconds());
        }
        ProxiedResponses.send(exchange, latest, accepted.replayed(), applied.isEmpty() ? null
                : String.join(", ", applied));
    }
}
