package io.openhqm.plugin.egress.http;

import io.openhqm.api.PluginContext;
import io.openhqm.api.egress.Egress;
import io.openhqm.api.message.Message;
import io.openhqm.api.message.MessageMetadata;
import io.openhqm.api.processing.Attempt;
import io.openhqm.api.processing.Outcome;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards messages to the HTTP endpoints of {@code proxy.endpoints}. A message goes to
 * {@code metadata.endpoint} or {@code proxy.default_endpoint}, with {@code metadata.method} when the endpoint
 * allows it, else the endpoint's method; with {@code metadata.path} (the transparent proxy) to that path under the
 * endpoint's URL, so a message can never reach another host. Each endpoint has its own HTTP client, circuit breaker,
 * rate limit and concurrency limit (see {@link EndpointSender}).
 *
 * <p>Thread-safe: {@link #send} is called concurrently from many (virtual) threads. {@link #close} releases the
 * clients after the last call returned.
 */
final class HttpEgress implements Egress {
    private static final Logger LOG = LoggerFactory.getLogger(HttpEgress.class);
    private static final Pattern DOT_SEGMENT = Pattern.compile("(?i)(^|/)(\\.|%2e){1,2}(/|$)");

    private final HttpEgressConfig config;
    private final Map<String, EndpointSender> senders;

    HttpEgress(HttpEgressConfig config, PluginContext context) {
        this.config = config;
        Map<String, EndpointSender> created = new LinkedHashMap<>();
        try {
            for (EndpointConfig endpoint : config.endpoints().values()) {
                created.put(endpoint.name(), new EndpointSender(endpoint, config, context));
            }
        } catch (RuntimeException e) {
            created.values().forEach(EndpointSender::close);
            throw e;
        }
        this.senders = Collections.unmodifiableMap(created);
        LOG.info("HTTP egress to {} endpoint(s): {}", senders.size(), config.endpoints().values());
    }

    @Override
    public Outcome send(Message message, Attempt attempt) throws Exception {
        MessageMetadata metadata = message.metadata();
        String name = metadata.endpoint() != null && !metadata.endpoint().isBlank() ? metadata.endpoint()
                : config.defaultEndpoint();
        if (name == null) {
            return Outcome.failed("no endpoint: the message names none and proxy.default_endpoint is not set"
                    + " (configured endpoints: " + String.join(", ", senders.keySet()) + ")");
        }
        EndpointSender sender = senders.get(name);
        if (sender == null) {
            return Outcome.failed("endpoint \"" + shown(name) + "\" is not configured (configured endpoints: "
                    + String.join(", ", senders.keySet()) + ")");
        }
        EndpointConfig endpoint = sender.endpoint();
        String method = metadata.method() == null || metadata.method().isBlank() ? endpoint.method()
                : metadata.method().trim().toUpperCase(Locale.ROOT);
        if (!endpoint.allowedMethods().contains(method)) {
            return sender.refuse("method " + shown(method) + " is not allowed (allowed: "
                    + String.join(", ", endpoint.allowedMethods()) + ")");
        }
        URI uri;
        try {
            uri = target(endpoint.url(), metadata.path(), metadata.query());
        } catch (IllegalArgumentException e) {
            return sender.refuse(e.getMessage());
        }
        return sender.send(message, method, uri, attempt);
    }

    /**
     * The URL of a call: with {@code path}, the endpoint URL without its trailing {@code /}, then {@code path}, then
     * {@code ?query}; without, the endpoint URL with {@code query} appended. Throws {@link IllegalArgumentException}
     * with a sentence when the result would not be a valid URL on the endpoint's host.
     */
    static URI target(URI base, String path, String query) {
        String baseText = base.toString();
        String baseQuery = base.getRawQuery();
        String withoutQuery = baseQuery == null ? baseText : baseText.substring(0, baseText.indexOf('?'));
        List<String> queries = new ArrayList<>();
        if (baseQuery != null && !baseQuery.isEmpty()) {
            queries.add(baseQuery);
        }
        if (query != null && !query.isEmpty()) {
            if (query.indexOf('#') >= 0) {
                throw new IllegalArgumentException("the query \"" + shown(query) + "\" contains '#'");
            }
            queries.add(query.startsWith("?") ? query.substring(1) : query);
        }
        String target;
        if (path != null) {
            if (!path.startsWith("/") || path.indexOf('?') >= 0 || path.indexOf('#') >= 0) {
                throw new IllegalArgumentException("the path \"" + shown(path) + "\" must start with '/' and hold"
                        + " neither '?' nor '#'");
            }
            if (DOT_SEGMENT.matcher(path).find()) {
                throw new IllegalArgumentException("the path \"" + shown(path) + "\" contains a '.' or '..' segment");
            }
            String prefix = withoutQuery.endsWith("/") ? withoutQuery.substring(0, withoutQuery.length() - 1)
                    : withoutQuery;
            target = prefix + path;
        } else {
            target = withoutQuery;
        }
        if (!queries.isEmpty()) {
            target += "?" + String.join("&", queries);
        }
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException((path != null ? "the path \"" + shown(path) + "\"" : "the query")
                    + (query != null && !query.isEmpty() && path != null ? " or query" : "")
                    + " is not valid in a URL: " + e.getReason());
        }
        if (!base.getScheme().equalsIgnoreCase(uri.getScheme())
                || !base.getRawAuthority().equalsIgnoreCase(String.valueOf(uri.getRawAuthority()))) {
            throw new IllegalArgumentException("the path \"" + shown(path) + "\" would leave the endpoint's host");
        }
        return uri;
    }

    /** A client-given value in an error: at most 200 characters, control characters replaced. */
    private static String shown(String value) {
        String clean = value.replaceAll("\\p{Cntrl}", "?");
        return clean.length() > 200 ? clean.substring(0, 200) + "…" : clean;
    }

    @Override
    public void close() {
        senders.values().forEach(EndpointSender::close);
    }

    @Override
    public String toString() {
        return "HttpEgress" + senders.keySet();
    }
}
