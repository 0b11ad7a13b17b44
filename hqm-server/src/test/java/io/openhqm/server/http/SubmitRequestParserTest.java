package io.openhqm.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openhqm.server.ingress.Submission;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SubmitRequestParserTest {
    private final SubmitRequestParser parser = new SubmitRequestParser(List.of("X-Trace"));

    @Test
    void aPayloadIsKeptAsTheBytesTheClientSent() throws Exception {
        assertEquals("{\"b\": 1,  \"a\": [1, 2.50]}", body(parse("{\"payload\": {\"b\": 1,  \"a\": [1, 2.50]}}")));
        assertEquals("[true, null]", body(parse("{\"metadata\": {}, \"payload\": [true, null]}")));
        assertEquals("\"text\"", body(parse("{\"payload\": \"text\"}")));
        assertEquals("42", body(parse("{\"payload\": 42}")));
        assertEquals("application/json", parse("{\"payload\": 1}").contentType());
    }

    @Test
    void aMissingPayloadOrBadJsonIsAProblemNamingIt() {
        assertEquals("payload", problem("{\"metadata\": {}}").field());
        assertEquals(422, problem("{\"metadata\": {}}").status());
        assertEquals(400, problem("{\"payload\": ").status());
        assertEquals(400, problem("[1, 2]").status());
    }

    @Test
    void metadataIsCheckedFieldByField() throws Exception {
        Submission s = parse("{\"payload\": 1, \"metadata\": {\"priority\": 7, \"timeout\": 30, \"endpoint\": \"billing\","
                + " \"method\": \"put\", \"partition_key\": \"customer-9\"}}");
        assertEquals(7, s.priority());
        assertEquals(Duration.ofSeconds(30), s.timeout());
        assertEquals("billing", s.endpoint());
        assertEquals("PUT", s.method());
        assertEquals("customer-9", s.partitionKey());
        assertNull(s.path(), "the JSON API never forwards a path");

        assertEquals("metadata.priority", problem("{\"payload\": 1, \"metadata\": {\"priority\": 10}}").field());
        assertEquals("metadata.priority", problem("{\"payload\": 1, \"metadata\": {\"priority\": 1.5}}").field());
        assertEquals("metadata.method", problem("{\"payload\": 1, \"metadata\": {\"method\": \"PO ST\"}}").field());
        assertEquals("metadata.endpoint", problem("{\"payload\": 1, \"metadata\": {\"endpoint\": 3}}").field());
        assertEquals("metadata.partition_key", problem("{\"payload\": 1, \"metadata\": {\"partition_key\": \""
                + "k".repeat(257) + "\"}}").field());
        assertEquals("metadata", problem("{\"payload\": 1, \"metadata\": [1]}").field());
    }

    @Test
    void otherMetadataFieldsAreAttributesWithinTheirLimits() throws Exception {
        Submission s = parse("{\"payload\": 1, \"metadata\": {\"type\": \"user.register\", \"ts\": 1700000000,"
                + " \"tags\": {\"a\": [1]}}}");
        assertEquals(Map.of("type", "\"user.register\"", "ts", "1700000000", "tags", "{\"a\":[1]}"), s.attributes());

        StringBuilder many = new StringBuilder("{\"payload\": 1, \"metadata\": {");
        for (int i = 0; i <= SubmitRequestParser.MAX_ATTRIBUTES; i++) {
            many.append(i == 0 ? "" : ", ").append("\"f").append(i).append("\": ").append(i);
        }
        assertEquals("metadata.f32", problem(many.append("}}").toString()).field());
        assertEquals("metadata.big", problem("{\"payload\": 1, \"metadata\": {\"big\": \""
                + "x".repeat(SubmitRequestParser.MAX_ATTRIBUTE_BYTES) + "\"}}").field());
    }

    @Test
    void headersComeFromTheBodyAndTheForwardedListNeverHopByHopNorTheApiKey() throws Exception {
        HttpServerExchange exchange = exchange(Map.of("X-Trace", "t-1", "X-Other", "no", "X-API-Key", "secret",
                "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        Submission s = parser.parse(exchange, bytes("{\"payload\": 1, \"headers\": {\"X-Tenant\": \"acme\","
                + " \"Connection\": \"close\"}}"), new ApiKeys.Caller("owner-1", "x-api-key"));
        assertEquals(Map.of("x-trace", "t-1", "x-tenant", "acme",
                "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), s.headers());
        assertEquals("owner-1", s.owner());
        assertEquals("headers.X-Tenant", problem("{\"payload\": 1, \"headers\": {\"X-Tenant\": 1}}").field());
    }

    @Test
    void allHeadersOrTheListedOnesInAnyCaseAreForwardedButNeverHopByHopNorTheApiKey() throws Exception {
        Map<String, String> sent = Map.of("X-Trace", "t-1", "x-other", "o", "Authorization", "Bearer k",
                "Keep-Alive", "5", "TraceState", "s=1");
        Submission all = new SubmitRequestParser(List.of("*")).parse(exchange(sent), bytes("{\"payload\": 1}"),
                new ApiKeys.Caller("owner-1", "authorization"));
        assertEquals(Map.of("x-trace", "t-1", "x-other", "o", "tracestate", "s=1"), all.headers());
        Submission listed = new SubmitRequestParser(List.of("x-TRACE", "Authorization", "Connection"))
                .parse(exchange(sent), bytes("{\"payload\": 1}"), new ApiKeys.Caller("owner-1", "authorization"));
        assertEquals(Map.of("x-trace", "t-1", "tracestate", "s=1"), listed.headers());
        Submission anonymous = new SubmitRequestParser(List.of("authorization"))
                .parse(exchange(sent), bytes("{\"payload\": 1}"), ApiKeys.Caller.ANONYMOUS);
        assertEquals(Map.of("authorization", "Bearer k", "tracestate", "s=1"), anonymous.headers());
    }

    @Test
    void theIdempotencyFingerprintAndTheRequestedIdComeFromTheHeaders() throws Exception {
        assertNull(parse("{\"payload\": 1}").fingerprint());
        Submission keyed = parser.parse(exchange(Map.of("Idempotency-Key", "k-1", "X-Correlation-ID", "order-7")),
                bytes("{\"payload\": 1}"), ApiKeys.Caller.ANONYMOUS);
        assertNotNull(keyed.fingerprint());
        assertEquals("k-1", keyed.idempotencyKey());
        assertEquals("order-7", keyed.requestedId());
        InvalidRequest bad = assertThrows(InvalidRequest.class, () -> parser.parse(
                exchange(Map.of("X-Correlation-ID", "bad id!")), bytes("{\"payload\": 1}"), ApiKeys.Caller.ANONYMOUS));
        assertEquals("X-Correlation-ID", bad.problem.field());
    }

    private Submission parse(String json) throws InvalidRequest {
        return parser.parse(exchange(Map.of()), bytes(json), ApiKeys.Caller.ANONYMOUS);
    }

    private Problem problem(String json) {
        return assertThrows(InvalidRequest.class, () -> parse(json)).problem;
    }

    private static HttpServerExchange exchange(Map<String, String> headers) {
        HttpServerExchange exchange = new HttpServerExchange(null);
        headers.forEach((name, value) -> exchange.getRequestHeaders().add(new HttpString(name), value));
        return exchange;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String body(Submission s) {
        return new String(s.body(), StandardCharsets.UTF_8);
    }
}
