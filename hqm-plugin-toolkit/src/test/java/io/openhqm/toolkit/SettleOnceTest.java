package io.openhqm.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SettleOnceTest {

    @Test
    void aFailedSettleMayBeTriedAgainASucceededOneNever() {
        SettleOnce once = new SettleOnce();

        assertThrows(IllegalStateException.class, () -> once.run("d", () -> {
            throw new IllegalStateException("backend down");
        }));
        assertFalse(once.settled());
        assertEquals("ok", once.run("d", () -> "ok"));
        assertTrue(once.settled());
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> once.run("d", () -> "again"));
        assertEquals("d was settled already", twice.getMessage());
    }
}
