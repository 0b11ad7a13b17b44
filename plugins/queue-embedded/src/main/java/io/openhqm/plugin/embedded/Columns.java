package io.openhqm.plugin.embedded;

import io.openhqm.api.HqmException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;

/**
 * How values are stored: instants and durations shown to users as exact nanoseconds (epoch nanoseconds
 * for instants, which covers the years 1678-2262), scheduling times as epoch milliseconds.
 */
final class Columns {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private Columns() {
    }

    static long nanos(Instant instant, String what) {
        try {
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), NANOS_PER_SECOND), instant.getNano());
        } catch (ArithmeticException e) {
            throw HqmException.input(what + " " + instant + " is out of the storable range (years 1678-2262)");
        }
    }

    static Instant instant(long epochNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, NANOS_PER_SECOND),
                Math.floorMod(epochNanos, NANOS_PER_SECOND));
    }

    static Long nanosOrNull(Instant instant, String what) {
        return instant == null ? null : nanos(instant, what);
    }

    static Long nanosOrNull(Duration duration, String what) {
        if (duration == null) {
            return null;
        }
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            throw HqmException.input(what + " " + duration + " is too long (at most 292 years)");
        }
    }

    /** {@code base + millis}, saturating instead of overflowing. */
    static long plusMillis(long base, Duration delay) {
        long millis;
        try {
            millis = delay.toMillis();
        } catch (ArithmeticException e) {
            millis = Long.MAX_VALUE;
        }
        long sum = base + millis;
        return ((base ^ sum) & (millis ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    static void setString(PreparedStatement ps, int index, String value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else {
            ps.setString(index, value);
        }
    }

    static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    static Long getLong(ResultSet rs, int index) throws SQLException {
        long value = rs.getLong(index);
        return rs.wasNull() ? null : value;
    }

    static Integer getInt(ResultSet rs, int index) throws SQLException {
        int value = rs.getInt(index);
        return rs.wasNull() ? null : value;
    }

    static byte[] getBytes(ResultSet rs, int index) throws SQLException {
        byte[] value = rs.getBytes(index);
        return value == null ? new byte[0] : value;
    }

    static Instant getInstant(ResultSet rs, int index) throws SQLException {
        Long nanos = getLong(rs, index);
        return nanos == null ? null : instant(nanos);
    }
}
