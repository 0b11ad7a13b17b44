package io.openhqm.plugin.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import io.openhqm.toolkit.testing.MapPluginConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisConfigTest {

    @Test
    void defaults() {
        RedisConfig c = RedisConfig.parse(MapPluginConfig.of("queue.redis", "url", "redis://localhost:6379"));
        assertEquals("localhost", c.host());
        assertEquals(6379, c.port());
        assertEquals(0, c.database());
        assertFalse(c.tls());
        assertEquals("openhqm-workers", c.consumerGroup());
        assertEquals(Duration.ofSeconds(60), c.visibilityTimeout());
        assertEquals(0, c.maxStreamLength());
        assertEquals("openhqm:", c.keyPrefix());
        assertNull(c.password());
    }

    @Test
    void readsTlsUserPasswordAndDatabase() {
        RedisConfig c = RedisConfig.parse(MapPluginConfig.of("queue.redis", "url", "rediss://app:s%40cret@redis.example:6380/3"));
        assertTrue(c.tls());
        assertEquals("app", c.username());
        assertEquals("s@cret", c.password());
        assertEquals("redis.example", c.host());
        assertEquals(6380, c.port());
        assertEquals(3, c.database());
        assertEquals("rediss://redis.example:6380/3", c.url());
        assertFalse(c.toString().contains("cret"), c.toString());
    }

    @Test
    void aLoneUserInfoIsThePasswordAndPortDefaults() {
        RedisConfig c = RedisConfig.parse(MapPluginConfig.of("queue.redis", "url", "redis://hunter2@cache"));
        assertNull(c.username());
        assertEquals("hunter2", c.password());
        assertEquals(6379, c.port());
    }

    @Test
    void dbOverridesTheUrlsDatabase() {
        RedisConfig c = RedisConfig.parse(MapPluginConfig.of("queue.redis", "url", "redis://h:1/3", "db", 2));
        assertEquals(2, c.database());
        assertEquals("redis://h:1/2", c.url());
    }

    @Test
    void separatePasswordKeyOverridesTheUrl() {
        RedisConfig c = RedisConfig.parse(MapPluginConfig.of("queue.redis", "url", "redis://u:old@h:1", "password", "new"));
        assertEquals("u", c.username());
        assertEquals("new", c.password());
    }

    @Test
    void reportsEveryProblemAtOnceWithoutTheSecret() {
        HqmException e = assertThrows(HqmException.class, () -> RedisConfig.parse(MapPluginConfig.of("queue.redis", 
                "url", "redis//user:topsecret@x", "visibility_timeout", "10ms", "max_deliveries", 0,
                "colour", "red")));
        assertEquals(ErrorKind.CONFIG, e.kind());
        List<String> problems = e.problems();
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("queue.redis.colour: unknown key")),
                problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("queue.redis.url: \"redis//user:****@x\" is not a"
                + " Redis URI (expected redis://host:port")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("queue.redis.visibility_timeout:")));
        assertTrue(problems.stream().anyMatch(p -> p.equals("queue.redis.max_deliveries: no longer used:"
                + " worker.max_retries bounds the deliveries of a message on every queue; remove the key")));
        assertFalse(e.getMessage().contains("topsecret"));
    }

    @Test
    void urlIsRequired() {
        HqmException e = assertThrows(HqmException.class, () -> RedisConfig.parse(MapPluginConfig.of("queue.redis")));
        assertTrue(e.problems().get(0).startsWith("queue.redis.url: missing"), e.problems().get(0));
    }

    @Test
    void rejectsABadDatabaseAndQueryParameters() {
        HqmException e = assertThrows(HqmException.class,
                () -> RedisConfig.parse(MapPluginConfig.of("queue.redis", "url", "redis://h:6379/abc?timeout=3")));
        assertEquals(2, e.problems().size(), e.problems().toString());
    }

    @Test
    void masksCredentialsInAnyText() {
        assertEquals("redis://user:****@h:1", RedisConfig.mask("redis://user:pw@h:1"));
        assertEquals("cannot reach rediss://****@h", RedisConfig.mask("cannot reach rediss://pw@h"));
        assertEquals("redis://h:1/2", RedisConfig.mask("redis://h:1/2"));
    }
}
