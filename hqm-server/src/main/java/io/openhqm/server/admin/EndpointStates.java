package io.openhqm.server.admin;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configured egress endpoints (names and URLs from {@code proxy.endpoints}) with the state of each one's circuit
 * breaker, read from the gauge {@code openhqm_circuit_breaker_state{endpoint}} that an egress plugin registers in
 * the server's meter registry (0 closed, 1 open, 2 half-open); {@code null} when there is none (no egress in this
 * process, or the endpoint's breaker is off). URLs come from the configuration and may carry secrets: they are shown
 * without user info and query. Thread-safe.
 */
public final class EndpointStates {
    static final String BREAKER_GAUGE = "openhqm.circuit.breaker.state";

    /** One endpoint; {@code circuitBreaker} is {@code closed}, {@code open}, {@code half_open} or {@code null}. */
    public record EndpointState(String name, String url, String circuitBreaker) {
    }

    private final Map<String, String> urls;
    private final MeterRegistry meters;

    /** {@code urls}: endpoint name → configured URL. */
    public EndpointStates(Map<String, String> urls, MeterRegistry meters) {
        this.urls = new TreeMap<>(requireNonNull(urls, "urls is null"));
        this.meters = requireNonNull(meters, "meters is null");
    }

    /** The endpoints, sorted by name. */
    public List<EndpointState> list() {
        return urls.entrySet().stream()
                .map(e -> new EndpointState(e.getKey(), shown(e.getValue()), breaker(e.getKey())))
                .toList();
    }

    private String breaker(String endpoint) {
        Gauge gauge = meters.find(BREAKER_GAUGE).tag("endpoint", endpoint).gauge();
        if (gauge == null) {
            return null;
        }
        return switch ((int) gauge.value()) {
            case 0 -> "closed";
            case 1 -> "open";
            case 2 -> "half_open";
            default -> null;
        };
    }

    /** The URL without user info, query and fragment; a URL that does not parse only as scheme and host, if any. */
    static String shown(String url) {
        try {
            URI uri = new URI(url);
            if (uri.getHost() == null) {
                return uri.getScheme() == null ? "(not shown)" : uri.getScheme() + ":…";
            }
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null).toString();
        } catch (URISyntaxException e) {
            return "(not shown)";
        }
    }
}
