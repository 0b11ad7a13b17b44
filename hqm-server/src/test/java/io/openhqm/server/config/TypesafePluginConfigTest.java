package io.openhqm.server.config;

import static io.openhqm.server.config.TestFiles.assertNotContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import io.openhqm.api.PluginConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TypesafePluginConfigTest {
    private static final Config ROOT = ConfigFactory.parseString("""
            queue.redis {
              url = "redis://r:6379"
              db = 3
              big = 9000000000
              ratio = 1.5
              enabled = true
              flag = "off"
              visibility_timeout = 30
              poll = "250ms"
              fraction = 0.5
              max_bytes = 64MiB
              raw_bytes = 1024
              nodes = ["a:1", "b:2"]
              comma = "a:1, b:2,,"
              nested { x = 1, "dotted.key" = y }
              password = "hunter2"
              nothing = null
              list_of_objects = [{ a = 1 }]
            }
            """).resolve();

    private final PluginConfig redis = TypesafePluginConfig.of(ROOT, "queue.redis");

    @Test
    void gettersReturnTypedValues() {
        assertEquals("queue.redis", redis.path());
        assertEquals(Optional.of("redis://r:6379"), redis.string("url"));
        assertEquals(Optional.of("3"), redis.string("db"), "numbers read as strings keep their text");
        assertEquals(Optional.of(3), redis.integer("db"));
        assertEquals(Optional.of(9_000_000_000L), redis.longValue("big"));
        assertEquals(Optional.of(true), redis.bool("enabled"));
        assertEquals(Optional.of(false), redis.bool("flag"));
        assertEquals(Optional.of(Duration.ofSeconds(30)), redis.duration("visibility_timeout"));
        assertEquals(Optional.of(Duration.ofMillis(250)), redis.duration("poll"));
        assertEquals(Optional.of(Duration.ofMillis(500)), redis.duration("fraction"));
        assertEquals(Optional.of(64L * 1024 * 1024), redis.bytes("max_bytes"));
        assertEquals(Optional.of(1024L), redis.bytes("raw_bytes"));
        assertEquals(Optional.of(List.of("a:1", "b:2")), redis.stringList("nodes"));
        assertEquals(Optional.of(List.of("a:1", "b:2")), redis.stringList("comma"));
        assertEquals(Optional.of(List.of("redis://r:6379")), redis.stringList("url"), "one string is a list of one");
    }

    @Test
    void absentAndNullKeysAreEmpty() {
        assertEquals(Optional.empty(), redis.string("missing"));
        assertEquals(Optional.empty(), redis.integer("nothing"));
        assertEquals(Optional.empty(), redis.block("missing"));
        assertTrue(redis.has("nothing"), "a key set to null is still a key (so a typo is still reported)");
        assertFalse(redis.has("missing"));
    }

    @Test
    void nestedBlocksKnowTheirFullPath() {
        PluginConfig nested = redis.block("nested").orElseThrow();
        assertEquals("queue.redis.nested", nested.path());
        assertEquals(Optional.of(1), nested.integer("x"));
        assertEquals(Optional.of("y"), nested.string("dotted.key"), "a key with a dot is a name first");
        assertEquals(Optional.of(1), redis.integer("nested.x"), "and a path second");
        HqmException e = assertThrows(HqmException.class, () -> nested.integer("dotted.key"));
        assertEquals("queue.redis.nested.dotted.key: expected a whole number, got \"y\"", e.getMessage());
    }

    @Test
    void wrongTypesThrowConfigErrorsNamingTheFullKey() {
        assertError("queue.redis.url: expected a whole number, got \"redis://r:6379\"", () -> redis.integer("url"));
        assertError("queue.redis.ratio: expected a whole number, got 1.5", () -> redis.integer("ratio"));
        assertError("queue.redis.big: expected a whole number between -2147483648 and 2147483647, got 9000000000",
                () -> redis.integer("big"));
        assertError("queue.redis.url: expected a boolean (true or false), got \"redis://r:6379\"",
                () -> redis.bool("url"));
        assertError("queue.redis.nodes: expected a string, got a list", () -> redis.string("nodes"));
        assertError("queue.redis.url: expected " + Values.DURATION + ", got \"redis://r:6379\"",
                () -> redis.duration("url"));
        assertError("queue.redis.url: expected " + Values.SIZE + ", got \"redis://r:6379\"", () -> redis.bytes("url"));
        assertError("queue.redis.list_of_objects: expected a list of strings, but an element is an object, got a list",
                () -> redis.stringList("list_of_objects"));
        assertError("queue.redis.url: expected a block of settings (an object), got \"redis://r:6379\"",
                () -> redis.block("url"));
    }

    @Test
    void errorsNeverEchoSecrets() {
        HqmException e = assertThrows(HqmException.class, () -> redis.integer("password"));
        assertEquals("queue.redis.password: expected a whole number, got \"****\"", e.getMessage());
    }

    @Test
    void keysAsMapAndUnknownKeys() {
        assertEquals(Set.of("url", "db", "big", "ratio", "enabled", "flag", "visibility_timeout", "poll", "fraction",
                "max_bytes", "raw_bytes", "nodes", "comma", "nested", "password", "nothing", "list_of_objects"),
                redis.keys());
        Map<String, Object> map = redis.asMap();
        assertEquals("redis://r:6379", map.get("url"));
        assertEquals(3, map.get("db"));
        assertEquals(List.of("a:1", "b:2"), map.get("nodes"));
        assertEquals(Map.of("x", 1, "dotted.key", "y"), map.get("nested"));
        assertTrue(map.containsKey("nothing") && map.get("nothing") == null);
        assertThrows(UnsupportedOperationException.class, () -> map.put("x", 1));
        assertEquals(List.of("queue.redis.big", "queue.redis.nothing"),
                redis.block("nested").isPresent() ? TypesafePluginConfig.fromMap("queue.redis",
                        Map.of("url", "u", "big", 1, "nothing", 0)).unknownKeys(Set.of("url")) : List.of());
    }

    @Test
    void absentBlockIsAnEmptyViewWithItsPath() {
        PluginConfig kafka = TypesafePluginConfig.of(ROOT, "queue.kafka");
        assertEquals("queue.kafka", kafka.path());
        assertEquals(Set.of(), kafka.keys());
        assertEquals(Map.of(), kafka.asMap());
        assertEquals(Optional.empty(), kafka.string("anything"));
        assertEquals("processors.x", TypesafePluginConfig.empty("processors.x").path());
    }

    @Test
    void aScalarWhereABlockIsExpectedIsAnError() {
        assertError("queue.redis.url: expected a block of settings (an object), got \"redis://r:6379\"",
                () -> TypesafePluginConfig.of(ROOT, "queue.redis.url"));
    }

    @Test
    void aPluginsProblemGetsThePlaceItsKeyIsSet(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("app.conf"),
                "proxy {\n  max_response_bytes = lots\n  endpoints.a { url = \"http://a\", auth_tokn = x }\n}\n");
        PluginConfig proxy = TypesafePluginConfig.of(ConfigFactory.parseFile(file.toFile()).resolve(), "proxy");
        TypesafePluginConfig located = (TypesafePluginConfig) proxy;
        assertEquals("proxy.max_response_bytes: not a size (in " + file + " line 2)",
                located.locate("proxy.max_response_bytes: not a size"));
        assertEquals("proxy.endpoints.a.auth_tokn: unknown key (in " + file + " line 3)",
                located.locate("proxy.endpoints.a.auth_tokn: unknown key"));
        assertEquals("proxy.endpoints.b: no such endpoint", located.locate("proxy.endpoints.b: no such endpoint"));
        assertEquals("queue.redis.url: elsewhere", located.locate("queue.redis.url: elsewhere"));
        assertEquals("proxy.timeout: x (in a.conf line 1)", located.locate("proxy.timeout: x (in a.conf line 1)"));
    }

    @Test
    void toStringMasksSecrets() {
        String text = redis.toString();
        assertNotContains(text, "hunter2");
        assertTrue(text.startsWith("PluginConfig(queue.redis)"), text);
    }

    private static void assertError(String message, org.junit.jupiter.api.function.Executable call) {
        HqmException e = assertThrows(HqmException.class, call);
        assertEquals(ErrorKind.CONFIG, e.kind());
        assertEquals(message, e.getMessage());
    }
}
