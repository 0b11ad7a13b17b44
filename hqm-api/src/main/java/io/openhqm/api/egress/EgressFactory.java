package io.openhqm.api.egress;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import java.util.List;

/**
 * Creates {@link Egress}es of one type; used instead of a processor when {@code proxy.enabled = true},
 * selected by {@code proxy.type} (default {@code "http"}). Thread-safe.
 */
public interface EgressFactory {

    /** The type name, e.g. {@code "http"}. */
    String type();

    /**
     * Checks {@code config} without connecting to anything or creating anything, for {@code check-config}:
     * every problem as a sentence naming its full key; empty when valid. The default finds nothing, so problems
     * show when the adapter is created at startup.
     */
    default List<String> validate(PluginConfig config) {
        return List.of();
    }

    /**
     * Creates the egress.
     *
     * @param config  the block {@code proxy}: endpoints, auth, forward and strip headers, and the
     *                egress's own keys; reject unknown keys
     * @param context server services
     */
    Egress create(PluginConfig config, PluginContext context);
}
