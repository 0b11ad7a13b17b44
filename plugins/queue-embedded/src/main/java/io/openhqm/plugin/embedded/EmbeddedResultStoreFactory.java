package io.openhqm.plugin.embedded;

import static java.util.Objects.requireNonNull;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.ResultStoreFactory;
import java.util.List;

/** Creates {@link EmbeddedResultStore}s; {@code results.type = "embedded"}. Shares the queue's database. */
public final class EmbeddedResultStoreFactory implements ResultStoreFactory {

    @Override
    public List<String> validate(PluginConfig config) {
        return EmbeddedQueueConfig.problems(config);
    }

    @Override
    public String type() {
        return EmbeddedQueueFactory.TYPE;
    }

    @Override
    public ResultStore create(PluginConfig config, ResultSettings settings, PluginContext context) {
        requireNonNull(config, "config is null");
        requireNonNull(settings, "settings is null");
        requireNonNull(context, "context is null");
        EmbeddedQueueConfig parsed = EmbeddedQueueConfig.parse(config, context.home());
        return new EmbeddedResultStore(EmbeddedDatabase.of(parsed, context), parsed, settings, context.clock());
    }
}
