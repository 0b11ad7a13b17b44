package io.openhqm.api.queue;

import io.openhqm.api.message.Message;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A message in the dead-letter queue.
 *
 * @param message        the message as it was last delivered
 * @param reason         why it was dead-lettered
 * @param history        its failed attempts, oldest first
 * @param deadLetteredAt when it was moved there
 */
public record DeadLetter(Message message, String reason, List<AttemptFailure> history, Instant deadLetteredAt) {
    public DeadLetter {
        Objects.requireNonNull(message, "message is null");
        Objects.requireNonNull(reason, "reason is null");
        history = List.copyOf(history);
        Objects.requireNonNull(deadLetteredAt, "deadLetteredAt is null");
    }
}
