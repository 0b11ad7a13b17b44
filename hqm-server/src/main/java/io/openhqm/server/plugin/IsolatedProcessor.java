package io.openhqm.server.plugin;

import io.openhqm.api.message.Message;
import io.openhqm.api.processing.Attempt;
import io.openhqm.api.processing.BatchItem;
import io.openhqm.api.processing.Outcome;
import io.openhqm.api.processing.Processor;
import java.util.List;

/** A plugin's processor, every call entered with the plugin's class loader as context class loader. */
record IsolatedProcessor(Processor processor, ClassLoader loader) implements Processor {

    @Override
    public Outcome process(Message message, Attempt attempt) throws Exception {
        return ContextClassLoader.call(loader, () -> processor.process(message, attempt));
    }

    @Override
    public List<Outcome> processBatch(List<BatchItem> items) throws Exception {
        return ContextClassLoader.call(loader, () -> processor.processBatch(items));
    }

    @Override
    public void close() {
        ContextClassLoader.run(loader, processor::close);
    }
}
