package io.openhqm.api.queue;

import java.util.Objects;

/**
 * The core queue settings every queue adapter honours, from {@code queue.*}.
 *
 * @param requestQueueName {@code queue.request_queue_name}: the queue (stream, topic, table) messages go to
 * @param deadLetterQueueName {@code queue.dlq_name}: where messages go that can't be processed
 */
public record QueueSettings(String requestQueueName, String deadLetterQueueName) {
    public QueueSettings {
        Objects.requireNonNull(requestQueueName, "requestQueueName is null");
        Objects.requireNonNull(deadLetterQueueName, "deadLetterQueueName is null");
    }
}
