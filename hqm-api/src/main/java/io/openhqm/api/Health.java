package io.openhqm.api;

import java.util.Objects;

/**
 * The health of one component as it reports it: reachable and working, or not, with a short reason a
 * person can read. Never contains secrets.
 *
 * @param healthy whether the component can serve requests now
 * @param detail  a short human-readable description (e.g. {@code "depth 12"} or {@code "connection refused"})
 */
public record Health(boolean healthy, String detail) {
    public Health {
        Objects.requireNonNull(detail, "detail is null");
    }

    public static Health up(String detail) {
        return new Health(true, detail);
    }

    public static Health down(String detail) {
        return new Health(false, detail);
    }
}
