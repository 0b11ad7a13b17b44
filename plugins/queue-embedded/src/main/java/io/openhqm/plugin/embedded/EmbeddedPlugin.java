package io.openhqm.plugin.embedded;

import io.openhqm.api.Plugin;
import io.openhqm.api.queue.QueueFactory;
import io.openhqm.api.result.ResultStoreFactory;
import java.util.List;

/** The embedded durable queue and result store on SQLite, selected by {@code queue.type = "embedded"}. */
public final class EmbeddedPlugin implements Plugin {

    @Override
    public String spiVersion() {
        return Plugin.SPI_VERSION;
    }

    @Override
    public String name() {
        return "queue-embedded";
    }

    @Override
    public List<QueueFactory> queueFactories() {
        return List.of(new EmbeddedQueueFactory());
    }

    @Override
    public List<ResultStoreFactory> resultStoreFactories() {
        return List.of(new EmbeddedResultStoreFactory());
    }
}
