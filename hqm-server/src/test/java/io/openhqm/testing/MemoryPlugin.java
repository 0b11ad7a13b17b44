package io.openhqm.testing;

import io.openhqm.api.Plugin;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.message.Message;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueFactory;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.ResultStoreFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The in-memory queue and result store as a plugin of type {@code memory} (listed in this test class path's
 * {@code META-INF/services}), for tests of the whole server that must see what the core published or make the
 * backend fail.
 */
public final class MemoryPlugin implements Plugin {
    private static final List<InMemoryQueue> QUEUES = new CopyOnWriteArrayList<>();
    private static final List<InMemoryResultStore> STORES = new CopyOnWriteArrayList<>();

    /** The message the core published under {@code correlationId}, or {@code null}. */
    public static Message published(String correlationId) {
        return QUEUES.stream().flatMap(queue -> queue.published.stream())
                .filter(message -> message.correlationId().equals(correlationId)).findFirst().orElse(null);
    }

    /** Makes every memory queue and store fail with {@code failure}, or work again with {@code null}. */
    public static void fail(RuntimeException failure) {
        QUEUES.forEach(queue -> queue.failure = failure);
        STORES.forEach(store -> store.failure = failure);
    }

    @Override
    public String spiVersion() {
        return SPI_VERSION;
    }

    @Override
    public List<QueueFactory> queueFactories() {
        return List.of(new QueueFactory() {
            @Override
            public String type() {
                return "memory";
            }

            @Override
            public Queue create(PluginConfig config, QueueSettings settings, PluginContext context) {
                InMemoryQueue queue = new InMemoryQueue();
                QUEUES.add(queue);
                return queue;
            }
        });
    }

    @Override
    public List<ResultStoreFactory> resultStoreFactories() {
        return List.of(new ResultStoreFactory() {
            @Override
            public String type() {
                return "memory";
            }

            @Override
            public ResultStore create(PluginConfig config, ResultSettings settings, PluginContext context) {
                InMemoryResultStore store = new InMemoryResultStore();
                STORES.add(store);
                return store;
            }
        });
    }
}
