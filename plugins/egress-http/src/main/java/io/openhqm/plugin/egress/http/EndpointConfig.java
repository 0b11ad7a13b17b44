package io.openhqm.plugin.egress.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One endpoint, {@code proxy.endpoints.<name>}, parsed and checked. {@link #toString()} shows no secret: neither
 * the credentials, nor the URL's query (it may hold an API key), nor static header values, nor signing secrets.
 *
 * @param name             the endpoint's name (the metrics' {@code endpoint} tag)
 * @param url              the URL, without user information
 * @param method           the method used when a message names none
 * @param allowedMethods   the methods a message may ask for (contains {@code method})
 * @param timeout          bound of one call, from sending to the last byte of the response
 * @param connectTimeout   bound of opening a connection
 * @param headers          static headers sent on every call (names as configured)
 * @param auth             the credentials header
 * @param retryOnStatus    the statuses that are retried
 * @param rateLimit        requests per second across the process, or 0 for no limit
 * @param maxConcurrency   calls in flight at once across the process, or 0 for no limit
 * @param breaker          the circuit breaker
 * @param httpVersion      HTTP/1.1 or HTTP/2
 * @param caFile           a PEM file of extra trusted CAs as configured, or {@code null}
 * @param signingSecrets   the decoded Standard Webhooks secrets; empty = no signing
 */
record EndpointConfig(String name, URI url, String method, Set<String> allowedMethods, Duration timeout,
                      Duration connectTimeout, Map<String, String> headers, EndpointAuth auth,
                      Set<Integer> retryOnStatus, double rateLimit, int maxConcurrency, BreakerSettings breaker,
                      HttpClient.Version httpVersion, String caFile, List<byte[]> signingSecrets) {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);
    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    @Override
    public String toString() {
        String shownUrl = url.getRawQuery() == null ? url.toString()
                : url.toString().substring(0, url.toString().indexOf('?')) + "?****";
        return "Endpoint[" + name + ", " + method + " " + shownUrl + ", allowed " + allowedMethods + ", timeout "
                + EndpointSender.human(timeout) + ", auth " + auth + ", static headers " + headers.keySet()
                + (rateLimit > 0 ? ", rate_limit " + rateLimit + "/s" : "")
                + (maxConcurrency > 0 ? ", max_concurrency " + maxConcurrency : "")
                + ", breaker " + (breaker.enabled() ? "on" : "off")
                + (httpVersion == HttpClient.Version.HTTP_2 ? ", HTTP/2" : "")
                + (caFile != null ? ", ca_file " + caFile : "")
                + (signingSecrets.isEmpty() ? "" : ", signed with " + signingSecrets.size() + " secret(s)") + "]";
    }
}
