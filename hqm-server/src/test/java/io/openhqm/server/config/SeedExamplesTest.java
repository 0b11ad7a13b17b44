package io.openhqm.server.config;

import static io.openhqm.server.config.ConfigLoaderTest.endpointBlock;
import static io.openhqm.server.config.TestFiles.assertContains;
import static io.openhqm.server.config.TestFiles.copyResource;
import static io.openhqm.server.config.TestFiles.load;
import static io.openhqm.server.config.TestFiles.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.PluginConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The YAML examples of the seed document (docs/COMPOSABLE_PATTERNS.md), copied verbatim into
 * src/test/resources/config/seed, load as written.
 */
class SeedExamplesTest {
    /** Every variable the examples reference. */
    private static final Map<String, String> ENV = Map.of(
            "API_TOKEN", "tok-api", "API_KEY", "key-api", "BACKEND_TOKEN", "tok-backend", "TOKEN", "tok-plain");

    @TempDir
    Path home;

    private ServerConfig seed(String name) {
        Path file = copyResource(home, "config/seed/" + name + ".yaml");
        return load(ConfigSources.of(home).withConfigFile(file).withEnvironment(ENV));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "01-pattern1-http-to-queue", "02-pattern2-queue-to-http", "03-pattern3-full-proxy",
            "04-scenario1-custom-processing", "05-scenario2-kafka-to-rest", "06-example-http-to-queue-redis",
            "07-example-kafka-consumer", "08-example-full-proxy", "09-migration-proxy-mode",
            "10-migration-kafka-consumer"})
    void everySeedExampleLoads(String name) {
        ServerConfig c = seed(name);
        assertEquals(c.proxy().enabled(), !c.proxy().endpoints().isEmpty(),
                "in the seed, proxy mode goes with endpoints");
    }

    @Test
    void pattern1HttpToQueue() {
        ServerConfig c = seed("01-pattern1-http-to-queue");
        assertFalse(c.proxy().enabled());
        assertEquals(5, c.worker().count());
        assertEquals("embedded", c.queue().type());
    }

    @Test
    void pattern2BearerTokenIsExpandedFromTheEnvironmentMap() {
        ServerConfig c = seed("02-pattern2-queue-to-http");
        assertTrue(c.proxy().enabled());
        assertEquals("my-backend", c.proxy().defaultEndpoint(), "the only endpoint is the default");
        ServerConfig.Endpoint e = c.proxy().endpoints().get("my-backend");
        assertEquals("https://api.example.com/process", e.url());
        assertEquals("POST", e.method());
        PluginConfig block = endpointBlock(c, "my-backend");
        assertEquals(Optional.of("bearer"), block.string("auth_type"));
        assertEquals(Optional.of("tok-api"), block.string("auth_token"));
    }

    @Test
    void pattern3FullProxy() {
        ServerConfig c = seed("03-pattern3-full-proxy");
        assertEquals("my-backend", c.proxy().defaultEndpoint());
        ServerConfig.Endpoint e = c.proxy().endpoints().get("my-backend");
        assertEquals("https://api.example.com/process", e.url());
        assertEquals(Optional.of(Duration.ofSeconds(300)), endpointBlock(c, "my-backend").duration("timeout"));
        assertEquals(10, c.worker().count());
    }

    @Test
    void scenario2KafkaToRestWithApiKey() {
        ServerConfig c = seed("05-scenario2-kafka-to-rest");
        assertEquals("kafka", c.queue().type());
        PluginConfig kafka = c.queue().typeConfig();
        assertEquals("queue.kafka", kafka.path());
        assertEquals(Optional.of(List.of("kafka:9092")), kafka.stringList("bootstrap_servers"));
        assertEquals(Optional.of("openhqm-workers"), kafka.string("consumer_group"));
        assertEquals("kafka", c.results().type(), "results default to the queue type");
        assertEquals("embedded", c.results().installedOr(type -> false).type(),
                "or, where no plugin of that type stores results, to the embedded store");
        assertEquals("kafka", c.results().installedOr(type -> true).type());
        PluginConfig api = endpointBlock(c, "external-api");
        assertEquals(Optional.of("api_key"), api.string("auth_type"));
        assertEquals(Optional.of("X-API-Key"), api.string("auth_header_name"));
        assertEquals(Optional.of("key-api"), api.string("auth_token"));
    }

    @Test
    void exampleHttpToQueueOnRedis() {
        ServerConfig c = seed("06-example-http-to-queue-redis");
        assertEquals("0.0.0.0", c.server().host());
        assertEquals(8000, c.server().port());
        assertEquals("redis", c.queue().type());
        assertEquals(Optional.of("redis://redis:6379"), c.queue().typeConfig().string("url"));
        assertEquals(Duration.ofSeconds(300), c.worker().timeout());
        assertEquals(5, c.worker().count());
    }

    @Test
    void exampleKafkaConsumer() {
        ServerConfig c = seed("07-example-kafka-consumer");
        assertEquals(Optional.of(List.of("events")), c.queue().typeConfig().stringList("topics"));
        assertEquals("https://api.example.com/webhook", c.proxy().endpoints().get("external-api").url());
        assertEquals(Optional.of("tok-api"), endpointBlock(c, "external-api").string("auth_token"));
    }

    @Test
    void exampleFullProxyWithForwardHeaders() {
        ServerConfig c = seed("08-example-full-proxy");
        assertEquals("backend-api", c.proxy().defaultEndpoint());
        assertEquals("http://backend-service:8080/api/process", c.proxy().endpoints().get("backend-api").url());
        assertEquals(Optional.of("tok-backend"), endpointBlock(c, "backend-api").string("auth_token"));
        assertEquals(List.of("Content-Type", "Authorization", "X-Request-ID"), c.proxy().forwardHeaders());
    }

    @Test
    void migrationExamples() {
        assertEquals(Optional.of("tok-plain"), endpointBlock(seed("09-migration-proxy-mode"), "my-backend")
                .string("auth_token"));
        ServerConfig kafka = seed("10-migration-kafka-consumer");
        assertEquals(Optional.of(List.of("my-topic")), kafka.queue().typeConfig().stringList("topics"));
        assertEquals(Optional.empty(), endpointBlock(kafka, "backend").string("auth_type"), "no auth");
    }

    @Test
    void anUnsetVariableNamesFileKeyAndVariable() {
        Path file = copyResource(home, "config/seed/08-example-full-proxy.yaml");
        String p = problem(ConfigSources.of(home).withConfigFile(file));
        assertEquals("proxy.endpoints.backend-api.auth_token: environment variable BACKEND_TOKEN is not set (in "
                + file + " line 25); set it, or write ${BACKEND_TOKEN:-default} to give a default", p);
    }

    @Test
    void yamlPlaceholdersSupportDefaultsAndEscapes() {
        Path file = TestFiles.write(home, "p.yaml", """
                server:
                  host: "${HOST:-127.0.0.1}"
                queue:
                  redis:
                    url: "redis://${REDIS_HOST}:${REDIS_PORT:-6379}/0"
                    literal: "$${NOT_A_VAR}"
                """);
        ServerConfig c = load(ConfigSources.of(home).withConfigFile(file).withEnvironment(Map.of(
                "REDIS_HOST", "cache", "OPENHQM_QUEUE__TYPE", "redis")));
        assertEquals("127.0.0.1", c.server().host());
        assertEquals(Optional.of("redis://cache:6379/0"), c.queue().typeConfig().string("url"));
        assertEquals(Optional.of("${NOT_A_VAR}"), c.queue().typeConfig().string("literal"));
    }

    @Test
    void unsupportedPlaceholderSyntaxIsReported() {
        Path file = TestFiles.write(home, "p.yaml", "server:\n  host: \"${?HOST}\"\n");
        assertContains(problem(ConfigSources.of(home).withConfigFile(file)),
                "server.host: unsupported placeholder ${?HOST}", "p.yaml line 2");
    }
}
