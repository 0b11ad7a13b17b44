package io.openhqm.api.processing;

import java.time.Instant;
import java.util.Objects;

/**
 * The context of one processing attempt.
 *
 * @param number   the attempt number, from 1
 * @param deadline when the engine gives up on this message (status TIMEOUT); work past it is wasted
 */
public record Attempt(int number, Instant deadline) {
    public Attempt {
        if (number < 1) {
            throw new IllegalArgumentException("number must be >= 1, was " + number);
        }
        Objects.requireNonNull(deadline, "deadline is null");
    }
}
