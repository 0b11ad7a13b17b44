package io.openhqm.api.processing;

import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;

/**
 * Creates {@link Egress}es of one type; used instead of a processor when {@code proxy.enabled = true},
 * selected by {@code proxy.type} (default {@code "http"}). Thread-safe.
 */
public interface EgressFactory {

    /** The type name, e.g. {@code "http"}. */
    String type();

    /**
     * Creates the egress.
     *
     * @param config  the block {@code proxy}: endpoints, auth, forward and strip headers, and the
     *                egress's own keys; reject unknown keys
     * @param context server services
     */
    Egress create(PluginConfig config, PluginContext context);
}
