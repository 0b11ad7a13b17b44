package io.openhqm.server.http;

import io.undertow.server.HttpServerExchange;
import java.util.List;
import java.util.Map;

/**
 * Who may use the admin API: with {@code server.auth.admin_keys} set, only a caller presenting one of them (401
 * without a key, 403 with any other, a submit key included); without admin keys, anyone when
 * {@code server.admin.enabled = true}, else nobody (the admin routes are not even added, so they answer 404). The
 * console ({@code /console}) follows the same rule, except that its page and assets load without a key.
 */
final class AdminAccess {
    enum Mode { KEYS, OPEN, OFF }

    private static final String ON = "admin API (/api/v1/dead-letters, /api/v1/queues, /api/v1/endpoints) and console"
            + " (/console)";

    private final ApiKeys adminKeys;
    private final Mode mode;

    AdminAccess(List<String> adminKeys, boolean enabled) {
        this.adminKeys = new ApiKeys(adminKeys);
        this.mode = !adminKeys.isEmpty() ? Mode.KEYS : enabled ? Mode.OPEN : Mode.OFF;
    }

    Mode mode() {
        return mode;
    }

    /** One line for the startup log. */
    String describe() {
        return switch (mode) {
            case KEYS -> ON + " on, for the " + adminKeys.size() + " key(s) of server.auth.admin_keys";
            case OPEN -> ON + " on WITHOUT a key (server.admin.enabled = true and no server.auth.admin_keys): anyone "
                    + "who reaches this port can redrive and delete";
            case OFF -> "admin API and console off (answer 404): set server.auth.admin_keys, or "
                    + "server.admin.enabled = true on a trusted network";
        };
    }

    /** Whether the request may go on; if not, it has been answered 401 or 403. */
    boolean allows(HttpServerExchange exchange) {
        if (mode == Mode.OPEN) {
            return true;
        }
        if (mode == Mode.OFF) {
            Problem.notFound("No such resource: " + exchange.getRequestPath() + ".").send(exchange);
            return false;
        }
        if (ApiKeys.presented(exchange) == null) {
            Problem.of(401, "unauthorized", "Unauthorized", "The admin API requires an admin key (one of "
                    + "server.auth.admin_keys) in X-API-Key or Authorization: Bearer.")
                    .send(exchange, Map.of("WWW-Authenticate", "Bearer"));
            return false;
        }
        try {
            adminKeys.caller(exchange);
            return true;
        } catch (SecurityException notAdmin) {
            Problem.of(403, "forbidden", "Forbidden", "This key may not use the admin API; use one of "
                    + "server.auth.admin_keys.").send(exchange);
            return false;
        }
    }
}
