package io.openhqm.toolkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestPluginContextTest {

    @Test
    void eachContextIsAProcessWhoseSharedResourcesCloseWithItNewestFirst() {
        List<String> closed = new ArrayList<>();
        TestPluginContext process = new TestPluginContext("a");
        AutoCloseable first = process.shared(AutoCloseable.class, "db", () -> () -> closed.add("db"));
        assertSame(first, process.shared(AutoCloseable.class, "db", () -> () -> closed.add("again")));
        process.shared(AutoCloseable.class, "cache", () -> () -> closed.add("cache"));
        try (TestPluginContext other = new TestPluginContext("b")) {
            assertNotSame(first, other.shared(AutoCloseable.class, "db", () -> () -> closed.add("b's db")));
        }

        process.close();
        process.close();

        assertEquals(List.of("b's db", "cache", "db"), closed);
        assertThrows(IllegalStateException.class, () -> process.shared(AutoCloseable.class, "db", () -> () -> { }));
    }
}
