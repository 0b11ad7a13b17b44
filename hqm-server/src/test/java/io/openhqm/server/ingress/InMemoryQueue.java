package io.openhqm.server.ingress;

import io.openhqm.api.Health;
import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.queue.DeadLetter;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueConsumer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/** Publishes into a list; {@link #down} makes publishing fail as an unreachable backend does. */
final class InMemoryQueue implements Queue {
    final List<Message> published = new CopyOnWriteArrayList<>();
    volatile boolean down;

    @Override
    public CompletionStage<Void> publish(Message message) {
        if (down) {
            return CompletableFuture.failedFuture(
                    HqmException.transientFailure("queue at 10.0.0.7:6379 unreachable", null));
        }
        published.add(message);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public QueueConsumer consumer(String name) {
        throw new UnsupportedOperationException("ingress tests do not consume");
    }

    @Override
    public long depth() {
        return published.size();
    }

    @Override
    public Health health() {
        return down ? Health.down("down") : Health.up("up");
    }

    @Override
    public List<DeadLetter> deadLetters(int limit) {
        return List.of();
    }

    @Override
    public long deadLetterCount() {
        return 0;
    }

    @Override
    public void close() {
    }
}
