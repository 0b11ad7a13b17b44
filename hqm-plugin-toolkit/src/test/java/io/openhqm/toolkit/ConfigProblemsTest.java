package io.openhqm.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.openhqm.api.HqmException;
import io.openhqm.toolkit.testing.MapPluginConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfigProblemsTest {
    final MapPluginConfig config = new MapPluginConfig("queue.x", Map.of("timeout", "soon", "size", 3, "colour", 1));

    @Test
    void everyProblemIsCollectedAndNamesItsFullKey() {
        ConfigProblems problems = new ConfigProblems(config);

        Optional<Duration> timeout = problems.read("timeout", config::duration);
        Optional<Integer> size = problems.read("size", config::integer);
        problems.add("size", "must be at least 5, was " + size.orElseThrow());
        problems.unknownKeys(Set.of("timeout", "size"), "queue.x takes size, timeout");

        assertEquals(Optional.empty(), timeout);
        List<String> list = problems.list();
        assertEquals(3, list.size(), list.toString());
        assertEquals(true, list.get(0).startsWith("queue.x.timeout:"), list.get(0));
        assertEquals("queue.x.size: must be at least 5, was 3", list.get(1));
        assertEquals("queue.x.colour: unknown key; queue.x takes size, timeout", list.get(2));
        HqmException e = assertThrows(HqmException.class, problems::throwIfAny);
        assertEquals(list, e.problems());
    }

    @Test
    void problemsOfAParseAreWhatItThrows() {
        assertEquals(List.of(), ConfigProblems.of(() -> { }));
        assertEquals(List.of("a: b", "c: d"), ConfigProblems.of(() -> {
            throw new HqmException(List.of("a: b", "c: d"));
        }));
    }
}
