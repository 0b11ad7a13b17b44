package io.openhqm.plugin.egress.http;

import io.openhqm.api.Plugin;
import io.openhqm.api.egress.EgressFactory;
import java.util.List;

/**
 * The HTTP egress plugin: with {@code proxy.enabled = true} and {@code proxy.type = "http"} (the default), workers
 * forward each message to a configured HTTP endpoint instead of running a processor. Configured by the block
 * {@code proxy}; see {@link HttpEgressFactory}.
 */
public final class HttpEgressPlugin implements Plugin {

    @Override
    public String spiVersion() {
        return Plugin.SPI_VERSION;
    }

    @Override
    public String name() {
        return "egress-http";
    }

    @Override
    public List<EgressFactory> egressFactories() {
        return List.of(new HttpEgressFactory());
    }
}
