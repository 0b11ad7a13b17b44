package io.openhqm.plugin.redis;

import io.openhqm.api.queue.QueueSettings;
import java.util.List;

/**
 * The keys of one worker pool (a consumer group, {@code queue.redis.consumer_group}) on a request stream. Every pool
 * reads the shared request stream; what a pool hands back for later (its retry stream and delayed set) and what it
 * gives up on (its dead-letter stream) are its own, so no other pool sees those messages again. The default pool's
 * names have no suffix, so a single-pool deployment keeps the names it always had; any other pool's end in
 * {@code :<group>}.
 *
 * @param group             the consumer group
 * @param stream            the shared request stream ({@code queue.request_queue_name})
 * @param retryStream       the pool's stream of messages handed back to it, read together with {@code stream}
 * @param delayedSet        the pool's sorted set of messages waiting for a retry, by due time
 * @param delayedHashPrefix the prefix of the hashes holding the delayed messages' fields
 * @param deadLetterStream  the pool's dead-letter stream ({@code queue.dlq_name})
 */
record PoolKeys(String group, String stream, String retryStream, String delayedSet, String delayedHashPrefix,
                String deadLetterStream) {

    static PoolKeys of(QueueSettings settings, RedisConfig config) {
        String group = config.consumerGroup();
        String suffix = RedisConfig.DEFAULT_GROUP.equals(group) ? "" : ":" + group;
        String stream = settings.requestQueueName();
        String delayedSet = config.keyPrefix() + "delayed:" + stream + suffix;
        return new PoolKeys(group, stream, config.keyPrefix() + "retry:" + stream + suffix, delayedSet,
                delayedSet + ":", settings.deadLetterQueueName() + suffix);
    }

    /** The streams a consumer of the pool reads, in the order it reads them. */
    List<String> streams() {
        return List.of(stream, retryStream);
    }
}
