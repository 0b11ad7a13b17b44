package io.openhqm.plugin.redis;

import io.openhqm.api.HqmException;
import io.openhqm.api.PluginConfig;
import io.openhqm.api.PluginContext;
import io.openhqm.toolkit.ConfigProblems;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The block {@code queue.redis}, parsed once and checked as a whole: every problem is reported in one
 * {@link HqmException} naming the full key. Queue and result store read the same block and share one
 * connection when their settings are equal (this record's {@code equals}).
 *
 * <p>{@link #toString()} never shows the password.
 *
 * @param url                the Redis URI with credentials removed ({@code redis://host:port/db} or {@code rediss://})
 * @param username           ACL user, from the URL's user info or {@code username}; {@code null} for none
 * @param password           password, from the URL's user info or {@code password}; {@code null} for none
 * @param tls                whether the connection uses TLS ({@code rediss://})
 * @param tlsVerifyPeer      whether a TLS server certificate is verified
 * @param host               server host
 * @param port               server port
 * @param database           database number, from the URL's path or {@code db}
 * @param consumerGroup      the consumer group of the worker pool
 * @param consumerName       the consumer name, or {@code null} for the process's instance id
 * @param visibilityTimeout  how long a delivered message may stay unsettled (and unrenewed) before another
 *                           consumer reclaims it
 * @param batchSize          upper bound of entries per read, reclaim or move step
 * @param maxStreamLength    approximate cap of the request stream (0 = none)
 * @param dlqMaxLength       approximate cap of the dead-letter stream (0 = none)
 * @param keyPrefix          prefix of the plugin's own keys (results, delayed set, channels)
 * @param connectTimeout     TCP connect timeout
 * @param commandTimeout     how long any command may take before it fails
 * @param reconnectDelayMax  upper bound of the backoff between reconnect attempts
 */
record RedisConfig(String url, String username, String password, boolean tls, boolean tlsVerifyPeer, String host,
                   int port, int database, String consumerGroup, String consumerName, Duration visibilityTimeout,
                   int batchSize, long maxStreamLength, long dlqMaxLength, String keyPrefix,
                   Duration connectTimeout, Duration commandTimeout, Duration reconnectDelayMax) {

    static final String DEFAULT_GROUP = "openhqm-workers";
    static final Set<String> KEYS = Set.of("url", "username", "password", "db", "tls_verify_peer", "consumer_group",
            "consumer_name", "visibility_timeout", "batch_size", "max_stream_length",
            "dlq_max_length", "key_prefix", "connect_timeout", "command_timeout", "reconnect_delay_max");

    private static final Pattern REDIS_URL = Pattern.compile("(?i)(rediss?)://(?:([^@/?#]*)@)?([^/?#]*)(/[^?#]*)?(\\?.*)?");

    /** Parses and checks the block; throws one CONFIG exception naming every problem. */
    static RedisConfig parse(PluginConfig config) {
        ConfigProblems problems = new ConfigProblems(config);
        for (String unknown : config.unknownKeys(KEYS)) {
            if (unknown.endsWith(".max_deliveries")) {
                problems.addSentence(unknown + ": no longer used: worker.max_retries bounds the deliveries of a"
                        + " message on every queue; remove the key");
                continue;
            }
            problems.addSentence(unknown + ": unknown key; queue.redis takes "
                    + String.join(", ", KEYS.stream().sorted().toList()));
        }

        String rawUrl = problems.read("url", config::string).orElse(null);
        String username = null;
        String password = null;
        String host = null;
        int port = 6379;
        int database = 0;
        boolean tls = false;
        String url = null;
        if (rawUrl == null) {
            if (!config.has("url")) {
                problems.add("url", "missing; set the Redis server, e.g. queue.redis.url = \"redis://localhost:6379\"");
            }
        } else {
            Matcher m = REDIS_URL.matcher(rawUrl.trim());
            String shown = "\"" + maskUrl(rawUrl) + "\"";
            if (!m.matches()) {
                problems.add("url", shown + " is not a Redis URI (expected redis://host:port, rediss://host:port"
                        + " for TLS, optionally with user:password@ and /database)");
            } else {
                tls = m.group(1).equalsIgnoreCase("rediss");
                String userInfo = m.group(2);
                if (userInfo != null && !userInfo.isEmpty()) {
                    int colon = userInfo.indexOf(':');
                    String user = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo);
                    String pass = colon >= 0 ? decode(userInfo.substring(colon + 1)) : null;
                    if (pass == null) {
                        // redis://secret@host: a lone user info is the password (as redis-cli and Lettuce read it).
                        password = user;
                    } else {
                        username = user.isEmpty() ? null : user;
                        password = pass;
                    }
                }
                String hostPort = m.group(3);
                try {
                    URI parsed = new URI("redis://" + hostPort);
                    host = parsed.getHost();
                    if (parsed.getPort() >= 0) {
                        port = parsed.getPort();
                    }
                    if (host == null || host.isEmpty() || (hostPort.contains(":") && parsed.getPort() < 0
                            && !hostPort.startsWith("["))) {
                        throw new URISyntaxException(hostPort, "no host");
                    }
                } catch (URISyntaxException e) {
                    problems.add("url", shown + " has no valid host:port (expected redis://host:port)");
                }
                String db = m.group(4);
                if (db != null && db.length() > 1) {
                    try {
                        database = Integer.parseInt(db.substring(1));
                        if (database < 0) {
                            throw new NumberFormatException();
                        }
                    } catch (NumberFormatException e) {
                        problems.add("url", shown + " names database \"" + db.substring(1)
                                + "\"; the path must be a database number such as /0");
                    }
                }
                if (m.group(5) != null) {
                    problems.add("url", shown + " has query parameters, which are not supported; use the keys"
                            + " of queue.redis (e.g. connect_timeout) instead");
                }
                url = (tls ? "rediss://" : "redis://") + hostPort + (database != 0 ? "/" + database : "");
            }
        }
        Optional<String> user = problems.read("username", config::string);
        if (user.isPresent()) {
            username = user.get().isEmpty() ? null : user.get();
        }
        Optional<String> pass = problems.read("password", config::string);
        if (pass.isPresent()) {
            password = pass.get().isEmpty() ? null : pass.get();
        }
        Optional<Integer> db = problems.read("db", config::integer);
        if (db.isPresent()) {
            atLeast(problems, "db", db.get(), 0);
            database = db.get();
            if (url != null) {
                url = url.replaceFirst("/\\d+$", "") + (database != 0 ? "/" + database : "");
            }
        }
        boolean verify = problems.read("tls_verify_peer", config::bool).orElse(true);
        String group = problems.read("consumer_group", config::string).orElse(DEFAULT_GROUP);
        if (group.isBlank()) {
            problems.add("consumer_group", "must not be empty");
        }
        String consumer = problems.read("consumer_name", config::string).filter(s -> !s.isBlank()).orElse(null);
        Duration visibility = problems.read("visibility_timeout", config::duration).orElse(Duration.ofSeconds(60));
        atLeast(problems, "visibility_timeout", visibility, Duration.ofMillis(500));
        int batch = problems.read("batch_size", config::integer).orElse(100);
        atLeast(problems, "batch_size", batch, 1);
        long maxLen = problems.read("max_stream_length", config::longValue).orElse(0L);
        atLeast(problems, "max_stream_length", maxLen, 0);
        long dlqMax = problems.read("dlq_max_length", config::longValue).orElse(100_000L);
        atLeast(problems, "dlq_max_length", dlqMax, 0);
        String prefix = problems.read("key_prefix", config::string).orElse("openhqm:");
        Duration connect = problems.read("connect_timeout", config::duration).orElse(Duration.ofSeconds(2));
        atLeast(problems, "connect_timeout", connect, Duration.ofMillis(100));
        Duration command = problems.read("command_timeout", config::duration).orElse(Duration.ofSeconds(5));
        atLeast(problems, "command_timeout", command, Duration.ofMillis(200));
        Duration reconnect = problems.read("reconnect_delay_max", config::duration).orElse(Duration.ofSeconds(2));
        atLeast(problems, "reconnect_delay_max", reconnect, Duration.ofMillis(10));

        problems.throwIfAny();
        return new RedisConfig(url, username, password, tls, verify, host, port, database, group, consumer,
                visibility, batch, maxLen, dlqMax, prefix, connect, command, reconnect);
    }

    /** The consumer name of a process: {@code consumer_name} or the process's instance id. */
    String consumerName(PluginContext context) {
        return consumerName != null ? consumerName : context.instanceId();
    }

    @Override
    public String toString() {
        return "RedisConfig[" + url + (username != null ? ", user " + username : "")
                + (password != null ? ", password ****" : "") + ", group " + consumerGroup + "]";
    }

    /** Masks the user information of a Redis URL: {@code redis://user:****@host}, {@code redis://****@host}. */
    static String mask(String url) {
        if (url == null) {
            return null;
        }
        return url.replaceAll("(?i)([a-z][a-z0-9+.\\-]*://)([^/?#@\\s:]*):[^/?#@\\s]*@", "$1$2:****@")
                .replaceAll("(?i)([a-z][a-z0-9+.\\-]*://)[^/?#@\\s:]+@", "$1****@");
    }

    /**
     * Masks the user information of a value meant to be a URL, even a malformed one: everything between the last
     * {@code /} before the last {@code @} and that {@code @}.
     */
    static String maskUrl(String url) {
        int at = url.lastIndexOf('@');
        if (at < 0) {
            return url;
        }
        int start = url.lastIndexOf('/', at) + 1;
        String userInfo = url.substring(start, at);
        int colon = userInfo.indexOf(':');
        return url.substring(0, start) + (colon >= 0 ? userInfo.substring(0, colon + 1) + "****" : "****")
                + url.substring(at);
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void atLeast(ConfigProblems problems, String key, long value, long min) {
        if (value < min) {
            problems.add(key, value + " is too small (at least " + min + ")");
        }
    }

    private static void atLeast(ConfigProblems problems, String key, Duration value, Duration min) {
        if (value.compareTo(min) < 0) {
            problems.add(key, value.toMillis() + " ms is too short (at least " + min.toMillis() + " ms)");
        }
    }

    /** What {@link #parse} would reject in {@code config}, as sentences naming each key; empty if valid. */
    static List<String> problems(PluginConfig config) {
        return ConfigProblems.of(() -> parse(config));
    }
}
