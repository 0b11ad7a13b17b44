package io.openhqm.plugin.egress.http;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.api.egress.Egress;
import io.openhqm.api.egress.EgressFactory;
import java.util.List;

/**
 * Creates {@link HttpEgress}es for {@code proxy.type = "http"} from the block {@code proxy}. The core owns and has
 * already checked {@code enabled}, {@code type}, {@code default_endpoint}, {@code forward_headers},
 * {@code strip_headers} and each endpoint's {@code url}, {@code method} and {@code allowed_methods}; this factory
 * checks every other key (see {@link HttpEgressConfig}). Thread-safe.
 */
public final class HttpEgressFactory implements EgressFactory {

    @Override
    public String type() {
        return "http";
    }

    @Override
    public List<String> validate(PluginConfig config) {
        return HttpEgressConfig.problems(config);
    }

    @Override
    public Egress create(PluginConfig config, PluginContext context) {
        return new HttpEgress(HttpEgressConfig.parse(config), context);
    }
}
