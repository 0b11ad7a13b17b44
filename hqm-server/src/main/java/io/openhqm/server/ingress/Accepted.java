package io.openhqm.server.ingress;

import io.openhqm.api.result.RequestRecord;

/**
 * An accepted submission.
 *
 * @param record   its record as stored (PENDING for a new one; current state for a replay)
 * @param replayed whether this answered an earlier submission with the same idempotency key
 */
public record Accepted(RequestRecord record, boolean replayed) {
}
