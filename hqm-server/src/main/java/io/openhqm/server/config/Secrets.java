package io.openhqm.server.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides what is a secret in configuration and masks it, for {@code check-config} output, error messages
 * and anything else a person reads.
 *
 * <p>A key is secret when its name (ignoring case, {@code _}, {@code -} and {@code .}) contains one of
 * token, password, passwd, passphrase, secret, apikey, credential, privatekey, authorization or cookie. So
 * {@code auth_token}, {@code auth_password}, {@code api_keys}, {@code admin_keys}, {@code private_key} and a static header
 * {@code Authorization} are secret, while {@code auth_header_name} and {@code auth_username} are not. Any
 * URL with user information is masked wherever it appears:
 * {@code redis://user:pass@host} becomes {@code redis://user:****@host}, and {@code https://tok@host}
 * becomes {@code https://****@host}.
 *
 * <p>Stateless and thread-safe.
 */
public final class Secrets {
    /** What a secret value is replaced with. */
    public static final String MASK = "****";

    private static final List<String> SECRET_NAME_PARTS = List.of(
            "token", "password", "passwd", "passphrase", "secret", "apikey", "adminkey", "credential", "privatekey",
            "authorization", "cookie");

    /**
     * scheme://userinfo@ — userinfo stops at the first '/', '?', '#', '@' or whitespace. The scheme admits '_'
     * beyond RFC 3986 because Kafka writes SASL_SSL://.
     */
    private static final Pattern URL_USERINFO =
            Pattern.compile("(?i)\\b([a-z][a-z0-9+.\\-_]*://)([^/?#@\\s]+)@");
    /** {@code user:password@} in a value that is not a well-formed URL, e.g. {@code redis//user:pw@host}. */
    private static final Pattern LOOSE_USERINFO = Pattern.compile("([\\w.+\\-%]+):([^\\s/@:]+)@");

    /**
     * Blocks whose direct children are names chosen by the user (an endpoint called "token-service" is not a
     * secret); secret-looking names there are not masked as a whole, only their secret keys.
     */
    private static final Set<List<String>> NAMED_CONTAINERS = Set.of(
            List.of("proxy", "endpoints"), List.of("processors"), List.of("queue"));

    private Secrets() {
    }

    /** Whether a key's own name (the last segment of a dotted path is enough) marks its value as secret. */
    public static boolean isSecretKey(String key) {
        String name = key;
        int dot = key.lastIndexOf('.');
        if (dot >= 0 && dot < key.length() - 1) {
            name = key.substring(dot + 1);
        }
        String squashed = name.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "").replace("\"", "");
        for (String part : SECRET_NAME_PARTS) {
            if (squashed.contains(part)) {
                return true;
            }
        }
        return false;
    }

    /** The text with the user information of every URL in it masked; other text is unchanged. */
    public static String maskUrlCredentials(String text) {
        if (text == null || !text.contains("@")) {
            return text;
        }
        Matcher m = URL_USERINFO.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String userinfo = m.group(2);
            int colon = userinfo.indexOf(':');
            String masked = colon >= 0 ? userinfo.substring(0, colon + 1) + MASK : MASK;
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + masked + "@"));
        }
        m.appendTail(out);
        return LOOSE_USERINFO.matcher(out).replaceAll(r -> Matcher.quoteReplacement(r.group(1) + ":" + MASK + "@"));
    }

    /**
     * A string value as it may be shown to a person: {@link #MASK} when the key is secret, otherwise the
     * value with URL credentials masked.
     */
    public static String maskValue(String key, String value) {
        if (value == null) {
            return null;
        }
        return isSecretKey(key) ? MASK : maskUrlCredentials(value);
    }

    /**
     * A deep copy of a configuration tree (maps, lists, scalars, nulls as produced by unwrapping a config) in
     * which secrets are masked. Map keys keep their order.
     */
    public static Map<String, Object> maskTree(Map<String, ?> tree) {
        return maskMap(List.of(), tree, false);
    }

    private static Map<String, Object> maskMap(List<String> path, Map<String, ?> map, boolean secret) {
        Map<String, Object> out = new LinkedHashMap<>();
        boolean namedContainer = NAMED_CONTAINERS.contains(path);
        for (Map.Entry<String, ?> e : map.entrySet()) {
            List<String> childPath = new ArrayList<>(path);
            childPath.add(e.getKey());
            boolean childSecret = secret
                    || (isSecretKey(e.getKey()) && !(namedContainer && e.getValue() instanceof Map));
            out.put(e.getKey(), maskAny(childPath, e.getValue(), childSecret));
        }
        return out;
    }

    private static Object maskAny(List<String> path, Object value, boolean secret) {
        if (value == null) {
            return null;
        }
        if (value instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, ?> typed = (Map<String, ?>) map;
            return maskMap(path, typed, secret);
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object item : list) {
                out.add(maskAny(path, item, secret));
            }
            return out;
        }
        if (secret) {
            return MASK;
        }
        return value instanceof String s ? maskUrlCredentials(s) : value;
    }
}
