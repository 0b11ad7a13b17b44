package io.openhqm.server.config;

import static io.openhqm.server.config.TestFiles.assertContains;
import static io.openhqm.server.config.TestFiles.assertNotContains;
import static io.openhqm.server.config.TestFiles.assertStartsWith;
import static io.openhqm.server.config.TestFiles.load;
import static io.openhqm.server.config.TestFiles.problem;
import static io.openhqm.server.config.TestFiles.problems;
import static io.openhqm.server.config.TestFiles.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.PluginConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path home;

    @Test
    void defaultsComeFromReferenceConf() {
        ServerConfig c = load(ConfigSources.of(home));

        assertEquals(new ServerConfig.Server("0.0.0.0", 8000, 10_485_760L, Duration.ofSeconds(60),
                new ServerConfig.Auth(List.of()), Duration.ofSeconds(75), Duration.ofSeconds(10),
                Duration.ofSeconds(60), Math.max(Runtime.getRuntime().maxMemory() / 4, 10_485_760L),
                ServerConfig.Mode.API, Duration.ofSeconds(30), false), c.server());
        assertFalse(c.server().auth().enabled());
        assertEquals(new ServerConfig.Management("0.0.0.0", 8001), c.management());
        assertEquals("embedded", c.queue().type());
        assertEquals("openhqm-requests", c.queue().requestQueueName());
        assertEquals("openhqm-dlq", c.queue().dlqName());
        assertEquals(0, c.queue().maxDepth());
        assertEquals("queue.embedded", c.queue().typeConfig().path());
        assertEquals(Set.of(), c.queue().typeConfig().keys());
        assertEquals("embedded", c.results().type());
        assertEquals(Duration.ofHours(1), c.results().ttl());
        assertEquals("queue.embedded", c.results().typeConfig().path());
        assertEquals(new ServerConfig.Worker(10, Duration.ofSeconds(300), 3, Duration.ofSeconds(1),
                Duration.ofSeconds(60), "sample", Duration.ofSeconds(30), 16, true, 1,
                Duration.ofMillis(50), Duration.ofMillis(50)), c.worker());
        assertFalse(c.proxy().enabled());
        assertEquals("http", c.proxy().type());
        assertNull(c.proxy().defaultEndpoint());
        assertEquals(Map.of(), c.proxy().endpoints());
        assertEquals(List.of(), c.proxy().forwardHeaders());
        assertEquals(List.of(), c.proxy().stripHeaders());
        assertEquals("proxy", c.proxy().block().path());
        assertEquals(Optional.of(false), c.proxy().block().bool("enabled"));
        assertEquals(Map.of(), c.processors());
        assertEquals(home.resolve("plugins").toAbsolutePath().normalize(), c.plugins().directory());
        assertEquals(new ServerConfig.Monitoring("INFO", "json"), c.monitoring());
    }

    @Test
    void eachLayerOverridesTheOnesBelow() {
        write(home, "conf/application.conf", """
                queue.max_depth = 11
                worker { poll_batch = 7, max_retries = 5, count = 2 }
                server.port = 9001
                management.port = 9001
                """);
        write(home, "conf/prod.conf", """
                worker { poll_batch = 8, max_retries = 6, count = 3 }
                server.port = 9002
                """);
        Path a = write(home, "a.conf", """
                worker { max_retries = 9, count = 4 }
                server.port = 9003
                management.port = 9100
                """);
        Path b = write(home, "b.yaml", """
                worker:
                  count: 5
                server:
                  port: 9004
                """);
        ConfigSources sources = ConfigSources.of(home).withEnvName("prod").withConfigFile(a).withConfigFile(b)
                .withEnvironmentVariable("OPENHQM_MANAGEMENT__PORT", "9101")
                .withEnvironmentVariable("OPENHQM_WORKER__COUNT", "6")
                .withSet("worker.count=7");

        ServerConfig c = load(sources);

        assertEquals(11, c.queue().maxDepth(), "application.conf over reference.conf");
        assertEquals(8, c.worker().pollBatch(), "<env>.conf over application.conf");
        assertEquals(9, c.worker().maxRetries(), "--config over <env>.conf");
        assertEquals(9004, c.server().port(), "a later --config over an earlier one");
        assertEquals(9101, c.management().port(), "environment variable over --config");
        assertEquals(7, c.worker().count(), "--set over environment variable");
        assertEquals(Duration.ofSeconds(300), c.worker().timeout(), "untouched keys keep their defaults");
    }

    @Test
    void environmentVariableBeatsFilesWhenThereIsNoSet() {
        Path a = write(home, "a.conf", "worker.count = 4");
        ServerConfig c = load(ConfigSources.of(home).withConfigFile(a)
                .withEnvironmentVariable("OPENHQM_WORKER__COUNT", "6"));
        assertEquals(6, c.worker().count());
    }

    @Test
    void laterSetOfTheSameKeyWins() {
        ServerConfig c = load(ConfigSources.of(home).withSet("worker.count=2").withSet("worker.count=3"));
        assertEquals(3, c.worker().count());
    }

    @Test
    void jsonConfigFileIsAccepted() {
        Path json = write(home, "x.json", "{\"worker\": {\"count\": 4, \"retry_delay_base\": \"250ms\"}}");
        ServerConfig c = load(ConfigSources.of(home).withConfigFile(json));
        assertEquals(4, c.worker().count());
        assertEquals(Duration.ofMillis(250), c.worker().retryDelayBase());
    }

    @Test
    void missingEnvFileIsAnErrorNamingTheFile() {
        String p = problem(ConfigSources.of(home).withEnvName("staging"));
        assertStartsWith(p, "--env staging: ");
        assertContains(p, home.resolve("conf/staging.conf").toString(), "does not exist");
    }

    @Test
    void missingConfigFileIsAnErrorNamingTheFile() {
        Path missing = home.resolve("nope.yaml");
        String p = problem(ConfigSources.of(home).withConfigFile(missing));
        assertContains(p, "--config", missing.toString(), "does not exist");
    }

    @Test
    void allUnreadableLayersAreReportedTogether() {
        Path txt = write(home, "settings.txt", "worker.count = 2");
        List<String> all = problems(ConfigSources.of(home).withEnvName("qa").withConfigFile(home.resolve("a.conf"))
                .withConfigFile(txt));
        assertEquals(3, all.size(), all::toString);
        assertContains(all.get(0), "qa.conf");
        assertContains(all.get(1), "a.conf");
        assertContains(all.get(2), "settings.txt", "unsupported file type");
    }

    @Test
    void hoconSyntaxErrorNamesFileAndLine() {
        Path bad = write(home, "bad.conf", "server {\n  port = 8000\n  host = [\n");
        String p = problem(ConfigSources.of(home).withConfigFile(bad));
        assertStartsWith(p, bad + " line ");
        assertContains(p, "invalid HOCON", "fix the file");
    }

    @Test
    void hoconSyntaxErrorDoesNotEchoTextAfterAKeyWithoutEquals() {
        Path bad = write(home, "bad.conf", "proxy.endpoints.x.auth_token s3cr3t-value\n");
        String p = problem(ConfigSources.of(home).withConfigFile(bad));
        assertStartsWith(p, bad + " line ");
        assertContains(p, ": invalid HOCON: Key 'proxy.endpoints.x.auth_token ...' may not be followed by token: "
                + "end of file; fix the file");
        assertNotContains(p, "s3cr3t", "if you intended");
    }

    @Test
    void yamlSyntaxErrorNamesFileAndLineWithoutQuotingTheLine() {
        Path bad = write(home, "bad.yaml", "proxy:\n  endpoints:\n    x:\n      auth_token: \"s3cr3t-value\n");
        String p = problem(ConfigSources.of(home).withConfigFile(bad));
        assertStartsWith(p, bad + " line ");
        assertContains(p, "invalid YAML");
        assertNotContains(p, "s3cr3t");
    }

    @Test
    void yamlDuplicateKeyIsAnError() {
        Path dup = write(home, "dup.yaml", "worker:\n  count: 1\n  count: 2\n");
        assertContains(problem(ConfigSources.of(home).withConfigFile(dup)), "dup.yaml", "count");
    }

    @Test
    void hoconSubstitutionsResolveFromTheEnvironmentMapOnly() {
        write(home, "conf/application.conf", """
                proxy.endpoints.b { url = "https://b.example/x", auth_type = bearer, auth_token = ${API_TOKEN} }
                server.host = ${?PATH}
                worker.retry_delay_max = ${worker.retry_delay_base}
                """);
        ServerConfig c = load(ConfigSources.of(home).withEnvironment(Map.of("API_TOKEN", "from-map")));

        assertEquals(Optional.of("from-map"), endpointBlock(c, "b").string("auth_token"));
        assertNotNull(System.getenv("PATH"), "the real process has PATH");
        assertEquals("0.0.0.0", c.server().host(), "the process environment is not a substitution source");
        assertEquals(Duration.ofSeconds(1), c.worker().retryDelayMax(), "self-references resolve");
    }

    @Test
    void everyUnresolvedSubstitutionIsReported() {
        Path f = write(home, "x.conf", "server.host = ${HOST_NAME}\nqueue.dlq_name = ${DLQ}\n");
        List<String> all = problems(ConfigSources.of(home).withConfigFile(f));
        assertEquals(2, all.size(), all::toString);
        assertStartsWith(all.get(0), "queue.dlq_name: cannot resolve ${DLQ}");
        assertContains(all.get(0), "x.conf line 2");
        assertStartsWith(all.get(1), "server.host: cannot resolve ${HOST_NAME}");
        assertContains(all.get(1), "x.conf line 1");
    }

    // ------------------------------------------------------------ environment variables

    @Test
    void seedSidecarEnvironmentTurnsAUrlIntoTheDefaultEndpoint() {
        ServerConfig c = load(ConfigSources.of(home).withEnvironment(Map.of(
                "OPENHQM_PROXY__ENABLED", "true",
                "OPENHQM_PROXY__DEFAULT_ENDPOINT", "http://localhost:8080")));

        assertTrue(c.proxy().enabled());
        assertEquals("default", c.proxy().defaultEndpoint());
        ServerConfig.Endpoint e = c.proxy().endpoints().get("default");
        assertEquals("http://localhost:8080", e.url(), "a URL value must survive as the whole string");
        assertEquals("POST", e.method());
        assertEquals(List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
                List.copyOf(e.allowedMethods()));
        // the egress plugin sees the same endpoint in its block
        assertEquals(Optional.of("http://localhost:8080"), endpointBlock(c, "default").string("url"));
        assertEquals(Optional.of("default"), c.proxy().block().string("default_endpoint"));
    }

    @Test
    void environmentValuesAreParsedAsHoconValues() {
        ServerConfig c = load(ConfigSources.of(home).withEnvironment(Map.of(
                "OPENHQM_QUEUE__TYPE", "redis",
                "OPENHQM_QUEUE__REDIS", "{ url = \"redis://cache:6379\", db = 2 }",
                "OPENHQM_QUEUE__REDIS__VISIBILITY_TIMEOUT", "45s",
                "OPENHQM_WORKER__MAX_RETRIES", "7",
                "OPENHQM_WORKER__SHUTDOWN_GRACE", "1.5",
                "OPENHQM_PROXY__ENABLED", "false",
                "OPENHQM_SERVER__AUTH__API_KEYS", "[\"k1\", \"k2\"]",
                "OPENHQM_MONITORING__LOG_LEVEL", "\"debug\"")));

        assertEquals("redis", c.queue().type());
        assertEquals("queue.redis", c.queue().typeConfig().path());
        assertEquals(Optional.of("redis://cache:6379"), c.queue().typeConfig().string("url"));
        assertEquals(Optional.of(2), c.queue().typeConfig().integer("db"), "an object value merges with its children");
        assertEquals(Optional.of(Duration.ofSeconds(45)), c.queue().typeConfig().duration("visibility_timeout"));
        assertEquals(7, c.worker().maxRetries());
        assertEquals(Duration.ofMillis(1500), c.worker().shutdownGrace());
        assertFalse(c.proxy().enabled());
        assertEquals(List.of("k1", "k2"), c.server().auth().apiKeys());
        assertEquals("DEBUG", c.monitoring().logLevel());
    }

    @Test
    void aCommaStringBecomesAListForListKeysAndStaysAStringForPluginKeys() {
        ServerConfig c = load(ConfigSources.of(home).withEnvironment(Map.of(
                "OPENHQM_QUEUE__TYPE", "kafka",
                "OPENHQM_PROXY__FORWARD_HEADERS", "Content-Type, X-Request-ID",
                "OPENHQM_SERVER__AUTH__API_KEYS", "only-one",
                "OPENHQM_QUEUE__KAFKA__BOOTSTRAP_SERVERS", "k1:9092,k2:9092")));

        assertEquals(List.of("Content-Type", "X-Request-ID"), c.proxy().forwardHeaders());
        assertEquals(List.of("only-one"), c.server().auth().apiKeys());
        assertEquals(Optional.of("k1:9092,k2:9092"), c.queue().typeConfig().string("bootstrap_servers"));
        assertEquals(Optional.of(List.of("k1:9092", "k2:9092")), c.queue().typeConfig().stringList("bootstrap_servers"));
    }

    @Test
    void valuesHoconWouldMangleArePassedVerbatim() {
        String password = "ab#c${HOME}//x";
        ServerConfig c = load(ConfigSources.of(home).withEnvironment(Map.of(
                "OPENHQM_QUEUE__TYPE", "redis",
                "OPENHQM_QUEUE__REDIS__PASSWORD", password,
                "OPENHQM_QUEUE__REDIS__DB", "0123",
                "OPENHQM_QUEUE__REDIS__URL", "redis://user:p@ss@cache:6379/0",
                "OPENHQM_QUEUE__REDIS__NOTE", "two words, and a comma",
                "OPENHQM_QUEUE__REDIS__EMPTY", "")));
        PluginConfig redis = c.queue().typeConfig();
        assertEquals(Optional.of(password), redis.string("password"));
        assertEquals(Optional.of("0123"), redis.string("db"));
        assertEquals(Optional.of("redis://user:p@ss@cache:6379/0"), redis.string("url"));
        assertEquals(Optional.of("two words, and a comma"), redis.string("note"));
        assertEquals(Optional.of(""), redis.string("empty"));
    }

    @Test
    void noUnrelatedEnvironmentVariableEntersTheConfig() {
        Map<String, String> env = Map.of(
                "HOME", "/home/someone",
                "PATH", "/usr/bin:/bin",
                "JAVA_HOME", "/opt/jdk",
                "OPENHQM_HOME", "/opt/openhqm",
                "OPENHQM_OPTS", "-Xmx1g",
                "OPENHQM", "1",
                "openhqm_worker__count", "99",
                "OPENHQM_WORKER__COUNT", "3");
        EffectiveConfig effective = TestFiles.LOADER.read(ConfigSources.of(home).withEnvironment(env));
        ServerConfig c = effective.serverConfig();

        assertEquals(3, c.worker().count());
        assertEquals(Set.of("server", "management", "queue", "results", "worker", "proxy", "processors", "plugins",
                "monitoring"), effective.maskedTree().keySet());
        assertNotContains(effective.render(), "/home/someone", "/usr/bin", "/opt/jdk", "/opt/openhqm", "Xmx", "99");
    }

    @Test
    void aSingleUnderscoreNestingMistakeIsReportedWithTheRightName() {
        String p = problem(ConfigSources.of(home).withEnvironmentVariable("OPENHQM_WORKER_MAX_RETRIES", "5"));
        assertStartsWith(p, "environment variable OPENHQM_WORKER_MAX_RETRIES: not applied");
        assertContains(p, "did you mean OPENHQM_WORKER__MAX_RETRIES?");
    }

    @Test
    void environmentMistakesAreReportedTogetherWithFileProblems() {
        Path f = write(home, "x.conf", "worker.cuont = 3\n");
        List<String> all = problems(ConfigSources.of(home).withConfigFile(f)
                .withEnvironmentVariable("OPENHQM_WORKER_COUNT", "5").withSet("nonsense"));
        assertEquals(3, all.size(), all::toString);
        assertStartsWith(all.get(0), "environment variable OPENHQM_WORKER_COUNT: not applied");
        assertStartsWith(all.get(1), "--set nonsense: expected key=value");
        assertStartsWith(all.get(2), "worker.cuont: unknown key (did you mean worker.count?)");
    }

    @Test
    void anEmptySegmentIsReported() {
        String p = problem(ConfigSources.of(home).withEnvironmentVariable("OPENHQM_WORKER____COUNT", "5"));
        assertContains(p, "OPENHQM_WORKER____COUNT", "empty key segment");
    }

    @Test
    void aTypoInAnEnvironmentVariableNamesTheVariable() {
        String p = problem(ConfigSources.of(home).withEnvironmentVariable("OPENHQM_WORKER__CUONT", "5"));
        assertEquals("worker.cuont: unknown key (did you mean worker.count?) "
                + "(from environment variable OPENHQM_WORKER__CUONT)", p);
    }

    @Test
    void aWrongTypeFromTheEnvironmentNamesKeyValueAndVariable() {
        String p = problem(ConfigSources.of(home).withEnvironmentVariable("OPENHQM_SERVER__PORT", "abc"));
        assertEquals("server.port: expected a whole number, got \"abc\" (from environment variable "
                + "OPENHQM_SERVER__PORT)", p);
    }

    // ------------------------------------------------------------ --set

    @Test
    void setParsesValuesLikeTheEnvironment() {
        ServerConfig c = load(ConfigSources.of(home)
                .withSet("proxy.enabled=true")
                .withSet("proxy.endpoints.api.url=https://api.example.com/v1?x=1&y=2")
                .withSet("proxy.endpoints.api.allowed_methods=GET,POST")
                .withSet("proxy.strip_headers=[\"Cookie\"]")
                .withSet("server.max_body_bytes=1MiB")
                .withSet("worker.timeout_seconds=2m"));

        ServerConfig.Endpoint api = c.proxy().endpoints().get("api");
        assertEquals("https://api.example.com/v1?x=1&y=2", api.url());
        assertEquals(List.of("GET", "POST"), List.copyOf(api.allowedMethods()));
        assertEquals("api", c.proxy().defaultEndpoint(), "the only endpoint is the default");
        assertEquals(List.of("Cookie"), c.proxy().stripHeaders());
        assertEquals(1_048_576L, c.server().maxBodyBytes());
        assertEquals(Duration.ofMinutes(2), c.worker().timeout());
    }

    @Test
    void malformedSetArgumentsAreReported() {
        List<String> all = problems(ConfigSources.of(home).withSet("worker.count").withSet("=5")
                .withSet("a..b=1"));
        assertEquals(3, all.size(), all::toString);
        assertContains(all.get(0), "--set worker.count", "expected key=value");
        assertContains(all.get(2), "--set a..b", "not a valid key path");
    }

    // ------------------------------------------------------------ helpers

    static PluginConfig endpointBlock(ServerConfig c, String name) {
        return c.proxy().block().block("endpoints").orElseThrow().block(name).orElseThrow();
    }
}
