package io.openhqm.api.queue;

import java.time.Instant;
import java.util.Objects;

/**
 * One failed attempt in a message's history.
 *
 * @param attempt the attempt number, from 1
 * @param at      when it failed
 * @param error   what went wrong, for a person; never contains secrets
 */
public record AttemptFailure(int attempt, Instant at, String error) {
    public AttemptFailure {
        Objects.requireNonNull(at, "at is null");
        Objects.requireNonNull(error, "error is null");
    }
}
