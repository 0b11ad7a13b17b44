package io.openhqm.plugin.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqliteErrorsTest {

    @Test
    void everyFailureOfTheDatabaseIsNamedInWordsAnOperatorCanActOn() {
        Map<Integer, String> problems = Map.of(
                5, "database busy (another process holds its lock)",
                8, "database not writable",
                8 | (4 << 8), "database not writable", // SQLITE_READONLY_DBMOVED
                13, "disk full",
                10, "disk I/O error",
                11, "database file corrupt",
                26, "database file corrupt",
                14, "database file cannot be opened",
                19, "database error (details in the server log)");
        problems.forEach((code, problem) -> assertEquals(problem, SqliteErrors.problem(sqlite(code)), "code " + code));
    }

    @Test
    void theMessageLeavesThePathAndSqlitesTextToTheLogAndKeepsTheCause() {
        SQLException raw = sqlite(8);
        HqmException e = SqliteErrors.map("/srv/openhqm/data/openhqm.db", "write", raw);
        assertEquals("the embedded queue could not write: database not writable", e.getMessage());
        assertEquals(ErrorKind.TRANSIENT, e.kind());
        assertSame(raw, e.getCause());

        HqmException bug = SqliteErrors.map("/srv/openhqm/data/openhqm.db", "read a result",
                new IllegalStateException("/srv/openhqm/data/openhqm.db broke"));
        assertEquals("the embedded queue could not read a result: internal error (details in the server log)",
                bug.getMessage());
        assertEquals(ErrorKind.INTERNAL, bug.kind());
    }

    private static SQLException sqlite(int code) {
        return new SQLException("[SQLITE_X] raw text of /srv/openhqm/data/openhqm.db", null, code);
    }
}
