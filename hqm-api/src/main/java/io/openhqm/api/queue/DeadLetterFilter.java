package io.openhqm.api.queue;

import java.time.Instant;
import java.util.Locale;

/**
 * Which dead letters a {@link DeadLetterBrowser#list listing} returns; each {@code null} field matches every dead
 * letter, and a dead letter is listed when it matches all of them.
 *
 * @param endpoint the message's endpoint ({@link io.openhqm.api.message.MessageMetadata#endpoint()}), exactly
 * @param error    a text the dead letter's {@link DeadLetter#reason() reason} contains, ignoring ASCII case
 * @param since    dead-lettered at or after this instant
 * @param until    dead-lettered before this instant
 * @since 1.1
 */
public record DeadLetterFilter(String endpoint, String error, Instant since, Instant until) {
    /** Matches every dead letter. */
    public static final DeadLetterFilter ALL = new DeadLetterFilter(null, null, null, null);

    /** Whether {@code letter} matches: the meaning every browser's listing implements, whatever its backend does. */
    public boolean matches(DeadLetter letter) {
        return (endpoint == null || endpoint.equals(letter.message().metadata().endpoint()))
                && (error == null || letter.reason().toLowerCase(Locale.ROOT).contains(error.toLowerCase(Locale.ROOT)))
                && (since == null || !letter.deadLetteredAt().isBefore(since))
                && (until == null || letter.deadLetteredAt().isBefore(until));
    }
}
