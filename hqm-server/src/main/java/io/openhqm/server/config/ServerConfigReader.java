package io.openhqm.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.openhqm.api.PluginConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks a resolved configuration against the schema and builds {@link ServerConfig} from it, collecting every
 * problem instead of stopping at the first. One instance reads one configuration.
 */
final class ServerConfigReader {
    /** The result store used when results.type defaults to a queue type that has none. */
    static final String EMBEDDED = "embedded";
    /** The endpoint a URL in proxy.default_endpoint becomes. */
    static final String URL_ENDPOINT_NAME = "default";
    static final List<String> HTTP_METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    static final List<String> LOG_LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
    static final List<String> LOG_FORMATS = List.of("json", "text");
    static final List<String> SERVER_MODES = List.of("api", "proxy");

    private static final Pattern TYPE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Set<String> QUEUE_CORE_KEYS = Set.of("type", "request_queue_name", "dlq_name", "max_depth",
            "dlq_retention");
    /** Stands for "a parent of this key is not an object", which is reported once by the structure check. */
    private static final ConfigValue BROKEN = ConfigValueFactory.fromAnyRef("<broken parent>");

    record Result(ServerConfig config, Config normalized, List<String> problems) {
    }

    private final Config config;
    private final Schema schema;
    private final Path home;
    private final List<String> problems = new ArrayList<>();
    private final Set<String> readPaths = new TreeSet<>();
    /** Keys under proxy and proxy.endpoints.<name> that the core leaves to the egress plugin to check. */
    private final Set<String> egressKeys = new TreeSet<>();

    ServerConfigReader(Config resolved, Schema schema, Path home) {
        this.config = restoreClearedBlocks(resolved, schema.reference().root(), "");
        this.schema = schema;
        this.home = home;
    }

    /** The core keys this reader looked at; every key of reference.conf must be among them. */
    Set<String> readPaths() {
        return Collections.unmodifiableSet(readPaths);
    }

