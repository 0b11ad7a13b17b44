package io.openhqm.plugin.embedded;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classifies SQLite failures into {@link HqmException}s whose messages a client may see: they say what went
 * wrong in words an operator can act on, never the database's path or SQLite's own text, which are logged.
 */
final class SqliteErrors {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteErrors.class);
    static final String SEE_LOG = "details in the server log";
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

    /** What went wrong, for a health detail or an error message, e.g. {@code "database not writable"}. */
    static String problem(SQLException e) {
        return switch (primaryCode(e)) {
            case BUSY, LOCKED -> "database busy (another process holds its lock)";
            case READONLY -> "database not writable";
            case FULL -> "disk full";
            case IOERR -> "disk I/O error";
            case CORRUPT, NOTADB -> "database file corrupt";
            case CANTOPEN -> "database file cannot be opened";
            case NOMEM -> "out of memory";
            case INTERRUPT -> "database operation interrupted";
            default -> "database error (" + SEE_LOG + ")";
        };
    }

    /** {@code "the embedded queue could not <action>: <problem>"}; the path and SQLite's text are logged. */
    static HqmException map(String database, String action, SQLException e) {
        LOG.warn("{}: could not {}: {}", database, action, e.getMessage());
        return new HqmException(kind(e), "the embedded queue could not " + action + ": " + problem(e), e);
    }

    /** Any failure from database work, as an {@link HqmException}. */
    static HqmException map(String database, String action, Throwable t) {
        if (t instanceof HqmException h) {
            return h;
        }
        if (t instanceof SQLException e) {
            return map(database, action, e);
        }
        LOG.error("{}: could not {}", database, action, t);
        return HqmException.internal("the embedded queue could not " + action + ": internal error (" + SEE_LOG
                + ")", t);
    }
}
