package io.openhqm.server.config;

import static io.openhqm.server.config.TestFiles.assertContains;
import static io.openhqm.server.config.TestFiles.assertNotContains;
import static io.openhqm.server.config.TestFiles.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaskedRenderingTest {
    @TempDir
    Path home;

    private EffectiveConfig secretive() {
        Path file = write(home, "s.yaml", """
                server:
                  auth:
                    api_keys: ["ingress-key-1", "ingress-key-2"]
                    admin_keys: ["admin-key-1"]
                queue:
                  type: redis
                  redis:
                    url: "redis://app:redis-pass@cache:6379/0"
                    password: "${REDIS_PASSWORD}"
                  kafka:
                    bootstrap_servers: ["SASL_SSL://kuser:kafka-pass@k1:9093", "k2:9092"]
                    sasl_jaas_config_secret: "jaas-secret"
                    ssl:
                      private_key: "-----BEGIN KEY-----"
                proxy:
                  enabled: true
                  endpoints:
                    token-service:
                      url: "https://tokens.example/issue"
                      auth_type: bearer
                      auth_token: "${API_TOKEN}"
                    legacy:
                      url: "http://legacy:8080"
                      auth_type: basic
                      auth_username: "svc-user"
                      auth_password: "basic-pass"
                    keyed:
                      url: "http://keyed"
                      auth_type: custom
                      auth_header_name: "X-Custom-Auth"
                      auth_token: "custom-token"
                      headers:
                        Authorization: "Bearer static-header-secret"
                        X-Tenant: "acme"
                """);
        return TestFiles.LOADER.read(ConfigSources.of(home).withConfigFile(file).withEnvironment(Map.of(
                "API_TOKEN", "bearer-secret", "REDIS_PASSWORD", "redis-secret")));
    }

    private static final List<String> SECRETS = List.of("ingress-key-1", "ingress-key-2", "admin-key-1", "redis-pass",
            "redis-secret", "kafka-pass", "jaas-secret", "BEGIN KEY", "bearer-secret", "basic-pass", "custom-token",
            "static-header-secret");

    @Test
    void hoconRenderingMasksEverySecret() {
        EffectiveConfig effective = secretive();
        assertTrue(effective.isValid(), effective.problems()::toString);
        String text = effective.render();
        for (String secret : SECRETS) {
            assertNotContains(text, secret);
        }
        assertContains(text, "redis://app:****@cache:6379/0", "SASL_SSL://kuser:****@k1:9093", "\"****\"");
    }

    @Test
    void jsonRenderingMasksEverySecretAndIsJson() {
        String json = secretive().render(EffectiveConfig.Format.JSON);
        for (String secret : SECRETS) {
            assertNotContains(json, secret);
        }
        assertTrue(json.strip().startsWith("{") && json.contains("\"server\" : {"), json);
    }

    @Test
    void nonSecretsStayVisible() {
        String text = secretive().render();
        assertContains(text, "X-Custom-Auth", "svc-user", "https://tokens.example/issue", "http://legacy:8080",
                "acme", "openhqm-requests", "k2:9092", "auth_header_name", "bearer");
    }

    @Test
    void theTreeShowsTheNormalizedConfigWithSecretsMasked() {
        Map<String, Object> tree = secretive().maskedTree();
        @SuppressWarnings("unchecked")
        Map<String, Object> proxy = (Map<String, Object>) tree.get("proxy");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> endpoints = (Map<String, Map<String, Object>>) proxy.get("endpoints");
        assertEquals("****", endpoints.get("token-service").get("auth_token"));
        assertEquals("https://tokens.example/issue", endpoints.get("token-service").get("url"),
                "an endpoint whose name looks secret is not masked as a whole");
        assertEquals("POST", endpoints.get("legacy").get("method"), "defaults are filled in");
        @SuppressWarnings("unchecked")
        Map<String, Object> server = (Map<String, Object>) ((Map<String, Object>) tree.get("server")).get("auth");
        assertEquals(List.of("****", "****"), server.get("api_keys"), "the number of keys stays visible");
        assertEquals(List.of("****"), server.get("admin_keys"));
        assertEquals("redis", ((Map<?, ?>) tree.get("results")).get("type"));
    }

    @Test
    void keysAreSortedReadableAndThereAreNoComments() {
        String text = TestFiles.LOADER.read(ConfigSources.of(home)).render();
        assertFalse(text.contains("#"), text);
        List<String> top = text.lines().filter(l -> !l.startsWith(" ") && !l.startsWith("}"))
                .map(l -> l.split(" ")[0]).toList();
        assertEquals(List.of("management", "monitoring", "plugins", "processors", "proxy", "queue", "results",
                "server", "worker"), top);
        assertContains(text, "server {\n  admin {\n    enabled = false\n  }\n  auth {\n    admin_keys = []\n"
                + "    api_keys = []\n  }\n  host = \"0.0.0.0\"\n"
                + "  idle_timeout = \"75s\"\n  max_body_bytes = 10485760\n  max_body_bytes_in_flight = null\n"
                + "  max_wait = \"60s\"\n  mode = \"api\"\n  no_request_timeout = \"60s\"\n  port = 8000\n"
                + "  proxy_wait = \"30s\"\n  request_parse_timeout = \"10s\"\n}\n", "processors = {}\n",
                "  default_endpoint = null\n");
    }

    @Test
    void hoconAndJsonRenderingsDescribeTheSameTree() {
        EffectiveConfig effective = secretive();
        Object fromHocon = com.typesafe.config.ConfigFactory.parseString(effective.render()).root().unwrapped();
        Object fromJson = com.typesafe.config.ConfigFactory.parseString(effective.render(EffectiveConfig.Format.JSON),
                com.typesafe.config.ConfigParseOptions.defaults().setSyntax(com.typesafe.config.ConfigSyntax.JSON))
                .root().unwrapped();
        assertEquals(fromJson, fromHocon);
        assertEquals(effective.maskedTree().keySet(), ((Map<?, ?>) fromHocon).keySet());
    }

    @Test
    void oddKeysAndStringsAreQuotedInHocon() {
        String text = HoconRenderer.render(Map.of("a.b", "x\"y\\z\n", "list", List.of(Map.of("k", 1), Map.of()),
                "plain-key_1", true));
        assertEquals(Map.of("a.b", "x\"y\\z\n", "list", List.of(Map.of("k", 1), Map.of()), "plain-key_1", true),
                com.typesafe.config.ConfigFactory.parseString(text).root().unwrapped());
    }

    @Test
    void anInvalidConfigRendersAsGivenWithSecretsMasked() {
        Path file = write(home, "bad.conf", "worker.cuont = 3\nqueue.redis.password = hunter2\n");
        EffectiveConfig effective = TestFiles.LOADER.read(ConfigSources.of(home).withConfigFile(file));
        assertFalse(effective.isValid());
        assertEquals(1, effective.problems().size());
        assertContains(effective.render(), "cuont", "password");
        assertNotContains(effective.render(), "hunter2");
    }

    @Test
    void secretNamesAndUrlCredentials() {
        for (String key : List.of("auth_token", "auth_password", "api_keys", "api_key", "apiKey", "client_secret",
                "credentials", "private_key", "Authorization", "X-API-Key", "Cookie", "proxy.endpoints.x.auth_token")) {
            assertTrue(Secrets.isSecretKey(key), key);
        }
        for (String key : List.of("auth_header_name", "auth_username", "auth_type", "url", "host", "max_body_bytes",
                "X-Tenant", "proxy.endpoints.token-service.url")) {
            assertFalse(Secrets.isSecretKey(key), key);
        }
        assertEquals("redis://user:****@host:6379", Secrets.maskUrlCredentials("redis://user:pass@host:6379"));
        assertEquals("redis://:****@host", Secrets.maskUrlCredentials("redis://:pass@host"));
        assertEquals("redis//app:****@x", Secrets.maskUrlCredentials("redis//app:topsecret@x"));
        assertEquals("https://****@github.com/x", Secrets.maskUrlCredentials("https://ghp_token@github.com/x"));
        assertEquals("a,kafka://u:****@h1,kafka://h2", Secrets.maskUrlCredentials("a,kafka://u:p@h1,kafka://h2"));
        assertEquals("user@example.com", Secrets.maskUrlCredentials("user@example.com"));
        assertEquals("http://host/path?email=a@b", Secrets.maskUrlCredentials("http://host/path?email=a@b"));
        assertEquals("****", Secrets.maskValue("auth_token", "abc"));
        assertEquals("visible", Secrets.maskValue("name", "visible"));
    }

    @Test
    void serverConfigToStringDoesNotLeakApiKeysOrPluginSecrets() {
        String text = secretive().serverConfig().toString();
        assertNotContains(text, "ingress-key-1", "admin-key-1", "redis-pass", "redis-secret", "bearer-secret", "custom-token");
        assertContains(text, "redis://app:****@cache:6379/0");
    }
}
