package io.openhqm.plugin.embedded;

import java.sql.SQLException;

/** A unit of database work run on one of the database's own threads. */
@FunctionalInterface
interface SqlWork<T> {
    T run(SqlSession session) throws SQLException;
}
