package io.openhqm.plugin.egress.http;

import static io.openhqm.plugin.egress.http.EgressFixture.endpoint;
import static io.openhqm.plugin.egress.http.EgressFixture.proxy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import io.openhqm.toolkit.testing.MapPluginConfig;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HttpEgressConfigTest {
    private static final String URL = "http://127.0.0.1:9";
    private static final String SECRET = "TOPSECRET-value";

    private static List<String> problems(Object... endpointKeys) {
        return new HttpEgressFactory().validate(proxy(Map.of("billing", endpoint(URL, endpointKeys))));
    }

    private static void assertNoSecret(List<String> problems) {
        problems.forEach(p -> assertFalse(p.contains("TOPSECRET"), p));
    }

    @Test
    void theCoresKeysAndTheDefaultsAreAccepted() {
        MapPluginConfig config = proxy(Map.of("billing", endpoint(URL, "allowed_methods", List.of("POST", "GET"))),
                "strip_headers", List.of("X-Internal"));
        assertEquals(List.of(), new HttpEgressFactory().validate(config));

        HttpEgressConfig parsed = HttpEgressConfig.parse(config);
        EndpointConfig billing = parsed.endpoints().get("billing");
        assertEquals("billing", parsed.defaultEndpoint());
        assertEquals(Set.of("x-internal"), parsed.stripHeaders());
        assertEquals(10L * 1024 * 1024, parsed.maxResponseBytes());
        assertEquals(Duration.ofSeconds(300), billing.timeout());
        assertEquals(Duration.ofSeconds(10), billing.connectTimeout());
        assertEquals(Set.of("GET", "POST"), billing.allowedMethods());
        assertEquals(EndpointAuth.NONE, billing.auth());
        assertTrue(billing.retryOnStatus().containsAll(Set.of(408, 429, 500, 503, 599)));
        assertFalse(billing.retryOnStatus().contains(400));
        assertEquals(0, billing.rateLimit());
        assertEquals(0, billing.maxConcurrency());
        assertEquals(BreakerSettings.DEFAULTS, billing.breaker());
        assertEquals(HttpClient.Version.HTTP_1_1, billing.httpVersion());
        assertTrue(billing.signingSecrets().isEmpty());
    }

    @Test
    void everyOwnKeyIsRead() {
        HttpEgressConfig parsed = HttpEgressConfig.parse(proxy(Map.of("billing", endpoint(URL, "timeout", "5s",
                        "connect_timeout", 2, "headers", Map.of("X-Tenant", "t1"), "auth_type", "Bearer",
                        "auth_token", SECRET, "retry_on_status", List.of("409", "500-502"), "rate_limit", "2.5",
                        "max_concurrency", 8, "circuit_breaker", Map.of("enabled", false, "wait_in_open", "5s"),
                        "http_version", "2", "signing_secrets",
                        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")),
                "max_response_bytes", 2048));
        EndpointConfig billing = parsed.endpoints().get("billing");
        assertEquals(Duration.ofSeconds(5), billing.timeout());
        assertEquals(Duration.ofSeconds(2), billing.connectTimeout());
        assertEquals(Map.of("X-Tenant", "t1"), billing.headers());
        assertEquals("Bearer " + SECRET, billing.auth().headerValue());
        assertEquals(Set.of(409, 500, 501, 502), billing.retryOnStatus());
        assertEquals(2.5, billing.rateLimit());
        assertEquals(8, billing.maxConcurrency());
        assertFalse(billing.breaker().enabled());
        assertEquals(Duration.ofSeconds(5), billing.breaker().waitInOpen());
        assertEquals(HttpClient.Version.HTTP_2, billing.httpVersion());
        assertEquals(1, billing.signingSecrets().size());
        assertEquals(2048, parsed.maxResponseBytes());
        assertFalse(parsed.toString().contains(SECRET), parsed.toString());
        assertFalse(parsed.toString().contains("t1"), parsed.toString());
        assertFalse(parsed.toString().contains("MfKQ9r8"), parsed.toString());
    }

    @Test
    void unknownKeysAreNamedInFullWithASuggestion() {
        Map<String, Object> endpoint = endpoint(URL, "auth_type", "bearer", "auth_token", SECRET, "auth_tokn", SECRET,
                "circuit_breaker", Map.of("wait_open", "5s"));
        List<String> problems = new HttpEgressFactory().validate(proxy(Map.of("billing", endpoint), "max_body", 1));

        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.contains("proxy.max_body: unknown key; proxy takes default_endpoint, enabled, endpoints,"
                + " forward_headers, max_response_bytes, strip_headers, type"), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("proxy.endpoints.billing.auth_tokn: unknown key;"
                + " did you mean auth_token? an endpoint takes allowed_methods, auth_header_name,")),
                problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("proxy.endpoints.billing.circuit_breaker.wait_open:"
                + " unknown key; did you mean wait_in_open?")), problems.toString());
        assertNoSecret(problems);
    }

    @Test
    void authCombinationsAreChecked() {
        assertEquals(List.of("proxy.endpoints.billing.auth_token: is required with auth_type bearer (a token; e.g."
                + " auth_token = ${?BILLING_TOKEN})"), problems("auth_type", "bearer"));
        assertEquals(List.of("proxy.endpoints.billing.auth_password: does not apply to auth_type bearer; remove it"),
                problems("auth_type", "bearer", "auth_token", SECRET, "auth_password", SECRET));
        assertEquals(List.of("proxy.endpoints.billing.auth_token: is empty; auth_type api_key needs the API key (is"
                + " its environment variable set?)"), problems("auth_type", "api_key", "auth_token", ""));
        assertEquals(3, problems("auth_type", "basic", "auth_token", SECRET).size());
        assertEquals(List.of("proxy.endpoints.billing.auth_header_name: is required with auth_type custom: the header"
                + " that carries auth_token"), problems("auth_type", "custom", "auth_token", SECRET));
        assertEquals(List.of("proxy.endpoints.billing.auth_token: is set, but auth_type is none; set auth_type"
                + " (bearer, api_key, basic or custom) or remove the key"), problems("auth_token", SECRET));
        assertEquals(List.of("proxy.endpoints.billing.auth_type: \"oauth\" is not one of none, bearer, api_key, basic,"
                + " custom"), problems("auth_type", "oauth"));
        assertEquals(1, problems("auth_type", "custom", "auth_token", SECRET, "auth_header_name", "Host").size());
        assertEquals(List.of(), problems("auth_type", "basic", "auth_username", "app", "auth_password", SECRET));
        List<String> injected = problems("auth_type", "bearer", "auth_token", SECRET + "\r\nX-Evil: 1");
        assertEquals(1, injected.size());
        assertNoSecret(injected);
        List<String> wrongType = problems("auth_type", "bearer", "auth_token", Map.of("nested", SECRET));
        assertEquals(List.of("proxy.endpoints.billing.auth_token: must be a string (the value is not shown)"),
                wrongType);
    }

    @Test
    void badValuesAreEachNamedAndAllReportedTogether() {
        Map<String, Object> endpoint = endpoint(URL, "timeout", "-1s", "connect_timeout", "soon",
                "headers", Map.of("Content-Length", "5", "X-Token", SECRET + "\n"),
                "retry_on_status", List.of("abc", "200"), "rate_limit", "fast", "max_concurrency", -1,
                "circuit_breaker", Map.of("failure_rate_threshold", 150, "minimum_calls", 0),
                "http_version", "3", "signing_secrets", List.of("whsec_" + SECRET + "!", ""),
                "ca_file", "/nonexistent.pem");
        Map<String, Map<String, Object>> endpoints = new LinkedHashMap<>();
        endpoints.put("billing", endpoint);
        HqmException e = assertThrows(HqmException.class, () -> HttpEgressConfig.parse(proxy(endpoints,
                "max_response_bytes", 0)));

        assertEquals(ErrorKind.CONFIG, e.kind());
        String all = String.join("\n", e.problems());
        for (String key : List.of("proxy.max_response_bytes:", "billing.timeout:", "billing.connect_timeout:",
                "billing.headers.Content-Length:", "billing.headers.X-Token:", "billing.retry_on_status: \"abc\"",
                "billing.retry_on_status: \"200\"", "billing.rate_limit:", "billing.max_concurrency:",
                "billing.circuit_breaker.failure_rate_threshold:", "billing.circuit_breaker.minimum_calls:",
                "billing.http_version:", "billing.signing_secrets[0]:", "billing.signing_secrets[1]:",
                "billing.ca_file:")) {
            assertTrue(all.contains(key), key + " missing in\n" + all);
        }
        assertEquals(15, e.problems().size(), all);
        assertFalse(e.getMessage().contains("TOPSECRET"), e.getMessage());
    }

    @Test
    void anEndpointThatIsNotABlockIsNotQuoted() {
        List<String> problems = new HttpEgressFactory().validate(proxy(Map.of("billing",
                Map.of("url", "http://127.0.0.1:9")), "endpoints", Map.of("billing", "http://app:" + SECRET + "@h")));
        assertEquals(List.of("proxy.endpoints.billing: must be an endpoint block with at least a url (the value is not"
                + " shown)"), problems);
    }

    @Test
    void aUrlWithCredentialsIsNeverShown() {
        HttpEgressConfig parsed = HttpEgressConfig.parse(proxy(Map.of("billing",
                endpoint("https://app:" + SECRET + "@api.example.com/hook"))));
        assertEquals("https://api.example.com/hook", parsed.endpoints().get("billing").url().toString());
        assertEquals(EndpointAuth.Type.BASIC, parsed.endpoints().get("billing").auth().type());
        assertFalse(parsed.toString().contains(SECRET));
        List<String> bad = new HttpEgressFactory().validate(proxy(Map.of("billing",
                endpoint("ftp://app:" + SECRET + "@api.example.com"))));
        assertEquals(1, bad.size());
        assertNoSecret(bad);
    }
}
