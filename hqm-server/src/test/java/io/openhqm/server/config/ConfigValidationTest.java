package io.openhqm.server.config;

import static io.openhqm.server.config.TestFiles.assertContains;
import static io.openhqm.server.config.TestFiles.assertNotContains;
import static io.openhqm.server.config.TestFiles.assertStartsWith;
import static io.openhqm.server.config.TestFiles.load;
import static io.openhqm.server.config.TestFiles.problem;
import static io.openhqm.server.config.TestFiles.problems;
import static io.openhqm.server.config.TestFiles.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigValidationTest {
    @TempDir
    Path home;

    private ConfigSources conf(String hocon) {
        return ConfigSources.of(home).withConfigFile(write(home, "test.conf", hocon));
    }

    private String file() {
        return home.resolve("test.conf").toString();
    }

    // ------------------------------------------------------------ unknown keys

    @Test
    void aTypoIsNamedWithASuggestionAndItsFileAndLine() {
        String p = problem(conf("worker {\n  cuont = 4\n}\n"));
        assertEquals("worker.cuont: unknown key (did you mean worker.count?) (in " + file() + " line 2)", p);
    }

    @Test
    void severalBadKeysAreReportedInOneException() {
        List<String> all = problems(conf("""
                servr.port = 1
                worker.cuont = 4
                server.max_retries = 3
                worker.max.retries = 2
                monitoring.zzz = 1
                """));
        assertEquals(5, all.size(), all::toString);
        assertStartsWith(all.get(0), "monitoring.zzz: unknown key (in ");
        assertContains(all.get(0), "remove it, or see docs/configuration.md");
        assertStartsWith(all.get(1), "server.max_retries: unknown key (did you mean worker.max_retries?)");
        assertStartsWith(all.get(2), "servr: unknown key (did you mean server?)");
        assertStartsWith(all.get(3), "worker.cuont: unknown key (did you mean worker.count?)");
        assertStartsWith(all.get(4), "worker.max: unknown key (did you mean worker.max_retries?)");
    }

    @Test
    void theExceptionMessageJoinsAllProblems() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.openhqm.api.HqmException.class,
                () -> load(conf("worker.cuont = 1\nserver.prot = 2\n")));
        assertContains(e.getMessage(), "worker.cuont", "server.prot", "did you mean server.port?");
    }

    @Test
    void deadLetterRetentionHasBoundedDefaultsAndEachBadValueIsOneLineNamingItsKey() {
        ServerConfig defaults = load(conf(""));
        assertEquals(new ServerConfig.DlqRetention(Duration.ofDays(14), 100_000, Duration.ofMinutes(1)),
                defaults.queue().dlqRetention());
        assertTrue(defaults.queue().dlqRetention().limited());
        ServerConfig unlimited = load(conf("queue.dlq_retention { max_age = 0, max_count = 0 }\n"));
        assertEquals(false, unlimited.queue().dlqRetention().limited());

        List<String> all = problems(conf(
                "queue.dlq_retention { max_age = -1d, max_count = -5, interval = 0, max_size = 3 }\n"));
        assertEquals(4, all.size(), all::toString);
        assertStartsWith(all.get(0), "queue.dlq_retention.interval: must be greater than zero");
        assertStartsWith(all.get(1), "queue.dlq_retention.max_age: must be zero or more");
        assertStartsWith(all.get(2), "queue.dlq_retention.max_count: must be at least 0, got -5");
        assertStartsWith(all.get(3), "queue.dlq_retention.max_size: unknown key");
        assertStartsWith(problem(conf("queue.dlq_retention.max_age = soon\n")), "queue.dlq_retention.max_age: ");
    }

    @Test
    void pluginBlocksAreNotCheckedButMustBeBlocks() {
        ServerConfig ok = load(conf("""
                queue.redis { url = "redis://r:6379", anything_the_plugin_wants = [1, 2] }
                queue.my-plugin { x = 1 }
                processors.sample { greeting = hello }
                """));
        assertEquals(Set.of("sample"), ok.processors().keySet());
        assertEquals("processors.sample", ok.processors().get("sample").path());
        assertEquals(Optional.of("hello"), ok.processors().get("sample").string("greeting"));

        List<String> all = problems(conf("""
                queue.redis = "redis://r:6379"
                queue.max_dpeth = 3
                processors.sample = 5
                """));
        assertEquals(3, all.size(), all::toString);
        assertStartsWith(all.get(0), "processors.sample: expected a block of settings (an object) for processor "
                + "plugin \"sample\", got 5");
        assertStartsWith(all.get(1), "queue.max_dpeth: unknown key (did you mean queue.max_depth?)");
        assertStartsWith(all.get(2), "queue.redis: unknown key (in ");
        assertContains(all.get(2), "a queue plugin's settings go in a block such as queue.redis { url = ");
    }

    @Test
    void aScalarWhereABlockBelongsIsReported() {
        String p = problem(conf("server = 8000\n"));
        assertEquals("server: expected a block of settings (an object), got 8000 (in " + file() + " line 1)", p);
    }

    // ------------------------------------------------------------ types and values

    @Test
    void wrongTypesNameTheKeyTheValueAndTheFile() {
        List<String> all = problems(conf("""
                server.port = "abc"
                proxy.enabled = maybe
                worker.retry_delay_base = soon
                server.max_body_bytes = lots
                proxy.forward_headers = { a = 1 }
                """));
        assertEquals(List.of(
                "proxy.enabled: expected a boolean (true or false), got \"maybe\" (in " + file() + " line 2)",
                "proxy.forward_headers: expected a list of strings (or a comma-separated string), got an object (in "
                        + file() + " line 5)",
                "server.max_body_bytes: expected " + Values.SIZE + ", got \"lots\" (in " + file() + " line 4)",
                "server.port: expected a whole number, got \"abc\" (in " + file() + " line 1)",
                "worker.retry_delay_base: expected " + Values.DURATION + ", got \"soon\" (in " + file() + " line 3)"),
                all);
    }

    @Test
    void badValuesAreReported() {
        List<String> all = problems(conf("""
                server.port = 70000
                management.port = -1
                worker.count = 0
                worker.max_retries = -1
                worker.shutdown_grace = -5s
                worker.timeout_seconds = 0
                worker.retry_delay_base = 10s
                worker.retry_delay_max = 5s
                monitoring.log_format = xml
                monitoring.log_level = verbose
                queue.dlq_name = openhqm-requests
                queue.type = "no such"
                server.host = ""
                server.port = null
                """));
        assertEquals(List.of(
                "management.port: must be between 0 and 65535, got -1 (in " + file() + " line 2)",
                "monitoring.log_format: must be one of json, text, got \"xml\" (in " + file() + " line 9)",
                "monitoring.log_level: must be one of TRACE, DEBUG, INFO, WARN, ERROR, got \"verbose\" (in " + file()
                        + " line 10)",
                "queue.dlq_name: must differ from queue.request_queue_name (both are \"openhqm-requests\")",
                "queue.type: \"no such\" is not a plugin type name (letters, digits, '-' and '_') (in " + file()
                        + " line 12)",
                "server.host: must not be empty (in " + file() + " line 13)",
                "server.port: must have a value, got null (in " + file() + " line 14); remove the line to use the "
                        + "default 8000",
                "worker.count: must be between 1 and 100000, got 0 (in " + file() + " line 3)",
                "worker.max_retries: must be between 0 and 1000, got -1 (in " + file() + " line 4)",
                "worker.retry_delay_max: must not be shorter than worker.retry_delay_base (5s < 10s) (in " + file()
                        + " line 8)",
                "worker.shutdown_grace: must be zero or more, got -5s (in " + file() + " line 5)",
                "worker.timeout_seconds: must be greater than zero, got 0s (in " + file() + " line 6)"),
                all);
    }

    @Test
    void aTypeMayNotNameACoreQueueKey() {
        List<String> all = problems(conf("queue.type = max_depth\nresults.type = dlq_name\n"));
        assertEquals(2, all.size(), all::toString);
        assertStartsWith(all.get(0), "queue.type: \"max_depth\" is a core key of queue, not a plugin type");
        assertStartsWith(all.get(1), "results.type: \"dlq_name\" is a core key of queue, not a plugin type");
    }

    @Test
    void durationsAndSizesAcceptNumbersAndUnits() {
        ServerConfig c = load(conf("""
                worker { timeout_seconds = 90, retry_delay_base = "500ms", retry_delay_max = 2m, shutdown_grace = 0.25 }
                server { max_body_bytes = 64KiB, max_wait = "30" }
                results.ttl_seconds = 1h
                """));
        assertEquals(Duration.ofSeconds(90), c.worker().timeout());
        assertEquals(Duration.ofMillis(500), c.worker().retryDelayBase());
        assertEquals(Duration.ofMinutes(2), c.worker().retryDelayMax());
        assertEquals(Duration.ofMillis(250), c.worker().shutdownGrace());
        assertEquals(65_536L, c.server().maxBodyBytes());
        assertEquals(Duration.ofSeconds(30), c.server().maxWait());
        assertEquals(Duration.ofHours(1), c.results().ttl());
    }

    @Test
    void connectionTimeoutsAndTheBodyBudgetAreChecked() {
        ServerConfig c = load(conf("""
                server { idle_timeout = 90s, request_parse_timeout = "2s", no_request_timeout = 30
                         max_body_bytes = 1MiB, max_body_bytes_in_flight = 64MiB }
                """));
        assertEquals(Duration.ofSeconds(90), c.server().idleTimeout());
        assertEquals(Duration.ofSeconds(2), c.server().requestParseTimeout());
        assertEquals(Duration.ofSeconds(30), c.server().noRequestTimeout());
        assertEquals(64L << 20, c.server().maxBodyBytesInFlight());

        List<String> all = problems(conf("""
                server { max_wait = 60s, idle_timeout = 60s, request_parse_timeout = 0, no_request_timeout = -1
                         max_body_bytes = 2MiB, max_body_bytes_in_flight = 1MiB }
                """));
        assertEquals(4, all.size(), all::toString);
        assertStartsWith(all.get(0), "server.idle_timeout: must be longer than server.max_wait (60s <= 60s)");
        assertStartsWith(all.get(1), "server.max_body_bytes_in_flight: must be at least server.max_body_bytes");
        assertStartsWith(all.get(2), "server.no_request_timeout: must be greater than zero");
        assertStartsWith(all.get(3), "server.request_parse_timeout: must be greater than zero");
    }

    @Test
    void theProcessingStatusDelayIsADurationOfZeroOrMore() {
        assertEquals(Duration.ZERO, load(conf("worker.processing_status_delay = 0\n")).worker()
                .processingStatusDelay());
        assertEquals(Duration.ofMillis(200), load(conf("worker.processing_status_delay = 200ms\n")).worker()
                .processingStatusDelay());
        assertEquals(List.of("worker.processing_status_delay: must be zero or more, got -1s (in " + file()
                + " line 1)"), problems(conf("worker.processing_status_delay = -1s\n")));
    }

    @Test
    void serverModeAndProxyWait() {
        ServerConfig c = load(conf("server { mode = PROXY, proxy_wait = 5s }\n"));
        assertEquals(ServerConfig.Mode.PROXY, c.server().mode());
        assertEquals(Duration.ofSeconds(5), c.server().proxyWait());
        assertEquals(ServerConfig.Mode.API, load(conf("server.proxy_wait = 0\n")).server().mode());

        assertEquals(List.of("server.mode: must be one of api, proxy, got \"sidecar\" (in " + file() + " line 1)",
                "server.proxy_wait: must be zero or more, got -1s (in " + file() + " line 2)"),
                problems(conf("server.mode = sidecar\nserver.proxy_wait = -1s\n")));
        assertStartsWith(problem(conf("server { mode = proxy, idle_timeout = 90s, max_wait = 10s, proxy_wait = 2m }")),
                "server.proxy_wait: must be shorter than server.idle_timeout (120s >= 90s)");
    }

    @Test
    void resultsTypeAndPluginsDir() {
        ServerConfig c = load(conf("""
                queue.type = kafka
                results.type = redis
                queue.redis.url = "redis://r"
                plugins.dir = "/opt/plugins/../extra"
                monitoring { log_level = warn, log_format = TEXT }
                """));
        assertEquals("redis", c.results().type());
        assertEquals("queue.redis", c.results().typeConfig().path());
        assertEquals(Optional.of("redis://r"), c.results().typeConfig().string("url"));
        assertEquals("queue.kafka", c.queue().typeConfig().path());
        assertEquals(Path.of("/opt/extra"), c.plugins().directory());
        assertEquals(new ServerConfig.Monitoring("WARN", "text"), c.monitoring());
    }

    @Test
    void aWrongTypeOfASecretDoesNotEchoIt() {
        String p = problem(conf("server.auth.api_keys = { k = \"hunter2\" }\n"));
        assertStartsWith(p, "server.auth.api_keys: expected a list of strings");
        assertNotContains(p, "hunter2");
    }

    // ------------------------------------------------------------ endpoints

    @Test
    void endpointDefaultsAndNormalization() {
        ServerConfig c = load(conf("""
                proxy {
                  enabled = true
                  max_response_bytes = 1MiB
                  endpoints {
                    a { url = "https://a.example/x", method = put, allowed_methods = [get, "DELETE"], timeout = 2 }
                    b { url = "http://b:8080", auth_type = API_KEY, auth_token = t, headers { X-Tenant = acme } }
                  }
                  default_endpoint = b
                }
                """));
        ServerConfig.Endpoint a = c.proxy().endpoints().get("a");
        assertEquals(new ServerConfig.Endpoint("a", "https://a.example/x", "PUT", Set.of("GET", "DELETE", "PUT")), a);
        ServerConfig.Endpoint b = c.proxy().endpoints().get("b");
        assertEquals("POST", b.method());
        assertEquals(Set.of("POST"), b.allowedMethods());
        assertEquals("b", c.proxy().defaultEndpoint());
        var block = ConfigLoaderTest.endpointBlock(c, "b");
        assertEquals(Optional.of(List.of("POST")), block.stringList("allowed_methods"));
        assertEquals(Optional.of("API_KEY"), block.string("auth_type"), "the egress plugin's keys pass unchanged");
        assertEquals(Optional.of("acme"), block.block("headers").orElseThrow().string("X-Tenant"));
        assertEquals(List.of("proxy.endpoints.a.timeout", "proxy.endpoints.b.auth_token", "proxy.endpoints.b.auth_type",
                "proxy.endpoints.b.headers", "proxy.max_response_bytes"), c.proxy().egressKeys());
    }

    @Test
    void severalEndpointsWithoutADefaultLeaveItUnset() {
        ServerConfig c = load(conf("proxy.endpoints { a.url = \"http://a\", b.url = \"http://b\" }\n"));
        assertEquals(null, c.proxy().defaultEndpoint());
        assertEquals(Set.of("a", "b"), c.proxy().endpoints().keySet());
    }

    @Test
    void endpointRoutingProblemsAreAllReportedAndTheRestIsTheEgresss() {
        List<String> all = problems(conf("""
                proxy.endpoints {
                  a { url = "ftp://a", method = FETCH, timeot = 3 }
                  b { auth_type = bearer }
                  d { url = "http://user:pw@d", allowed_methods = [GET, FETCH] }
                }
                """));
        assertEquals(List.of(
                "proxy.endpoints.a.method: \"FETCH\" is not a supported HTTP method; use one of GET, HEAD, POST, PUT, "
                        + "PATCH, DELETE, OPTIONS (in " + file() + " line 2)",
                "proxy.endpoints.a.url: \"ftp://a\" is not an http:// or https:// URL; write it as "
                        + "http(s)://host[:port]/path (in " + file() + " line 2)",
                "proxy.endpoints.b.url: is required; give the endpoint's http:// or https:// URL (in " + file()
                        + " line 3)",
                "proxy.endpoints.d.allowed_methods: \"FETCH\" is not a supported HTTP method; use one of GET, HEAD, "
                        + "POST, PUT, PATCH, DELETE, OPTIONS (in " + file() + " line 4)",
                "proxy.endpoints.d.url: \"http://user:****@d\" contains credentials; put them in auth_type = basic "
                        + "with auth_username and auth_password (in " + file() + " line 4)"),
                all);
    }

    @Test
    void proxyEnabledWithoutEndpointsFails() {
        String p = problem(conf("proxy.enabled = true\n"));
        assertStartsWith(p, "proxy.enabled: is true but no endpoint is configured; add proxy.endpoints.<name>");
    }

    @Test
    void anUnknownDefaultEndpointListsTheConfiguredNames() {
        String p = problem(conf("""
                proxy { default_endpoint = backnd, endpoints { backend.url = "http://b", other.url = "http://o" } }
                """));
        assertEquals("proxy.default_endpoint: names endpoint \"backnd\", which is not configured (configured "
                + "endpoints: backend, other) (in " + file() + " line 1); use one of those names, define "
                + "proxy.endpoints.backnd, or give a URL", p);
    }

    @Test
    void anUnknownDefaultEndpointWithNoEndpointsSaysSo() {
        String p = problem(conf("proxy.default_endpoint = backend\n"));
        assertEquals("proxy.default_endpoint: names endpoint \"backend\", which is not configured (in " + file()
                + " line 1); define proxy.endpoints.backend, or give a URL", p);
    }

    @Test
    void aUrlDefaultEndpointMayNotClashWithAnEndpointNamedDefault() {
        String p = problem(conf("""
                proxy { default_endpoint = "http://x:1", endpoints { default.url = "http://b" } }
                """));
        assertStartsWith(p, "proxy.default_endpoint: is a URL, which defines an endpoint named \"default\"");
    }

    @Test
    void aUrlDefaultEndpointFromAFileWorksToo() {
        ServerConfig c = load(conf("proxy { enabled = true, default_endpoint = \"https://legacy:8443/api\" }\n"));
        assertEquals("https://legacy:8443/api", c.proxy().endpoints().get("default").url());
        assertEquals("default", c.proxy().defaultEndpoint());
        assertTrue(c.proxy().endpoints().get("default").allowedMethods().contains("PATCH"));
    }

    @Test
    void nullBlocksFromEmptyYamlSectionsMeanDefaults() {
        Path yaml = write(home, "e.yaml", "proxy:\n  endpoints:\n  forward_headers:\nserver:\nprocessors:\n");
        ServerConfig c = load(ConfigSources.of(home).withConfigFile(yaml));
        assertEquals(8000, c.server().port());
        assertEquals(List.of(), c.proxy().forwardHeaders());
        assertTrue(c.proxy().endpoints().isEmpty());
        String rendered = TestFiles.LOADER.read(ConfigSources.of(home).withConfigFile(yaml)).render();
        assertContains(rendered, "  port = 8000\n", "  max_wait = \"60s\"\n", "processors = {}\n");
    }

    @Test
    void aWrongTypeFromSetNamesTheArgument() {
        String p = problem(ConfigSources.of(home).withSet("server.port=eighty"));
        assertEquals("server.port: expected a whole number, got \"eighty\" (from --set server.port)", p);
    }

    @Test
    void everyReferenceKeyIsReadByTheValidator() {
        Schema schema = new Schema(com.typesafe.config.ConfigFactory.parseResources("reference.conf"));
        ServerConfigReader reader = new ServerConfigReader(schema.reference(), schema, home);
        ServerConfigReader.Result result = reader.read();
        assertTrue(result.problems().isEmpty(), result.problems()::toString);
        Set<String> unread = new java.util.TreeSet<>(schema.leafPaths());
        unread.removeAll(reader.readPaths());
        assertEquals(Set.of(), unread, "reference.conf keys that the validator never checks");
    }
}
