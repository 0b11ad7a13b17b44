package io.openhqm.api.processing;

import io.openhqm.api.message.Message;
import java.util.Objects;

/**
 * One message of a batch handed to {@link Processor#processBatch}, with its own attempt (messages of one batch
 * may be on different attempts and have different deadlines).
 *
 * @param message the message
 * @param attempt its attempt
 */
public record BatchItem(Message message, Attempt attempt) {
    public BatchItem {
        Objects.requireNonNull(message, "message is null");
        Objects.requireNonNull(attempt, "attempt is null");
    }
}
