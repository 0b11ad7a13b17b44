package io.openhqm.server.config;

import io.openhqm.api.PluginConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The validated server configuration: the core's own keys as records, and plugin-owned blocks as
 * {@link PluginConfig} views. Built once at startup by {@link ConfigLoader}.
 */
public record ServerConfig(
        Server server,
        Management management,
        QueueSection queue,
        Results results,
        Worker worker,
        Proxy proxy,
        Map<String, PluginConfig> processors,
        Plugins plugins,
        Monitoring monitoring) {

    /**
     * {@code server.*}: the HTTP listener. {@code maxBodyBytesInFlight} bounds the bytes of all request bodies
     * being received and parsed at once ({@code server.max_body_bytes_in_flight}; by default a quarter of the
     * maximum heap, and never less than {@code maxBodyBytes}). {@code mode} is {@code server.mode};
     * {@code proxyWait} is {@code server.proxy_wait}, how long a proxied request waits for its response.
     * {@code adminEnabled} is {@code server.admin.enabled}: whether the admin API answers when no admin key is set.
     */
    public record Server(String host, int port, long maxBodyBytes, Duration maxWait, Auth auth, Duration idleTimeout,
                         Duration requestParseTimeout, Duration noRequestTimeout, long maxBodyBytesInFlight,
                         Mode mode, Duration proxyWait, boolean adminEnabled) {
    }

    /** {@code server.mode}: what the listener does with a request outside the reserved paths. */
    public enum Mode {
        /** Answers 404: only the OpenHQM API is served. */
        API,
        /** Queues it as it is and answers with the backend's response (the transparent sidecar). */
        PROXY
    }

    /**
     * {@code server.auth.*}: optional ingress API keys (empty list = no authentication), and the keys of the admin
     * API, a separate list.
     */
    public record Auth(List<String> apiKeys, List<String> adminKeys) {
        public Auth(List<String> apiKeys) {
            this(apiKeys, List.of());
        }

        public boolean enabled() {
            return !apiKeys.isEmpty();
        }

        /** Never shows the keys: a logged configuration must not leak them. */
        @Override
        public String toString() {
            return "Auth[apiKeys=" + apiKeys.size() + " key(s), adminKeys=" + adminKeys.size() + " key(s), masked]";
        }
    }

    /** {@code management.*}: health and metrics port used in {@code worker} mode. */
    public record Management(String host, int port) {
    }

    /**
     * {@code queue.*}. {@code typeConfig} is the block {@code queue.<type>} (empty view if absent);
     * {@code maxDepth} 0 means unbounded.
     */
    public record QueueSection(String type, String requestQueueName, String dlqName, long maxDepth,
                               DlqRetention dlqRetention, PluginConfig typeConfig) {
    }

    /**
     * {@code queue.dlq_retention.*}: dead letters older than {@code maxAge} ({@link Duration#ZERO}: no age limit)
     * and the oldest beyond {@code maxCount} (0: no count limit) are removed every {@code interval}.
     */
    public record DlqRetention(Duration maxAge, long maxCount, Duration interval) {
        /** Whether either limit is set. */
        public boolean limited() {
            return !maxAge.isZero() || maxCount > 0;
        }
    }

    /**
     * {@code results.*}; {@code type} defaults to {@code queue.type}; {@code ttl} is {@code results.ttl_seconds};
     * {@code typeConfig} is the block {@code queue.<results type>}. {@code fallback} is the embedded store, for a
     * {@code results.type} left to default to a queue type whose plugin has no result store (see
     * {@link #installedOr}); {@code null} when {@code results.type} was given.
     */
    public record Results(String type, Duration ttl, PluginConfig typeConfig, Results fallback) {

        /** These results, or the fallback when {@code installed} says no plugin provides this type. */
        public Results installedOr(Predicate<String> installed) {
            return fallback == null || installed.test(type) ? this : fallback;
        }
    }

    /**
     * {@code worker.*}. {@code timeout} is {@code worker.timeout_seconds}; {@code processor} names the processor
     * type used when proxy is disabled (its settings are {@code processors.<type>}, if any); {@code writeResults}
     * is {@code worker.write_results}; {@code batchSize} and {@code batchWait} are {@code worker.batch_size} and
     * {@code worker.batch_wait}; {@code processingStatusDelay} is {@code worker.processing_status_delay}.
     */
    public record Worker(int count, Duration timeout, int maxRetries, Duration retryDelayBase,
                         Duration retryDelayMax, String processor, Duration shutdownGrace, int pollBatch,
                         boolean writeResults, int batchSize, Duration batchWait, Duration processingStatusDelay) {
    }

    /**
     * {@code proxy.*}. {@code type} selects the egress plugin; {@code defaultEndpoint} is an endpoint name
     * (a URL given in config is turned into an endpoint named {@code default}; with no default configured and
     * exactly one endpoint, that endpoint), or null when messages must name their endpoint. {@code endpoints}
     * is sorted by name. {@code egressKeys} are the full names of the keys the core leaves to the egress plugin
     * (its own settings under {@code proxy} and under each endpoint). {@code block} is the whole {@code proxy}
     * block handed to the egress plugin, normalized: every endpoint has {@code method} and
     * {@code allowed_methods} filled in, and {@code default_endpoint} holds the decided name.
     */
    public record Proxy(boolean enabled, String type, String defaultEndpoint, Map<String, Endpoint> endpoints,
                        List<String> forwardHeaders, List<String> stripHeaders, List<String> egressKeys,
                        PluginConfig block) {
    }

    /**
     * {@code proxy.endpoints.<name>}: where a worker may send. {@code method} is upper case;
     * {@code allowedMethods} are those a client may ask for via {@code metadata.method} and always include
     * {@code method}. Everything else about the endpoint is in {@link Proxy#block()} for the egress plugin.
     */
    public record Endpoint(String name, String url, String method, Set<String> allowedMethods) {
    }

    /** {@code plugins.*}: where plugin folders are; {@code plugins.dir} resolved against the home directory. */
    public record Plugins(Path directory) {
    }

    /** {@code monitoring.*}: {@code logLevel} upper case (TRACE..ERROR), {@code logFormat} lower case (json, text). */
    public record Monitoring(String logLevel, String logFormat) {
    }
}