    Result read() {
        checkStructure("", config.root(), schema.reference().root());

        String host = string("server.host");
        Long port = port("server.port");
        Long maxBody = size("server.max_body_bytes", 1);
        Duration maxWait = duration("server.max_wait", false);
        List<String> apiKeys = list("server.auth.api_keys");
        List<String> adminKeys = list("server.auth.admin_keys");
        Boolean adminEnabled = bool("server.admin.enabled");
        Duration idleTimeout = duration("server.idle_timeout", true);
        if (idleTimeout != null && maxWait != null && idleTimeout.compareTo(maxWait) <= 0) {
            problems.add("server.idle_timeout: must be longer than server.max_wait (" + describe(idleTimeout)
                    + " <= " + describe(maxWait) + "), or a waiting request would lose its connection"
                    + Values.origin(value("server.idle_timeout")));
        }
        Duration parseTimeout = duration("server.request_parse_timeout", true);
        Duration noRequestTimeout = duration("server.no_request_timeout", true);
        Long inFlight = bodyBytesInFlight(maxBody);
        String mode = oneOf("server.mode", SERVER_MODES, false);
        Duration proxyWait = duration("server.proxy_wait", false);
        if ("proxy".equals(mode) && proxyWait != null && idleTimeout != null
                && idleTimeout.compareTo(proxyWait) <= 0) {
            problems.add("server.proxy_wait: must be shorter than server.idle_timeout (" + describe(proxyWait)
                    + " >= " + describe(idleTimeout) + "), or a waiting request would lose its connection"
                    + Values.origin(value("server.proxy_wait")));
        }
        if (apiKeys != null && apiKeys.stream().anyMatch(String::isBlank)) {
            problems.add("server.auth.api_keys: an API key is empty; remove it or give it a value");
        }
        if (adminKeys != null && adminKeys.stream().anyMatch(String::isBlank)) {
            problems.add("server.auth.admin_keys: an admin key is empty; remove it or give it a value");
        }

        String mgmtHost = string("management.host");
        Long mgmtPort = port("management.port");

        String queueType = pluginType("queue.type");
        String requestQueue = string("queue.request_queue_name");
        String dlq = string("queue.dlq_name");
        if (requestQueue != null && requestQueue.equals(dlq)) {
            problems.add("queue.dlq_name: must differ from queue.request_queue_name (both are \"" + dlq + "\")");
        }
        Long maxDepth = whole("queue.max_depth", 0, Long.MAX_VALUE);
        Duration retentionAge = duration("queue.dlq_retention.max_age", false);
        Long retentionCount = whole("queue.dlq_retention.max_count", 0, Long.MAX_VALUE);
        Duration retentionInterval = duration("queue.dlq_retention.interval", true);

        String resultsType = Values.isNull(value("results.type")) ? null : pluginType("results.type");
        boolean resultsFollowQueue = resultsType == null;
        if (resultsFollowQueue) {
            resultsType = queueType;
        }
        Duration ttl = duration("results.ttl_seconds", true);

        Long count = whole("worker.count", 1, 100_000);
        Duration timeout = duration("worker.timeout_seconds", true);
        Long maxRetries = whole("worker.max_retries", 0, 1_000);
        Duration base = duration("worker.retry_delay_base", false);
        Duration max = duration("worker.retry_delay_max", false);
        if (base != null && max != null && max.compareTo(base) < 0) {
            problems.add("worker.retry_delay_max: must not be shorter than worker.retry_delay_base (" + describe(max)
                    + " < " + describe(base) + ")" + Values.origin(value("worker.retry_delay_max")));
        }
        String processor = typeName("worker.processor");
        Duration grace = duration("worker.shutdown_grace", false);
        Long pollBatch = whole("worker.poll_batch", 1, 10_000);
        Boolean writeResults = bool("worker.write_results");
        Long batchSize = whole("worker.batch_size", 1, 10_000);
        Duration batchWait = duration("worker.batch_wait", false);
        Duration processingStatusDelay = duration("worker.processing_status_delay", false);

        Boolean proxyEnabled = bool("proxy.enabled");
        String proxyType = typeName("proxy.type");
        List<String> forward = headerList("proxy.forward_headers");
        List<String> strip = headerList("proxy.strip_headers");
        Map<String, ConfigObject> normalizedEndpoints = new TreeMap<>();
        Map<String, ServerConfig.Endpoint> endpoints = readEndpoints(normalizedEndpoints);
        String defaultEndpoint = defaultEndpoint(Boolean.TRUE.equals(proxyEnabled), endpoints, normalizedEndpoints);

        Map<String, ConfigValue> processorBlocks = processorBlocks();

        Path pluginsDir = pluginsDir();
        String logLevel = oneOf("monitoring.log_level", LOG_LEVELS, true);
        String logFormat = oneOf("monitoring.log_format", LOG_FORMATS, false);

        if (batchSize != null && batchSize > 1) {
            if (count != null && batchSize > count) {
                problems.add("worker.batch_size: must not exceed worker.count (" + count + "), got " + batchSize
                        + Values.origin(value("worker.batch_size")));
            }
            if (Boolean.TRUE.equals(proxyEnabled)) {
                problems.add("worker.batch_size: batches are for processors; with proxy.enabled = true it must be 1"
                        + Values.origin(value("worker.batch_size")));
            }
        }

        if (!problems.isEmpty()) {
            return new Result(null, config, sortedDistinct(problems));
        }

        Config normalized = config
                .withValue("server.auth.api_keys", ConfigValueFactory.fromIterable(apiKeys))
                .withValue("server.auth.admin_keys", ConfigValueFactory.fromIterable(adminKeys))
                .withValue("results.type", ConfigValueFactory.fromAnyRef(resultsType))
                .withValue("proxy.default_endpoint", ConfigValueFactory.fromAnyRef(defaultEndpoint))
                .withValue("proxy.endpoints", ConfigValueFactory.fromMap(normalizedEndpoints))
                .withValue("proxy.forward_headers", ConfigValueFactory.fromIterable(forward))
                .withValue("proxy.strip_headers", ConfigValueFactory.fromIterable(strip))
                .withValue("monitoring.log_level", ConfigValueFactory.fromAnyRef(logLevel))
                .withValue("monitoring.log_format", ConfigValueFactory.fromAnyRef(logFormat));

        Map<String, PluginConfig> processors = new TreeMap<>();
        processorBlocks.forEach((name, v) -> processors.put(name, block(normalized, "processors", name)));

        ServerConfig sc = new ServerConfig(
                new ServerConfig.Server(host, port.intValue(), maxBody, maxWait,
                        new ServerConfig.Auth(apiKeys, adminKeys), idleTimeout, parseTimeout, noRequestTimeout,
                        inFlight, ServerConfig.Mode.valueOf(mode.toUpperCase(Locale.ROOT)), proxyWait, adminEnabled),
                new ServerConfig.Management(mgmtHost, mgmtPort.intValue()),
                new ServerConfig.QueueSection(queueType, requestQueue, dlq, maxDepth,
                        new ServerConfig.DlqRetention(retentionAge, retentionCount, retentionInterval),
                        block(normalized, "queue", queueType)),
                new ServerConfig.Results(resultsType, ttl, block(normalized, "queue", resultsType),
                        resultsFollowQueue && !resultsType.equals(EMBEDDED) ? new ServerConfig.Results(EMBEDDED, ttl,
                                block(normalized, "queue", EMBEDDED), null) : null),
                new ServerConfig.Worker(count.intValue(), timeout, maxRetries.intValue(), base, max, processor, grace,
                        pollBatch.intValue(), writeResults, batchSize.intValue(), batchWait, processingStatusDelay),
                new ServerConfig.Proxy(proxyEnabled, proxyType, defaultEndpoint, Collections.unmodifiableMap(
                        new LinkedHashMap<>(endpoints)), forward, strip, List.copyOf(egressKeys),
                        TypesafePluginConfig.of(normalized, "proxy")),
                Collections.unmodifiableMap(new LinkedHashMap<>(processors)),
                new ServerConfig.Plugins(pluginsDir),
                new ServerConfig.Monitoring(logLevel, logFormat));
        return new Result(sc, normalized, List.of());
    }

