package io.openhqm.api.queue;

import java.util.Objects;

/**
 * A dead letter with the id its {@link DeadLetterBrowser} knows it by.
 *
 * @param id     the dead letter's id in the dead-letter queue, opaque to the server (a row id, a stream entry id);
 *               not the message's correlation id, which several dead letters may share after redrives
 * @param letter the dead letter
 * @since 1.1
 */
public record DeadLetterEntry(String id, DeadLetter letter) {
    public DeadLetterEntry {
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(letter, "letter is null");
    }
}
