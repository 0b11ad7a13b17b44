package io.openhqm.server.plugin;

import io.openhqm.api.message.Message;
import io.openhqm.api.processing.Attempt;
import io.openhqm.api.egress.Egress;
import io.openhqm.api.processing.Outcome;

/** A plugin's egress, every call entered with the plugin's class loader as context class loader. */
record IsolatedEgress(Egress egress, ClassLoader loader) implements Egress {

    @Override
    public Outcome send(Message message, Attempt attempt) throws Exception {
        return ContextClassLoader.call(loader, () -> egress.send(message, attempt));
    }

    @Override
    public void close() {
        ContextClassLoader.run(loader, egress::close);
    }
}
