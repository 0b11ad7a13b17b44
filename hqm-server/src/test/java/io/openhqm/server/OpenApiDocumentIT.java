package io.openhqm.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.OpenApi31;
import com.networknt.schema.keyword.NonValidationKeyword;
import io.openhqm.server.cli.CommandLine.Command;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document at {@code /api/v1/openapi.json} over real sockets: served without a key, it lists exactly the
 * routes the server registers (so it cannot drift from the code), and what the server really answers fits its
 * schemas.
 */
@Timeout(120)
class OpenApiDocumentIT {
    private static final String SUBMIT_KEY = "submit-key";
    private static final String ADMIN_KEY = "admin-key";
    private static final Set<String> OPERATIONS = Set.of("get", "put", "post", "delete", "options", "head", "patch",
            "trace");
    /** OpenAPI 3.1's schema dialect; {@code components}, where the references point, is no keyword. */
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(Dialect.builder(
            OpenApi31.getInstance()).keyword(new NonValidationKeyword("components")).build());

    private static final Pattern TEMPLATE_PARAMETER = Pattern.compile("\\{([^}]+)}");

    @TempDir
    static Path home;
    static Server server;
    static TestHttp http;
    static JsonNode document;

    @BeforeAll
    static void startServer() throws Exception {
        server = ServerIT.start(home, Command.ALL, "server.auth.api_keys=[\"" + SUBMIT_KEY + "\"]",
                "server.auth.admin_keys=[\"" + ADMIN_KEY + "\"]");
        http = new TestHttp(server.address().getPort());
        TestHttp.Reply served = http.send(http.get("/api/v1/openapi.json"));
        assertEquals(200, served.status(), served.body());
        assertEquals("application/json", served.header("Content-Type"));
        document = served.json();
        assertNotNull(document, "the document parses as JSON");
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void isAnOpenApi31DocumentOfThisServersVersionServedWithoutAKeyAndCacheable() throws Exception {
        assertTrue(document.get("openapi").asText().matches("3\\.1\\.\\d+"), document.get("openapi").asText());
        assertEquals("test", document.get("info").get("version").asText());

        TestHttp.Reply again = http.send(http.get("/api/v1/openapi.json"));
        String etag = again.header("ETag");
        assertNotNull(etag);
        assertTrue(again.header("Cache-Control").contains("max-age"), again.header("Cache-Control"));
        assertEquals(304, http.send(http.get("/api/v1/openapi.json").header("If-None-Match", etag)).status());

        TestHttp.Reply posted = http.send(http.post("/api/v1/openapi.json", "{}"));
        ServerIT.assertProblem(posted, 405, null);
        assertEquals("GET", posted.header("Allow"));
        assertTrue(http.send(http.get("/metrics")).body().contains("route=\"/api/v1/openapi.json\""),
                "counted by its route template");
    }

    @Test
    void describesEveryRegisteredRouteWithItsMethodsAndNothingElse() {
        Map<String, Set<String>> registered = new TreeMap<>();
        server.routes().forEach((template, methods) -> registered.put(template,
                new TreeSet<>(methods.stream().map(m -> m.toLowerCase(Locale.ROOT)).toList())));
        Map<String, Set<String>> documented = new TreeMap<>();
        document.get("paths").properties().forEach(path -> documented.put(path.getKey(),
                new TreeSet<>(path.getValue().propertyStream().map(Map.Entry::getKey).filter(OPERATIONS::contains)
                        .toList())));

        assertTrue(registered.containsKey("/api/v1/dead-letters/{id}/redrive"), "admin routes are on: " + registered);
        assertEquals(registered, documented);
    }

    @Test
    void everyPathParameterIsDeclaredAndEveryReferenceResolves() {
        document.get("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            if (!OPERATIONS.contains(operation.getKey())) {
                return;
            }
            Set<String> declared = new TreeSet<>();
            operation.getValue().path("parameters").forEach(p -> {
                JsonNode parameter = resolve(p);
                if (parameter.get("in").asText().equals("path")) {
                    assertTrue(parameter.path("required").asBoolean(), path.getKey() + " " + parameter);
                    declared.add(parameter.get("name").asText());
                }
            });
            Set<String> inTemplate = new TreeSet<>();
            Matcher names = TEMPLATE_PARAMETER.matcher(path.getKey());
            while (names.find()) {
                inTemplate.add(names.group(1));
            }
            assertEquals(inTemplate, declared, operation.getKey() + " " + path.getKey());
            assertTrue(operation.getValue().has("responses") && operation.getValue().has("security"),
                    operation.getKey() + " " + path.getKey());
        }));
        List<String> references = new ArrayList<>();
        collectReferences(document, references);
        assertTrue(references.size() > 20, references.toString());
        for (String reference : references) {
            assertTrue(reference.startsWith("#/"), reference);
            assertTrue(!document.at(reference.substring(1)).isMissingNode(), "unresolved " + reference);
        }
    }

    @Test
    void whatTheServerAnswersFitsTheDocumentsSchemas() throws Exception {
        TestHttp.Reply accepted = http.send(withKey(http.post("/api/v1/submit",
                "{\"payload\": {\"operation\": \"echo\", \"data\": \"hi\"}, \"metadata\": {\"priority\": 3, "
                        + "\"source\": \"web-app\"}}"), SUBMIT_KEY));
        assertFits(accepted, "/api/v1/submit", "post", "application/json");
        assertEquals(202, accepted.status());
        String id = accepted.json().get("correlation_id").asText();

        assertFits(http.send(withKey(http.get("/api/v1/response/" + id + "?wait=10"), SUBMIT_KEY)),
                "/api/v1/response/{id}", "get", "application/json");
        assertFits(http.send(withKey(http.get("/api/v1/status/" + id), SUBMIT_KEY)), "/api/v1/status/{id}", "get",
                "application/json");
        assertFits(http.send(withKey(http.post("/api/v1/submit", "{\"payload\": 1, \"extra\": true}"), SUBMIT_KEY)),
                "/api/v1/submit", "post", "application/problem+json");
        assertFits(http.send(http.post("/api/v1/submit", "{\"payload\": 1}")), "/api/v1/submit", "post",
                "application/problem+json");
        TestHttp.Reply unknown = http.send(withKey(http.get("/api/v1/status/no-such-id"), SUBMIT_KEY));
        assertEquals(404, unknown.status());
        assertFits(unknown, "/api/v1/status/{id}", "get", "application/problem+json");

        assertFits(http.send(withKey(http.get("/api/v1/queues"), ADMIN_KEY)), "/api/v1/queues", "get",
                "application/json");
        assertFits(http.send(withKey(http.get("/api/v1/endpoints"), ADMIN_KEY)), "/api/v1/endpoints", "get",
                "application/json");
        assertFits(http.send(withKey(http.get("/api/v1/dead-letters?limit=5"), ADMIN_KEY)), "/api/v1/dead-letters",
                "get", "application/json");
        assertFits(http.send(withKey(http.get("/api/v1/dead-letters"), SUBMIT_KEY)), "/api/v1/dead-letters", "get",
                "application/problem+json");
        TestHttp.Reply job = http.send(withKey(http.post("/api/v1/dead-letters/redrive",
                "{\"filter\": {\"endpoint\": \"orders\", \"since\": \"2026-01-01T00:00:00Z\"}, \"rate_per_second\": 5}"),
                ADMIN_KEY));
        assertFits(job, "/api/v1/dead-letters/redrive", "post", "application/json");
        assertEquals(202, job.status());
        String jobPath = "/api/v1/redrive-jobs/" + job.json().get("id").asText();
        assertFits(http.send(withKey(http.get(jobPath), ADMIN_KEY)), "/api/v1/redrive-jobs/{job_id}", "get",
                "application/json");
        assertFits(http.send(withKey(http.get(jobPath).DELETE(), ADMIN_KEY)), "/api/v1/redrive-jobs/{job_id}",
                "delete", "application/json");
        assertFits(http.send(withKey(http.get("/api/v1/redrive-jobs/none"), ADMIN_KEY)),
                "/api/v1/redrive-jobs/{job_id}", "get", "application/problem+json");
        assertFits(http.send(withKey(http.get("/api/v1/redrive-jobs"), ADMIN_KEY)), "/api/v1/redrive-jobs", "get",
                "application/json");
        assertFits(http.send(withKey(http.post("/api/v1/dead-letters/redrive", "{\"rate_per_second\": 0}"),
                ADMIN_KEY)), "/api/v1/dead-letters/redrive", "post", "application/problem+json");
        assertFits(http.send(withKey(http.post("/api/v1/dead-letters/purge", "{\"filter\": {\"error\": \"x\"}}"),
                ADMIN_KEY)), "/api/v1/dead-letters/purge", "post", "application/json");
        assertFits(http.send(http.get("/health")), "/health", "get", "application/json");
        assertFits(http.send(http.get("/health/live")), "/health/live", "get", "application/json");
        assertFits(http.send(http.get("/health/ready")), "/health/ready", "get", "application/json");
        TestHttp.Reply metrics = http.send(http.get("/metrics"));
        assertTrue(metrics.header("Content-Type").startsWith("text/plain"), metrics.header("Content-Type"));
        assertTrue(document.at("/paths/~1metrics/get/responses/200/content").has("text/plain"));
    }

    /**
     * The body fits the schema the document gives for this operation, status and media type, and every field of an
     * object body is one the schema names.
     */
    private static void assertFits(TestHttp.Reply reply, String path, String method, String mediaType) {
        String contentType = reply.header("Content-Type");
        assertTrue(contentType != null && contentType.startsWith(mediaType), contentType + " " + reply.body());
        JsonNode responses = document.get("paths").get(path).get(method).get("responses");
        JsonNode response = responses.get(Integer.toString(reply.status()));
        assertNotNull(response, method + " " + path + " does not document " + reply.status());
        JsonNode schema = resolve(response).path("content").path(mediaType).path("schema");
        assertTrue(schema.isObject(), method + " " + path + " " + reply.status() + " has no " + mediaType + " schema");

        ObjectNode rooted = schema.deepCopy();
        rooted.set("components", document.get("components"));
        List<Error> errors = SCHEMAS.getSchema(rooted).validate(reply.json());
        assertTrue(errors.isEmpty(), method + " " + path + " " + reply.status() + ": " + errors + " in " + reply.body());

        Set<String> named = new TreeSet<>();
        collectPropertyNames(resolve(schema), named);
        reply.json().propertyStream().forEach(field -> assertTrue(named.contains(field.getKey()),
                method + " " + path + " " + reply.status() + ": undocumented field " + field.getKey()));
    }

    private static void collectPropertyNames(JsonNode schema, Set<String> names) {
        schema.path("properties").propertyStream().forEach(p -> names.add(p.getKey()));
        schema.path("allOf").forEach(part -> collectPropertyNames(resolve(part), names));
    }

    private static JsonNode resolve(JsonNode node) {
        JsonNode resolved = node;
        while (resolved.has("$ref")) {
            resolved = document.at(resolved.get("$ref").asText().substring(1));
        }
        return resolved;
    }

    private static void collectReferences(JsonNode node, List<String> references) {
        if (node.isObject()) {
            node.properties().forEach(field -> {
                if (field.getKey().equals("$ref") && field.getValue().isTextual()) {
                    references.add(field.getValue().asText());
                } else {
                    collectReferences(field.getValue(), references);
                }
            });
        } else if (node.isArray()) {
            node.forEach(element -> collectReferences(element, references));
        }
    }

    private static HttpRequest.Builder withKey(HttpRequest.Builder request, String key) {
        return request.header("X-API-Key", key);
    }
}