    /**
     * A core block set to null (in YAML, "server:" with nothing under it) means its defaults: put the reference
     * block back, so that reading and rendering both see the defaults.
     */
    private static Config restoreClearedBlocks(Config config, ConfigObject reference, String prefix) {
        Config out = config;
        for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
            if (!(e.getValue() instanceof ConfigObject refBlock)) {
                continue;
            }
            String path = prefix + ConfigUtil.joinPath(e.getKey());
            if (out.hasPathOrNull(path) && out.getIsNull(path)) {
                out = out.withValue(path, refBlock);
            } else if (out.hasPath(path) && out.getValue(path) instanceof ConfigObject) {
                out = restoreClearedBlocks(out, refBlock, path + ".");
            }
        }
        return out;
    }

    private static PluginConfig block(Config root, String parent, String name) {
        return TypesafePluginConfig.of(root, parent + "." + ConfigUtil.joinPath(name));
    }

    // ---------------------------------------------------------------- structure (unknown keys)

    private void checkStructure(String path, ConfigObject actual, ConfigObject reference) {
        for (Map.Entry<String, ConfigValue> e : new TreeMap<>(actual).entrySet()) {
            String name = e.getKey();
            ConfigValue v = e.getValue();
            String full = path.isEmpty() ? ConfigUtil.joinPath(name) : path + "." + ConfigUtil.joinPath(name);
            ConfigValue ref = reference.get(name);
            if (ref != null) {
                if (ref.valueType() != ConfigValueType.OBJECT || Values.isNull(v)) {
                    continue; // leaves are type-checked when read; a null block means "defaults"
                }
                if (v.valueType() != ConfigValueType.OBJECT) {
                    problems.add(Values.wrongType(full, "a block of settings (an object)", v));
                } else if (!full.equals("processors") && !full.equals(Schema.ENDPOINTS)) {
                    checkStructure(full, (ConfigObject) v, (ConfigObject) ref);
                }
                continue;
            }
            if (Schema.PLUGIN_PARENTS.contains(path) && (v.valueType() == ConfigValueType.OBJECT || Values.isNull(v))) {
                continue; // queue.<type>: a plugin-owned block
            }
            if (path.equals("proxy")) {
                egressKeys.add(full); // the egress plugin's own setting
                continue;
            }
            unknownKey(full, path, name, v, reference.keySet(),
                    Schema.PLUGIN_PARENTS.contains(path)
                            ? "; a queue plugin's settings go in a block such as queue.redis { url = \"...\" }"
                            : "; remove it, or see docs/configuration.md for the valid keys");
        }
    }

    private void unknownKey(String full, String parent, String name, ConfigValue v, Set<String> siblings,
                            String advice) {
        String suggestion = schema.suggest(parent, name, siblings, Schema.leafPathsOf(name, v))
                .map(s -> " (did you mean " + s + "?)").orElse("");
        problems.add(full + ": unknown key" + suggestion + Values.origin(v) + (suggestion.isEmpty() ? advice : ""));
    }

    // ---------------------------------------------------------------- core values

    /** The value at a core path: null if absent, {@link #BROKEN} if a parent is not an object. */
    private ConfigValue value(String path) {
        readPaths.add(path);
        ConfigValue v = config.root();
        for (String segment : path.split("\\.")) {
            if (Values.isNull(v)) {
                return schema.referenceValue(List.of(path.split("\\."))).orElse(null); // a cleared block
            }
            if (!(v instanceof ConfigObject o)) {
                return BROKEN;
            }
            v = o.get(segment);
        }
        return v;
    }

    private interface Reader<T> {
        T read(ConfigValue v) throws Values.Mismatch;
    }

    /** The converted value, or null after adding a problem (or when a parent is broken). */
    private <T> T get(String path, Reader<T> reader, boolean nullable) {
        ConfigValue v = value(path);
        if (v == BROKEN) {
            return null;
        }
        if (Values.isNull(v)) {
            if (!nullable) {
                ConfigValue def = schema.referenceValue(List.of(path.split("\\."))).orElse(null);
                problems.add(path + ": must have a value, got null" + Values.origin(v) + "; remove the line to use "
                        + "the default " + (def == null ? "" : def.render()));
            }
            return null;
        }
        try {
            return reader.read(v);
        } catch (Values.Mismatch e) {
            problems.add(Values.wrongType(path, e.expected, v));
            return null;
        }
    }

    private String string(String path) {
        String s = get(path, Values::string, false);
        if (s != null && s.isBlank()) {
            problems.add(path + ": must not be empty" + Values.origin(value(path)));
            return null;
        }
        return s;
    }

    private String typeName(String path) {
        String s = string(path);
        if (s != null && !TYPE_NAME.matcher(s).matches()) {
            problems.add(path + ": " + Values.quote(s) + " is not a plugin type name (letters, digits, '-' and '_')"
                    + Values.origin(value(path)));
            return null;
        }
        return s;
    }

    /** A type whose settings block is queue.<type>, so it must not be one of queue's own keys. */
    private String pluginType(String path) {
        String type = typeName(path);
        if (type != null && QUEUE_CORE_KEYS.contains(type)) {
            problems.add(path + ": \"" + type + "\" is a core key of queue, not a plugin type; use embedded, redis, "
                    + "kafka or a plugin's type" + Values.origin(value(path)));
            return null;
        }
        return type;
    }

    private Long whole(String path, long min, long max) {
        Long n = get(path, v -> Values.wholeNumber(v, Long.MIN_VALUE, Long.MAX_VALUE), false);
        if (n != null && (n < min || n > max)) {
            String range = max == Long.MAX_VALUE ? "at least " + min : "between " + min + " and " + max;
            problems.add(path + ": must be " + range + ", got " + n + Values.origin(value(path)));
            return null;
        }
        return n;
    }

    /** {@code server.max_body_bytes_in_flight}, or by default a quarter of the maximum heap. */
    private Long bodyBytesInFlight(Long maxBody) {
        String path = "server.max_body_bytes_in_flight";
        if (Values.isNull(value(path))) {
            return maxBody == null ? null : Math.max(Runtime.getRuntime().maxMemory() / 4, maxBody);
        }
        Long n = size(path, 1);
        if (n != null && maxBody != null && n < maxBody) {
            problems.add(path + ": must be at least server.max_body_bytes (" + maxBody + "), got " + n
                    + "; a body of the largest accepted size could never be received" + Values.origin(value(path)));
            return null;
        }
        return n;
    }

    private Long port(String path) {
        return whole(path, 0, 65_535);
    }

    private Long size(String path, long min) {
        Long n = get(path, Values::bytes, false);
        if (n != null && n < min) {
            problems.add(path + ": must be at least " + min + " byte(s), got " + n + Values.origin(value(path)));
            return null;
        }
        return n;
    }

    private Boolean bool(String path) {
        return get(path, Values::bool, false);
    }

    private Duration duration(String path, boolean positive) {
        Duration d = get(path, Values::duration, false);
        if (d != null && (d.isNegative() || positive && d.isZero())) {
            problems.add(path + ": must be " + (positive ? "greater than zero" : "zero or more") + ", got "
                    + describe(d) + Values.origin(value(path)));
            return null;
        }
        return d;
    }

    private List<String> list(String path) {
        ConfigValue v = value(path);
        if (Values.isNull(v) && v != BROKEN) {
            return List.of(); // "forward_headers:" with nothing in YAML
        }
        return get(path, Values::stringList, false);
    }

    private List<String> headerList(String path) {
        List<String> names = list(path);
        if (names == null) {
            return null;
        }
        for (String name : names) {
            if (!HEADER_NAME.matcher(name).matches()) {
                problems.add(path + ": " + Values.quote(name) + " is not a valid HTTP header name"
                        + Values.origin(value(path)));
                return null;
            }
        }
        return names;
    }

    private String oneOf(String path, List<String> allowed, boolean upperCase) {
        String s = string(path);
        if (s == null) {
            return null;
        }
        String normal = upperCase ? s.toUpperCase(Locale.ROOT) : s.toLowerCase(Locale.ROOT);
        if (!allowed.contains(normal)) {
            problems.add(path + ": must be one of " + String.join(", ", allowed) + ", got " + Values.quote(s)
                    + Values.origin(value(path)));
            return null;
        }
        return normal;
    }

    private Path pluginsDir() {
        String dir = string("plugins.dir");
        if (dir == null) {
            return null;
        }
        try {
            Path p = Path.of(dir);
            return (p.isAbsolute() ? p : home.resolve(p)).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            problems.add("plugins.dir: " + Values.quote(dir) + " is not a valid path" + Values.origin(value("plugins.dir")));
            return null;
        }
    }

    private Map<String, ConfigValue> processorBlocks() {
        ConfigValue v = value("processors");
        Map<String, ConfigValue> out = new TreeMap<>();
        if (!(v instanceof ConfigObject o)) {
            return out; // null, or already reported by the structure check
        }
        for (Map.Entry<String, ConfigValue> e : new TreeMap<>(o).entrySet()) {
            String full = "processors." + ConfigUtil.joinPath(e.getKey());
            if (Values.isNull(e.getValue()) || e.getValue().valueType() == ConfigValueType.OBJECT) {
                out.put(e.getKey(), e.getValue());
            } else {
                problems.add(Values.wrongType(full, "a block of settings (an object) for processor plugin \""
                        + e.getKey() + "\"", e.getValue()));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- proxy endpoints

    private Map<String, ServerConfig.Endpoint> readEndpoints(Map<String, ConfigObject> normalized) {
        Map<String, ServerConfig.Endpoint> endpoints = new TreeMap<>();
        ConfigValue all = value(Schema.ENDPOINTS);
        if (!(all instanceof ConfigObject o)) {
            return endpoints; // null = none; a non-object was reported by the structure check
        }
        for (Map.Entry<String, ConfigValue> e : new TreeMap<>(o).entrySet()) {
            String name = e.getKey();
            String full = Schema.ENDPOINTS + "." + ConfigUtil.joinPath(name);
            ConfigValue v = e.getValue();
            if (!TYPE_NAME.matcher(name).matches()) {
                problems.add(full + ": \"" + name + "\" is not a valid endpoint name; use letters, digits, '-' and '_'"
                        + Values.origin(v));
                continue;
            }
            if (Values.isNull(v) || v.valueType() != ConfigValueType.OBJECT) {
                problems.add(Values.wrongType(full, "an endpoint block with at least a url", v));
                continue;
            }
            ConfigObject block = (ConfigObject) v;
            ServerConfig.Endpoint endpoint = readEndpoint(name, full, block, normalized);
            if (endpoint != null) {
                endpoints.put(name, endpoint);
            }
        }
        return endpoints;
    }

    private ServerConfig.Endpoint readEndpoint(String name, String full, ConfigObject block,
                                               Map<String, ConfigObject> normalized) {
        int before = problems.size();
        Map<String, Object> typed = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : new TreeMap<>(block).entrySet()) {
            String key = e.getKey();
            ConfigValue v = e.getValue();
            Schema.Kind kind = Schema.ENDPOINT_KEYS.get(key);
            if (kind == null) {
                egressKeys.add(full + "." + ConfigUtil.joinPath(key));
            } else if (!Values.isNull(v)) {
                Object converted = convert(full + "." + key, kind, v);
                if (converted != null) {
                    typed.put(key, converted);
                }
            }
        }
        String at = full + ".";

        String url = (String) typed.get("url");
        if (Values.isNull(block.get("url"))) {
            problems.add(at + "url: is required; give the endpoint's http:// or https:// URL" + Values.origin(block));
        } else if (url != null) {
            String bad = urlProblem(url);
            if (bad != null) {
                problems.add(at + "url: " + Values.quote(Secrets.maskUrlCredentials(url)) + " " + bad
                        + Values.origin(block.get("url")));
            }
        }

        String method = method(at + "method", (String) typed.getOrDefault("method", "POST"), block.get("method"));
        Set<String> methods = new LinkedHashSet<>();
        @SuppressWarnings("unchecked")
        List<String> given = (List<String>) typed.get("allowed_methods");
        for (String m : given == null ? List.<String>of() : given) {
            String checked = method(at + "allowed_methods", m, block.get("allowed_methods"));
            if (checked != null) {
                methods.add(checked);
            }
        }
        if (method != null) {
            methods.add(method); // the configured method is always allowed
        }

        if (problems.size() > before) {
            return null;
        }
        normalized.put(name, block
                .withValue("url", ConfigValueFactory.fromAnyRef(url.strip(), block.get("url").origin().description()))
                .withValue("method", ConfigValueFactory.fromAnyRef(method))
                .withValue("allowed_methods", ConfigValueFactory.fromIterable(methods)));
        return new ServerConfig.Endpoint(name, url.strip(), method, Collections.unmodifiableSet(methods));
    }

    private String method(String path, String method, ConfigValue origin) {
        String upper = method.strip().toUpperCase(Locale.ROOT);
        if (!HTTP_METHODS.contains(upper)) {
            problems.add(path + ": " + Values.quote(method) + " is not a supported HTTP method; use one of "
                    + String.join(", ", HTTP_METHODS) + Values.origin(origin));
            return null;
        }
        return upper;
    }

    /** Why a URL cannot be an endpoint, or null if it can. */
    static String urlProblem(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            return "is not a valid URL; write it as http(s)://host[:port]/path";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return "is not an http:// or https:// URL; write it as http(s)://host[:port]/path";
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return "has no host; write it as http(s)://host[:port]/path";
        }
        if (uri.getRawUserInfo() != null) {
            return "contains credentials; put them in auth_type = basic with auth_username and auth_password";
        }
        return null;
    }

    private Object convert(String path, Schema.Kind kind, ConfigValue v) {
        try {
            return switch (kind) {
                case STRING -> Values.string(v);
                case STRING_LIST -> Values.stringList(v);
            };
        } catch (Values.Mismatch e) {
            problems.add(Values.wrongType(path, e.expected, v));
            return null;
        }
    }

    private String defaultEndpoint(boolean enabled, Map<String, ServerConfig.Endpoint> endpoints,
                                   Map<String, ConfigObject> normalized) {
        ConfigValue v = value("proxy.default_endpoint");
        String given = Values.isNull(v) || v == BROKEN ? null : get("proxy.default_endpoint", Values::string, true);
        if (given != null && given.isBlank()) {
            given = null;
        }
        String result = given;
        if (given != null && given.contains("://")) {
            String bad = urlProblem(given);
            ConfigValue declared = value(Schema.ENDPOINTS);
            if (bad != null) {
                problems.add("proxy.default_endpoint: " + Values.quote(Secrets.maskUrlCredentials(given)) + " " + bad
                        + Values.origin(v));
                return null;
            }
            if (declared instanceof ConfigObject o && o.containsKey(URL_ENDPOINT_NAME)) {
                problems.add("proxy.default_endpoint: is a URL, which defines an endpoint named \"" + URL_ENDPOINT_NAME
                        + "\", but proxy.endpoints." + URL_ENDPOINT_NAME + " is configured too; name that endpoint "
                        + "here instead, or rename it" + Values.origin(v));
                return null;
            }
            String url = given.strip();
            Set<String> methods = Collections.unmodifiableSet(new LinkedHashSet<>(HTTP_METHODS));
            endpoints.put(URL_ENDPOINT_NAME, new ServerConfig.Endpoint(URL_ENDPOINT_NAME, url, "POST", methods));
            Map<String, Object> block = new LinkedHashMap<>();
            block.put("url", url);
            block.put("method", "POST");
            block.put("allowed_methods", HTTP_METHODS);
            normalized.put(URL_ENDPOINT_NAME, ConfigValueFactory.fromMap(block, v.origin().description()));
            result = URL_ENDPOINT_NAME;
        } else if (given != null) {
            ConfigValue declared = value(Schema.ENDPOINTS);
            Set<String> names = declared instanceof ConfigObject o ? new TreeSet<>(o.keySet()) : Set.of();
            if (!names.contains(given)) {
                problems.add("proxy.default_endpoint: names endpoint \"" + given + "\", which is not configured"
                        + (names.isEmpty() ? "" : " (configured endpoints: " + String.join(", ", names) + ")")
                        + Values.origin(v) + "; " + (names.isEmpty() ? "" : "use one of those names, ")
                        + "define proxy.endpoints." + given + ", or give a URL");
                return null;
            }
        } else if (endpoints.size() == 1) {
            result = endpoints.keySet().iterator().next();
        }
        ConfigValue declared = value(Schema.ENDPOINTS);
        boolean anyDeclared = declared instanceof ConfigObject o && !o.isEmpty();
        if (enabled && endpoints.isEmpty() && !anyDeclared) {
            problems.add("proxy.enabled: is true but no endpoint is configured; add proxy.endpoints.<name> "
                    + "{ url = \"https://...\" }, set proxy.default_endpoint to a URL, or set proxy.enabled = false"
                    + Values.origin(value("proxy.enabled")));
        }
        return result;
    }

    // ---------------------------------------------------------------- helpers

    /** A duration as written back into the normalized config: whole seconds as a number, else milliseconds. */
    private static Object render(Duration d) {
        if (d.toNanos() % 1_000_000_000L == 0) {
            return d.toSeconds();
        }
        return d.toMillis() + "ms";
    }

    private static String describe(Duration d) {
        return d.toNanos() % 1_000_000_000L == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static List<String> sortedDistinct(List<String> in) {
        return List.copyOf(new TreeSet<>(in));
    }
}
