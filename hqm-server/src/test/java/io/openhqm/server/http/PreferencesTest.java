package io.openhqm.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreferencesTest {
    private static final Duration MAX = Duration.ofSeconds(60);

    @Test
    void respondAsyncAndWaitAreReadFromAnyOfThePreferHeaders() {
        Preferences both = Preferences.parse(List.of("handling=lenient, RESPOND-ASYNC", "wait=10; x=y"));
        assertTrue(both.respondAsync());
        assertEquals(Duration.ofSeconds(10), both.wait(MAX));

        Preferences quoted = Preferences.parse(List.of("wait=\"5\", wait=7"));
        assertFalse(quoted.respondAsync());
        assertEquals(Duration.ofSeconds(5), quoted.wait(MAX));
    }

    @Test
    void aWaitIsCappedAndAnUnreadableOneIgnored() {
        assertEquals(MAX, Preferences.parse(List.of("wait=99999999999999999999999")).wait(MAX));
        assertEquals(MAX, Preferences.parse(List.of("wait=61")).wait(MAX));
        assertEquals(Duration.ZERO, Preferences.parse(List.of("wait=0")).wait(MAX));
        assertNull(Preferences.parse(List.of("wait=soon")).wait(MAX));
        assertNull(Preferences.parse(List.of("wait=-1")).wait(MAX));
        assertNull(Preferences.parse(List.of("respond-async-ish, waiting=3")).wait(MAX));
        assertFalse(Preferences.parse(List.of("respond-async-ish")).respondAsync());
    }
}
