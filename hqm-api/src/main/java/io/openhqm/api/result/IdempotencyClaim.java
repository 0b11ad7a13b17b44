package io.openhqm.api.result;

import java.util.Objects;

/**
 * An {@code Idempotency-Key} bound to the submission that first used it.
 *
 * @param key           the client's idempotency key (scoped by owner by the caller)
 * @param fingerprint   a digest of the request body, to tell a replay from a conflicting reuse
 * @param correlationId the id of the first submission with this key
 */
public record IdempotencyClaim(String key, String fingerprint, String correlationId) {
    public IdempotencyClaim {
        Objects.requireNonNull(key, "key is null");
        Objects.requireNonNull(fingerprint, "fingerprint is null");
        Objects.requireNonNull(correlationId, "correlationId is null");
    }
}
