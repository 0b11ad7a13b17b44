package io.openhqm.plugin.embedded;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import java.sql.SQLException;

/** Classifies SQLite failures into {@link HqmException}s. */
final class SqliteErrors {
    // Primary result codes, https://sqlite.org/rescode.html
    private static final int BUSY = 5;
    private static final int LOCKED = 6;
    private static final int NOMEM = 7;
    private static final int READONLY = 8;
    private static final int INTERRUPT = 9;
    private static final int IOERR = 10;
    private static final int CORRUPT = 11;
    private static final int FULL = 13;
    private static final int CANTOPEN = 14;
    private static final int PROTOCOL = 15;
    private static final int NOTADB = 26;

    private SqliteErrors() {
    }

    static int primaryCode(SQLException e) {
        return e.getErrorCode() & 0xFF;
    }

    static boolean isBusy(SQLException e) {
        int code = primaryCode(e);
        return code == BUSY || code == LOCKED;
    }

    /** Whether the failure is about the database or connection rather than one statement's data. */
    static boolean affectsWholeBatch(SQLException e) {
        return switch (primaryCode(e)) {
            case BUSY, LOCKED, NOMEM, READONLY, INTERRUPT, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL, NOTADB -> true;
            default -> e.getErrorCode() == 0; // the driver's own errors, e.g. a closed connection
        };
    }

    static ErrorKind kind(SQLException e) {
        return switch (primaryCode(e)) {
            case BUSY, LOCKED, NOMEM, READONLY, INTERRUPT, IOERR, FULL, CANTOPEN, PROTOCOL -> ErrorKind.TRANSIENT;
            default -> ErrorKind.INTERNAL;
        };
    }

    /** {@code "<database>: could not <action>: <sqlite message>"}. */
    static HqmException map(String database, String action, SQLException e) {
        return new HqmException(kind(e), database + ": could not " + action + ": " + e.getMessage(), e);
    }

    /** Any failure from database work, as an {@link HqmException}. */
    static HqmException map(String database, String action, Throwable t) {
        if (t instanceof HqmException h) {
            return h;
        }
        if (t instanceof SQLException e) {
            return map(database, action, e);
        }
        return HqmException.internal(database + ": could not " + action + ": " + t, t);
    }
}
