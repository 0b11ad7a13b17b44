package io.openhqm.server.ingress;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What routing needs to know of the configured egress endpoints: their names and the HTTP methods each allows,
 * and the default endpoint. A submission may name only an endpoint listed here, so a client can never make a
 * worker call a URL that is not configured.
 *
 * @param methods         endpoint name → allowed methods (upper case), sorted by name
 * @param defaultEndpoint the endpoint used when a submission names none, or {@code null}
 */
public record EndpointCatalog(Map<String, Set<String>> methods, String defaultEndpoint) {
    public EndpointCatalog {
        methods = Map.copyOf(methods);
    }

    /** No endpoints. */
    public static EndpointCatalog none() {
        return new EndpointCatalog(Map.of(), null);
    }

    String names() {
        return methods.isEmpty() ? "none" : String.join(", ", new TreeMap<>(methods).keySet());
    }
}
