package io.openhqm.plugin.egress.http;

import io.openhqm.api.HqmException;
import io.openhqm.api.PluginConfig;
import io.openhqm.toolkit.ConfigProblems;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The block {@code proxy}, parsed once and checked as a whole: every problem is reported in one {@link HqmException}
 * naming the full key, and no problem shows a secret (tokens, passwords, signing secrets, static header values).
 *
 * <p>The core owns {@code enabled}, {@code type}, {@code default_endpoint}, {@code endpoints},
 * {@code forward_headers}, {@code strip_headers} and each endpoint's {@code url}, {@code method} and
 * {@code allowed_methods}: they are read here, never rejected. Every other key is this plugin's.
 *
 * @param path             the block's full key, {@code proxy}
 * @param defaultEndpoint  the endpoint of messages that name none, or {@code null}
 * @param endpoints        the endpoints by name
 * @param stripHeaders     header names (lower-case) never forwarded from a message
 * @param maxResponseBytes the largest response body accepted
 */
record HttpEgressConfig(String path, String defaultEndpoint, Map<String, EndpointConfig> endpoints,
                        Set<String> stripHeaders, long maxResponseBytes) {

    static final long DEFAULT_MAX_RESPONSE_BYTES = 10L * 1024 * 1024;
    static final long MAX_RESPONSE_BYTES_LIMIT = Integer.MAX_VALUE - 16;
    static final Set<Integer> DEFAULT_RETRY_ON_STATUS = Collections.unmodifiableSet(new TreeSet<>(
            Stream.concat(Stream.of(408, 429), IntStream.rangeClosed(500, 599).boxed()).toList()));

    static final Set<String> CORE_KEYS = Set.of("enabled", "type", "default_endpoint", "endpoints", "forward_headers",
            "strip_headers");
    static final Set<String> OWN_KEYS = Set.of("max_response_bytes");
    /** {@code methods} is the core's earlier name of {@code allowed_methods}, read the same way. */
    static final Set<String> CORE_ENDPOINT_KEYS = Set.of("url", "method", "allowed_methods");
    static final Set<String> OWN_ENDPOINT_KEYS = Set.of("timeout", "connect_timeout", "headers", "auth_type",
            "auth_token", "auth_header_name", "auth_username", "auth_password", "retry_on_status", "rate_limit",
            "max_concurrency", "circuit_breaker", "http_version", "ca_file", "signing_secrets");
    static final Set<String> BREAKER_KEYS = Set.of("enabled", "failure_rate_threshold", "minimum_calls",
            "sliding_window_size", "wait_in_open", "half_open_calls");

    /** Parses and checks the block; throws one CONFIG exception naming every problem. */
    static HttpEgressConfig parse(PluginConfig config) {
        ConfigProblems problems = new ConfigProblems(config);
        unknownKeys(problems, config, union(CORE_KEYS, OWN_KEYS), config.path() + " takes");

        String defaultEndpoint = problems.read("default_endpoint", config::string).filter(s -> !s.isBlank())
                .orElse(null);
        Set<String> strip = problems.read("strip_headers", config::stringList).orElse(List.of()).stream()
                .map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        long maxResponseBytes = problems.read("max_response_bytes", config::bytes).orElse(DEFAULT_MAX_RESPONSE_BYTES);
        if (maxResponseBytes < 1 || maxResponseBytes > MAX_RESPONSE_BYTES_LIMIT) {
            problems.add("max_response_bytes", maxResponseBytes + " is out of range (1 byte to 2 GiB; default 10MiB)");
        }

        Map<String, EndpointConfig> endpoints = new TreeMap<>();
        Optional<PluginConfig> all = problems.read("endpoints", config::block);
        if (all.isPresent()) {
            for (String name : new TreeSet<>(all.get().keys())) {
                Optional<PluginConfig> block;
                try {
                    block = all.get().block(name);
                } catch (HqmException e) {
                    // not quoted: the value may be a URL with credentials
                    problems.addSentence(all.get().path() + "." + name + ": must be an endpoint block with at least"
                            + " a url (the value is not shown)");
                    continue;
                }
                if (block.isPresent()) {
                    EndpointConfig endpoint = new EndpointReader(name, block.get(), problems).read();
                    if (endpoint != null) {
                        endpoints.put(name, endpoint);
                    }
                }
            }
        }
        problems.throwIfAny();
        return new HttpEgressConfig(config.path(), defaultEndpoint, Collections.unmodifiableMap(endpoints), strip,
                maxResponseBytes);
    }

    /** What {@link #parse} would reject in {@code config}, as sentences naming each key; empty if valid. */
    static List<String> problems(PluginConfig config) {
        return ConfigProblems.of(() -> parse(config));
    }

    @Override
    public String toString() {
        return "HttpEgressConfig[default " + defaultEndpoint + ", " + endpoints.values() + ", strip " + stripHeaders
                + ", max_response_bytes " + maxResponseBytes + "]";
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    private static void unknownKeys(ConfigProblems problems, PluginConfig block, Set<String> known, String takes) {
        Set<String> listed = new TreeSet<>(known);
        for (String key : new TreeSet<>(block.keys())) {
            if (known.contains(key)) {
                continue;
            }
            String closest = closest(key, listed);
            problems.addSentence(block.path() + "." + key + ": unknown key; "
                    + (closest != null ? "did you mean " + closest + "? " : "") + takes + " "
                    + String.join(", ", listed));
        }
    }

    /** The nearest known key, if within edit distance 2 (3 for keys of 9 characters or more), or {@code null}. */
    static String closest(String key, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int d = distance(key, candidate);
            if (d < bestDistance && d <= Math.max(2, Math.min(key.length(), candidate.length()) / 3)) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** Reads one endpoint block, recording its problems. */
    private static final class EndpointReader {
        private final String name;
        private final PluginConfig block;
        private final ConfigProblems problems;

        EndpointReader(String name, PluginConfig block, ConfigProblems problems) {
            this.name = name;
            this.block = block;
            this.problems = problems;
        }

        EndpointConfig read() {
            unknownKeys(problems, block, union(CORE_ENDPOINT_KEYS, OWN_ENDPOINT_KEYS), "an endpoint takes");

            URI url = null;
            String userInfo = null;
            Optional<String> rawUrl = problems.read("url", secretSafe(block::string, "a string"));
            if (rawUrl.isEmpty()) {
                if (!block.has("url")) {
                    add("url", "is required; give the endpoint's http:// or https:// URL");
                }
            } else {
                try {
                    URI given = new URI(rawUrl.get().trim());
                    String scheme = given.getScheme() == null ? "" : given.getScheme().toLowerCase(Locale.ROOT);
                    if (!scheme.equals("http") && !scheme.equals("https") || given.getHost() == null) {
                        throw new URISyntaxException("", "not an http(s) URL with a host");
                    }
                    userInfo = given.getRawUserInfo();
                    url = new URI(scheme, null, given.getHost(), given.getPort(), null, null, null);
                    url = URI.create(url + (given.getRawPath() == null ? "" : given.getRawPath())
                            + (given.getRawQuery() == null ? "" : "?" + given.getRawQuery()));
                } catch (URISyntaxException | IllegalArgumentException e) {
                    add("url", "is not an http:// or https:// URL with a host (the value is not shown, as it may"
                            + " hold credentials)");
                }
            }

            String method = problems.read("method", block::string).map(m -> m.trim().toUpperCase(Locale.ROOT))
                    .filter(m -> !m.isEmpty()).orElse("POST");
            Set<String> allowed = new TreeSet<>();
            allowed.add(method);
            problems.read("allowed_methods", block::stringList).orElse(List.of()).stream()
                    .map(m -> m.trim().toUpperCase(Locale.ROOT)).filter(m -> !m.isEmpty()).forEach(allowed::add);

            Duration timeout = positive("timeout", EndpointConfig.DEFAULT_TIMEOUT);
            Duration connectTimeout = positive("connect_timeout", EndpointConfig.DEFAULT_CONNECT_TIMEOUT);
            Map<String, String> headers = staticHeaders();
            EndpointAuth auth = auth(userInfo);
            Set<Integer> retryOnStatus = retryOnStatus();
            double rateLimit = rateLimit();
            int maxConcurrency = problems.read("max_concurrency", block::integer).orElse(0);
            if (maxConcurrency < 0) {
                add("max_concurrency", maxConcurrency + " is negative; give the most calls in flight at once, or 0"
                        + " for no limit");
            }
            BreakerSettings breaker = breaker();
            HttpClient.Version version = httpVersion();
            String caFile = caFile();
            List<byte[]> secrets = signingSecrets();

            if (url == null) {
                return null;
            }
            return new EndpointConfig(name, url, method, Collections.unmodifiableSet(allowed), timeout, connectTimeout,
                    headers, auth, retryOnStatus, rateLimit, maxConcurrency, breaker, version, caFile, secrets);
        }

        private String at(String key) {
            return block.path() + "." + key;
        }

        private void add(String key, String sentence) {
            problems.addSentence(at(key) + ": " + sentence);
        }

        /** A getter whose wrong-type failure does not quote the value (it may be a secret). */
        private <T> Function<String, Optional<T>> secretSafe(Function<String, Optional<T>> getter, String expected) {
            return key -> {
                try {
                    return getter.apply(key);
                } catch (HqmException e) {
                    throw HqmException.config(at(key) + ": must be " + expected + " (the value is not shown)");
                }
            };
        }

        private Optional<String> secret(String key) {
            Optional<String> value = problems.read(key, secretSafe(block::string, "a string"));
            if (value.isPresent() && !HeaderRules.isValidValue(value.get())) {
                add(key, "contains a line break or another control character, which no header may carry (the"
                        + " value is not shown)");
                return Optional.empty();
            }
            return value;
        }

        private Duration positive(String key, Duration fallback) {
            Duration value = problems.read(key, block::duration).orElse(fallback);
            if (value.isZero() || value.isNegative()) {
                add(key, value.toMillis() + " ms is not positive; give seconds or a duration such as \"30s\"");
                return fallback;
            }
            return value;
        }

        private Map<String, String> staticHeaders() {
            Optional<PluginConfig> headers = problems.read("headers", block::block);
            if (headers.isEmpty()) {
                return Map.of();
            }
            Map<String, String> result = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : new TreeMap<>(headers.get().asMap()).entrySet()) {
                String key = "headers." + e.getKey();
                String problem = HeaderRules.whyNotSettable(e.getKey());
                if (problem != null) {
                    add(key, problem);
                } else if (!(e.getValue() instanceof String || e.getValue() instanceof Number
                        || e.getValue() instanceof Boolean)) {
                    add(key, "must be a string (the value is not shown)");
                } else if (!HeaderRules.isValidValue(e.getValue().toString())) {
                    add(key, "contains a line break or another control character (the value is not shown)");
                } else {
                    result.put(e.getKey(), e.getValue().toString());
                }
            }
            return Collections.unmodifiableMap(result);
        }

        private EndpointAuth auth(String urlUserInfo) {
            String typeText = problems.read("auth_type", block::string).orElse(null);
            EndpointAuth.Type type = typeText == null || typeText.isBlank() ? EndpointAuth.Type.NONE
                    : EndpointAuth.Type.named(typeText);
            if (type == null) {
                add("auth_type", "\"" + typeText + "\" is not one of none, bearer, api_key, basic, custom");
            }
            Optional<String> token = secret("auth_token");
            Optional<String> headerName = problems.read("auth_header_name", block::string).map(String::trim);
            Optional<String> username = secret("auth_username");
            Optional<String> password = secret("auth_password");
            if (type == null) {
                return EndpointAuth.NONE;
            }
            String typeKey = type.key();
            switch (type) {
                case NONE -> {
                    for (String key : List.of("auth_token", "auth_header_name", "auth_username", "auth_password")) {
                        if (block.has(key)) {
                            add(key, "is set, but auth_type is none; set auth_type (bearer, api_key, basic or"
                                    + " custom) or remove the key");
                        }
                    }
                    if (urlUserInfo != null && !urlUserInfo.isEmpty()) {
                        int colon = urlUserInfo.indexOf(':');
                        String user = decode(colon >= 0 ? urlUserInfo.substring(0, colon) : urlUserInfo);
                        String pass = colon >= 0 ? decode(urlUserInfo.substring(colon + 1)) : "";
                        return EndpointAuth.basic(user, pass);
                    }
                    return EndpointAuth.NONE;
                }
                case BEARER -> {
                    forbid(typeKey, "auth_header_name", "auth_username", "auth_password");
                    return required("auth_token", token, typeKey, "a token") ? EndpointAuth.bearer(token.get()) : null;
                }
                case API_KEY -> {
                    forbid(typeKey, "auth_username", "auth_password");
                    String header = headerName.filter(h -> !h.isEmpty()).orElse(EndpointAuth.DEFAULT_API_KEY_HEADER);
                    boolean ok = required("auth_token", token, typeKey, "the API key") & authHeader(header);
                    return ok ? EndpointAuth.apiKey(header, token.get()) : null;
                }
                case BASIC -> {
                    forbid(typeKey, "auth_token", "auth_header_name");
                    boolean ok = required("auth_username", username, typeKey, "a user name");
                    if (!block.has("auth_password")) {
                        add("auth_password", "is required with auth_type basic");
                        ok = false;
                    }
                    if (username.isPresent() && username.get().contains(":")) {
                        add("auth_username", "contains ':', which basic authentication cannot carry (the value is"
                                + " not shown)");
                        ok = false;
                    }
                    return ok && password.isPresent() ? EndpointAuth.basic(username.get(), password.get()) : null;
                }
                case CUSTOM -> {
                    forbid(typeKey, "auth_username", "auth_password");
                    boolean ok = required("auth_token", token, typeKey, "the header's value");
                    if (headerName.isEmpty() || headerName.get().isEmpty()) {
                        add("auth_header_name", "is required with auth_type custom: the header that carries"
                                + " auth_token");
                        ok = false;
                    } else {
                        ok &= authHeader(headerName.get());
                    }
                    return ok ? EndpointAuth.custom(headerName.get(), token.get()) : null;
                }
                default -> throw new IllegalStateException(type.toString());
            }
        }

        private void forbid(String typeKey, String... keys) {
            for (String key : keys) {
                if (block.has(key)) {
                    add(key, "does not apply to auth_type " + typeKey + "; remove it");
                }
            }
        }

        private boolean required(String key, Optional<String> value, String typeKey, String what) {
            if (!block.has(key)) {
                add(key, "is required with auth_type " + typeKey + " (" + what + "; e.g. " + key
                        + " = ${?" + name.toUpperCase(Locale.ROOT).replace('-', '_') + "_TOKEN})");
                return false;
            }
            if (value.isEmpty()) {
                return false;
            }
            if (value.get().isEmpty()) {
                add(key, "is empty; auth_type " + typeKey + " needs " + what + " (is its environment variable set?)");
                return false;
            }
            return true;
        }

        private boolean authHeader(String header) {
            String problem = HeaderRules.whyNotSettable(header);
            if (problem != null) {
                add("auth_header_name", problem);
                return false;
            }
            return true;
        }

        private Set<Integer> retryOnStatus() {
            Optional<List<String>> given = problems.read("retry_on_status", block::stringList);
            if (given.isEmpty()) {
                return DEFAULT_RETRY_ON_STATUS;
            }
            Set<Integer> statuses = new TreeSet<>();
            for (String item : given.get()) {
                String s = item.trim();
                try {
                    int dash = s.indexOf('-', 1);
                    int from = Integer.parseInt(dash < 0 ? s : s.substring(0, dash).trim());
                    int to = dash < 0 ? from : Integer.parseInt(s.substring(dash + 1).trim());
                    if (from < 400 || to > 599 || from > to) {
                        add("retry_on_status", "\"" + s + "\" is outside 400-599; only error statuses can be retried");
                        continue;
                    }
                    IntStream.rangeClosed(from, to).forEach(statuses::add);
                } catch (NumberFormatException e) {
                    add("retry_on_status", "\"" + s + "\" is not a status code or range (e.g. 503 or 500-599)");
                }
            }
            return Collections.unmodifiableSet(statuses);
        }

        private double rateLimit() {
            Optional<String> given = problems.read("rate_limit", block::string);
            if (given.isEmpty()) {
                return 0;
            }
            try {
                double rate = Double.parseDouble(given.get().trim());
                if (!(rate >= 0) || Double.isInfinite(rate) || rate > 1_000_000) {
                    throw new NumberFormatException();
                }
                if (rate > 0 && rate < 0.001) {
                    add("rate_limit", given.get().trim() + " is too small (at least 0.001 requests per second)");
                }
                return rate;
            } catch (NumberFormatException e) {
                add("rate_limit", "\"" + given.get() + "\" is not a number of requests per second (e.g. 50, 0.5;"
                        + " 0 = no limit)");
                return 0;
            }
        }

        private BreakerSettings breaker() {
            Optional<PluginConfig> given = problems.read("circuit_breaker", block::block);
            if (given.isEmpty()) {
                return BreakerSettings.DEFAULTS;
            }
            PluginConfig b = given.get();
            unknownKeys(problems, b, BREAKER_KEYS, "circuit_breaker takes");
            BreakerSettings d = BreakerSettings.DEFAULTS;
            boolean enabled = problems.read("enabled", b::bool).orElse(d.enabled());
            float rate = d.failureRateThreshold();
            Optional<String> rateText = problems.read("failure_rate_threshold", b::string);
            if (rateText.isPresent()) {
                try {
                    rate = Float.parseFloat(rateText.get().trim().replace("%", ""));
                    if (!(rate > 0 && rate <= 100)) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    problems.addSentence(b.path() + ".failure_rate_threshold: \"" + rateText.get()
                            + "\" is not a percentage above 0 and at most 100");
                    rate = d.failureRateThreshold();
                }
            }
            int minimumCalls = atLeastOne(b, "minimum_calls", d.minimumCalls());
            int window = atLeastOne(b, "sliding_window_size", Math.max(d.slidingWindowSize(), minimumCalls));
            Duration wait = problems.read("wait_in_open", b::duration).orElse(d.waitInOpen());
            if (wait.toMillis() < 1) {
                problems.addSentence(b.path() + ".wait_in_open: must be at least 1 ms, e.g. \"30s\"");
                wait = d.waitInOpen();
            }
            int halfOpen = atLeastOne(b, "half_open_calls", d.halfOpenCalls());
            return new BreakerSettings(enabled, rate, minimumCalls, window, wait, halfOpen);
        }

        private int atLeastOne(PluginConfig b, String key, int fallback) {
            int value = problems.read(key, b::integer).orElse(fallback);
            if (value < 1) {
                problems.addSentence(b.path() + "." + key + ": " + value + " is too small (at least 1)");
                return fallback;
            }
            return value;
        }

        private HttpClient.Version httpVersion() {
            String given = problems.read("http_version", block::string).orElse("1.1").trim()
                    .toUpperCase(Locale.ROOT).replace("HTTP/", "").replace("HTTP_", "");
            return switch (given) {
                case "1.1", "1_1" -> HttpClient.Version.HTTP_1_1;
                case "2", "2.0" -> HttpClient.Version.HTTP_2;
                default -> {
                    add("http_version", "\"" + given + "\" is not \"1.1\" or \"2\" (HTTP/2, h2c on http:// URLs)");
                    yield HttpClient.Version.HTTP_1_1;
                }
            };
        }

        private String caFile() {
            Optional<String> given = problems.read("ca_file", block::string).map(String::trim);
            if (given.isEmpty()) {
                return null;
            }
            if (given.get().isEmpty()) {
                add("ca_file", "is empty; give the path of a PEM file of CA certificates, or remove the key");
                return null;
            }
            Path path = Path.of(given.get());
            if (path.isAbsolute() && !Files.isReadable(path)) {
                add("ca_file", "\"" + path + "\" is not a readable file");
            }
            return given.get();
        }

        private List<byte[]> signingSecrets() {
            Optional<List<String>> given = problems.read("signing_secrets",
                    secretSafe(block::stringList, "a string or a list of strings"));
            if (given.isEmpty()) {
                return List.of();
            }
            List<byte[]> secrets = new ArrayList<>();
            Set<String> seen = new LinkedHashSet<>();
            for (int i = 0; i < given.get().size(); i++) {
                String s = given.get().get(i).trim();
                String where = "signing_secrets" + (given.get().size() > 1 ? "[" + i + "]" : "");
                if (s.isEmpty()) {
                    add(where, "is empty (is its environment variable set?)");
                    continue;
                }
                try {
                    byte[] key = Base64.getDecoder().decode(s.startsWith("whsec_") ? s.substring(6) : s);
                    if (key.length < 16) {
                        add(where, "decodes to " + key.length + " bytes; a signing secret needs at least 16 (24 to 64"
                                + " recommended; the value is not shown)");
                    } else if (seen.add(s)) {
                        secrets.add(key);
                    }
                } catch (IllegalArgumentException e) {
                    add(where, "is not a Standard Webhooks secret \"whsec_<base64>\" (the value is not shown)");
                }
            }
            return List.copyOf(secrets);
        }

        private static String decode(String s) {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
    }
}
