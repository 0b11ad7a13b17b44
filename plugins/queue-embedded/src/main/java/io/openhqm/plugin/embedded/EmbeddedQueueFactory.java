package io.openhqm.plugin.embedded;

import static java.util.Objects.requireNonNull;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueFactory;
import io.openhqm.api.queue.QueueSettings;
import java.util.List;

/** Creates {@link EmbeddedQueue}s; {@code queue.type = "embedded"}. */
public final class EmbeddedQueueFactory implements QueueFactory {

    public static final String TYPE = "embedded";

    @Override
    public List<String> validate(PluginConfig config) {
        return EmbeddedQueueConfig.problems(config);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Queue create(PluginConfig config, QueueSettings settings, PluginContext context) {
        requireNonNull(config, "config is null");
        requireNonNull(settings, "settings is null");
        requireNonNull(context, "context is null");
        EmbeddedQueueConfig parsed = EmbeddedQueueConfig.parse(config, context.home());
        return new EmbeddedQueue(EmbeddedDatabase.of(parsed, context), settings, context.clock(),
                context.instanceId());
    }
}
