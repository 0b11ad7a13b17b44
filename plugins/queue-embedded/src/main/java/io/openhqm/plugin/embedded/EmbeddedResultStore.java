package io.openhqm.plugin.embedded;

import static java.util.Objects.requireNonNull;

import io.openhqm.api.Health;
import io.openhqm.api.HqmException;
import io.openhqm.api.result.IdempotencyClaim;
import io.openhqm.api.result.Reply;
import io.openhqm.api.result.RequestRecord;
import io.openhqm.api.result.ResultSettings;
import io.openhqm.api.result.ResultStore;
import io.openhqm.api.result.Status;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded result store: request records and idempotency claims in the shared SQLite database.
 *
 * <p>Writes go through the group-commit writer; reads run on the database's reader threads. Every returned
 * stage completes on a thread of this plugin, never by blocking the caller.
 *
 * <p>{@link #awaitTerminal}: a waiter is registered before the record is first read, so no change is missed.
 * A terminal {@link #put} in this process completes its waiters as soon as it commits. Changes made by other
 * processes are found by one timer that re-reads the waited-for ids every {@code poll_interval}, and only
 * while someone waits.
 *
 * <p>A record's TTL runs from the time of its last put that stored it ({@code expires_at}); expired records and
 * claims are invisible at once and purged every {@code cleanup_interval}. A terminal record is final until it
 * expires: a later put of its id changes nothing, decided inside the one SQL statement that writes, so it holds
 * across processes too.
 */
final class EmbeddedResultStore implements ResultStore {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedResultStore.class);
    private static final int PURGE_CHUNK = 1_000;

    private static final String COLUMNS = "correlation_id, status, submitted_at_ns, updated_at_ns, attempts, "
            + "owner, reply_body, reply_content_type, reply_headers, reply_status_code, error, processing_time_ms, "
            + "completed_at_ns, attributes, started_at_ns";
    private static final String TERMINAL = Arrays.stream(Status.values()).filter(Status::isTerminal)
            .map(status -> "'" + status.name() + "'").collect(Collectors.joining(", "));
    /** Inserts, or replaces a record unless it is terminal and unexpired: one statement, so the check is atomic. */
    private static final String PUT_SQL = "INSERT INTO results (" + COLUMNS
            + ", expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (correlation_id) "
            + "DO UPDATE SET " + Arrays.stream((COLUMNS + ", expires_at").split(", "))
                    .filter(column -> !column.equals("correlation_id"))
                    .map(column -> column + " = excluded." + column).collect(Collectors.joining(", "))
            + " WHERE results.status NOT IN (" + TERMINAL + ") OR results.expires_at <= ?";
    private static final String REOPEN_SQL = PUT_SQL.substring(0, PUT_SQL.lastIndexOf(" WHERE results.status"));
    private static final String DISCARD_PENDING_SQL = "DELETE FROM results WHERE correlation_id = ? "
            + "AND status = '" + Status.PENDING.name() + "' AND attempts = 0";
    private static final String GET_SQL = "SELECT " + COLUMNS
            + " FROM results WHERE correlation_id = ? AND expires_at > ?";
    private static final String CLAIM_SQL = "INSERT INTO idempotency_keys (key, fingerprint, correlation_id, "
            + "expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, "
            + "correlation_id = excluded.correlation_id, expires_at = excluded.expires_at "
            + "WHERE idempotency_keys.expires_at <= ?";
    private static final String CLAIM_GET_SQL = "SELECT fingerprint, correlation_id FROM idempotency_keys "
            + "WHERE key = ?";
    private static final String RELEASE_CLAIM_SQL = "DELETE FROM idempotency_keys WHERE key = ? AND fingerprint = ? "
            + "AND correlation_id = ?";
    private static final String PURGE_RESULTS_SQL = "DELETE FROM results WHERE rowid IN "
            + "(SELECT rowid FROM results WHERE expires_at <= ? LIMIT " + PURGE_CHUNK + ")";
    private static final String PURGE_CLAIMS_SQL = "DELETE FROM idempotency_keys WHERE rowid IN "
            + "(SELECT rowid FROM idempotency_keys WHERE expires_at <= ? LIMIT " + PURGE_CHUNK + ")";

    private final EmbeddedDatabase database;
    private final Clock clock;
    private final Duration ttl;
    private final Map<String, Set<Waiter>> waiters = new ConcurrentHashMap<>();
    private final AtomicBoolean rechecking = new AtomicBoolean();
    private final ScheduledFuture<?> recheck;
    private final ScheduledFuture<?> cleanup;
    private final AtomicBoolean closed = new AtomicBoolean();

    EmbeddedResultStore(EmbeddedDatabase database, EmbeddedQueueConfig config, ResultSettings settings, Clock clock) {
        this.database = requireNonNull(database, "database is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.ttl = requireNonNull(settings, "settings is null").ttl();
        if (ttl.isNegative() || ttl.isZero()) {
            throw HqmException.config("results.ttl_seconds: must be positive, was " + ttl.toSeconds());
        }
        long poll = Math.max(1, config.pollInterval().toMillis());
        this.recheck = database.timer().scheduleWithFixedDelay(this::recheckWaiters, poll, poll,
                TimeUnit.MILLISECONDS);
        long purge = Math.max(1, config.cleanupInterval().toMillis());
        this.cleanup = database.timer().scheduleWithFixedDelay(this::purgeExpired, purge, purge,
                TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletionStage<Void> put(RequestRecord record) {
        return database.publicly(putThen(record, session -> null));
    }

    /** Whether this store's records are in {@code other}, so one transaction can write a record and a message. */
    boolean storesIn(EmbeddedDatabase other) {
        return database == other;
    }

    /**
     * Stores {@code record} (unless the stored one is terminal) and runs {@code also} in the same transaction;
     * waiters of a terminal record it stored are woken after the commit. Completes with what {@code also} returned.
     */
    <T> CompletableFuture<T> putThen(RequestRecord record, SqlWork<T> also) {
        return store(record, true, also);
    }

    /** {@link #putThen}, or with {@code keepTerminal} false storing the record even over a terminal one. */
    private <T> CompletableFuture<T> store(RequestRecord record, boolean keepTerminal, SqlWork<T> also) {
        requireNonNull(record, "record is null");
        if (closed.get()) {
            return CompletableFuture.failedFuture(closedException());
        }
        Row row;
        try {
            row = Row.of(record);
        } catch (HqmException e) {
            return CompletableFuture.failedFuture(e);
        }
        AtomicBoolean stored = new AtomicBoolean();
        // Never refused for overload: a put records the fate of accepted work, and the PENDING put of a
        // submission must not be refused while its publish, issued right after, is accepted.
        CompletableFuture<T> done = database.write(s -> {
            long now = clock.millis();
            PreparedStatement ps = s.prepare(keepTerminal ? PUT_SQL : REOPEN_SQL);
            row.bind(ps);
            ps.setLong(16, Columns.plusMillis(now, ttl));
            if (keepTerminal) {
                ps.setLong(17, now);
            }
            stored.set(ps.executeUpdate() == 1);
            return also.run(s);
        }, record.reply() == null ? 0 : record.reply().body().length);
        if (record.status().isTerminal()) {
            done.thenRun(() -> {
                if (stored.get()) {
                    finishWaiters(record.correlationId(), Optional.of(record));
                }
            });
        }
        return done;
    }

    /** Stores {@code record} even over a terminal one (a redriven dead letter starts again). */
    @Override
    public CompletionStage<Void> reopen(RequestRecord record) {
        return database.publicly(store(record, false, session -> null));
    }

    @Override
    public CompletionStage<Void> releaseIdempotencyKey(IdempotencyClaim claim) {
        requireNonNull(claim, "claim is null");
        if (closed.get()) {
            return CompletableFuture.failedFuture(closedException());
        }
        return database.publicly(database.write(s -> {
            PreparedStatement ps = s.prepare(RELEASE_CLAIM_SQL);
            ps.setString(1, claim.key());
            ps.setString(2, claim.fingerprint());
            ps.setString(3, claim.correlationId());
            ps.executeUpdate();
            return null;
        }));
    }

    @Override
    public CompletionStage<Void> discardPending(String correlationId) {
        requireNonNull(correlationId, "correlationId is null");
        if (closed.get()) {
            return CompletableFuture.failedFuture(closedException());
        }
        return database.publicly(database.write(s -> {
            PreparedStatement ps = s.prepare(DISCARD_PENDING_SQL);
            ps.setString(1, correlationId);
            ps.executeUpdate();
            return null;
        }));
    }

    /** Puts and publishes go through the database's one writer, in the order they are issued. */
    @Override
    public boolean ordersPutsBeforePublishes() {
        return true;
    }

    @Override
    public CompletionStage<Optional<RequestRecord>> get(String correlationId) {
        requireNonNull(correlationId, "correlationId is null");
        if (closed.get()) {
            return CompletableFuture.failedFuture(closedException());
        }
        return database.publicly(database.read(s -> fetch(s, correlationId), "read a result"));
    }

    @Override
    public CompletionStage<Optional<RequestRecord>> awaitTerminal(String correlationId, Duration maxWait) {
        requireNonNull(correlationId, "correlationId is null");
        requireNonNull(maxWait, "maxWait is null");
        if (closed.get()) {
            return CompletableFuture.failedFuture(closedException());
        }
        Waiter waiter = new Waiter(correlationId);
        waiters.compute(correlationId, (id, set) -> {
            Set<Waiter> result = set == null ? ConcurrentHashMap.newKeySet() : set;
            result.add(waiter);
            return result;
        });
        long millis = maxWait.isNegative() ? 0 : saturatedMillis(maxWait);
        waiter.timeout = database.timer().schedule(() -> finishWithCurrent(waiter), millis, TimeUnit.MILLISECONDS);
        database.read(s -> fetch(s, correlationId), "read a result").whenComplete((record, failure) -> {
            if (failure != null) {
                waiter.fail(failure);
            } else if (record.isPresent() && record.get().status().isTerminal()) {
                waiter.finish(record);
            }
        });
        return waiter.future;
    }

    @Override
    public CompletionStage<IdempotencyClaim> claimIdempotencyKey(IdempotencyClaim claim) {
        requireNonNull(claim, "claim is null");
        if (closed.get()) {
            return CompletableFuture.failedFuture(closedException());
        }
        return database.publicly(database.admit(s -> {
            long now = clock.millis();
            PreparedStatement insert = s.prepare(CLAIM_SQL);
            insert.setString(1, claim.key());
            insert.setString(2, claim.fingerprint());
            insert.setString(3, claim.correlationId());
            insert.setLong(4, Columns.plusMillis(now, ttl));
            insert.setLong(5, now);
            insert.executeUpdate();
            PreparedStatement select = s.prepare(CLAIM_GET_SQL);
            select.setString(1, claim.key());
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("idempotency claim for " + claim.key() + " vanished");
                }
                IdempotencyClaim holder = new IdempotencyClaim(claim.key(), rs.getString(1), rs.getString(2));
                return holder.equals(claim) ? claim : holder;
            }
        }, 0));
    }

    @Override
    public Health health() {
        return closed.get() ? Health.down("closed") : database.health(() -> {
            EmbeddedDatabase.join(database.read(s -> s.queryString("SELECT 1"), "check the database"));
            return "ok";
        });
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        recheck.cancel(false);
        cleanup.cancel(false);
        // Pending waiters complete with the state as it is now.
        List<Waiter> pending = waiters.values().stream().flatMap(Set::stream).toList();
        if (!pending.isEmpty()) {
            try {
                Map<String, Optional<RequestRecord>> current = EmbeddedDatabase.join(database.read(
                        s -> fetchAll(s, pending.stream().map(w -> w.id).distinct().toList()), "read results"));
                pending.forEach(w -> w.finish(current.getOrDefault(w.id, Optional.empty())));
            } catch (HqmException e) {
                pending.forEach(w -> w.finish(Optional.empty()));
            }
        }
    }

    EmbeddedDatabase database() {
        return database;
    }

    /** Deletes expired records and claims, a chunk per transaction. */
    CompletableFuture<Integer> purgeExpired() {
        if (closed.get()) {
            return CompletableFuture.completedFuture(0);
        }
        return database.write(s -> {
            long now = clock.millis();
            PreparedStatement results = s.prepare(PURGE_RESULTS_SQL);
            results.setLong(1, now);
            int deletedResults = results.executeUpdate();
            PreparedStatement claims = s.prepare(PURGE_CLAIMS_SQL);
            claims.setLong(1, now);
            int deletedClaims = claims.executeUpdate();
            return new int[] {deletedResults, deletedClaims};
        }).thenCompose(deleted -> {
            int total = deleted[0] + deleted[1];
            return deleted[0] == PURGE_CHUNK || deleted[1] == PURGE_CHUNK
                    ? purgeExpired().thenApply(more -> more + total)
                    : CompletableFuture.completedFuture(total);
        })
                .whenComplete((deleted, failure) -> {
                    if (failure != null && !closed.get()) {
                        LOG.warn("embedded result store: could not purge expired results: {}", failure.getMessage());
                    }
                });
    }

    private void recheckWaiters() {
        if (waiters.isEmpty() || !rechecking.compareAndSet(false, true)) {
            return;
        }
        List<String> ids = List.copyOf(waiters.keySet());
        database.read(s -> fetchAll(s, ids), "read results").whenComplete((records, failure) -> {
            rechecking.set(false);
            if (failure != null) {
                LOG.debug("embedded result store: re-check failed: {}", failure.getMessage());
                return;
            }
            records.forEach((id, record) -> {
                if (record.isPresent() && record.get().status().isTerminal()) {
                    finishWaiters(id, record);
                }
            });
        });
    }

    private void finishWaiters(String id, Optional<RequestRecord> record) {
        Set<Waiter> set = waiters.get(id);
        if (set != null) {
            List.copyOf(set).forEach(w -> w.finish(record));
        }
    }

    private void finishWithCurrent(Waiter waiter) {
        database.read(s -> fetch(s, waiter.id), "read a result").whenComplete((record, failure) -> {
            if (failure != null) {
                waiter.fail(failure);
            } else {
                waiter.finish(record);
            }
        });
    }

    private Optional<RequestRecord> fetch(SqlSession s, String correlationId) throws SQLException {
        PreparedStatement ps = s.prepare(GET_SQL);
        ps.setString(1, correlationId);
        ps.setLong(2, clock.millis());
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(Row.read(rs)) : Optional.empty();
        }
    }

    private Map<String, Optional<RequestRecord>> fetchAll(SqlSession s, List<String> ids) throws SQLException {
        Map<String, Optional<RequestRecord>> records = new HashMap<>();
        for (String id : ids) {
            records.put(id, fetch(s, id));
        }
        return records;
    }

    private HqmException closedException() {
        return HqmException.transientFailure("embedded result store is closed", null);
    }

    private static long saturatedMillis(Duration d) {
        try {
            return d.toMillis();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    /** One caller of {@link #awaitTerminal}; completed exactly once, by whichever of its triggers is first. */
    private final class Waiter {
        private final String id;
        private final CompletableFuture<Optional<RequestRecord>> future = new CompletableFuture<>();
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile ScheduledFuture<?> timeout;

        Waiter(String id) {
            this.id = id;
        }

        void finish(Optional<RequestRecord> record) {
            if (settle()) {
                database.completeLater(future, record, null);
            }
        }

        void fail(Throwable failure) {
            if (settle()) {
                database.completeLater(future, null, failure);
            }
        }

        private boolean settle() {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            waiters.computeIfPresent(id, (key, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
            ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
            return true;
        }
    }

    /** A {@link RequestRecord} converted for binding in the caller's thread. */
    private record Row(RequestRecord record, long submittedAt, long updatedAt, Long completedAt,
                       String replyHeaders, String attributes, Long startedAt) {

        static Row of(RequestRecord r) {
            return new Row(r, Columns.nanos(r.submittedAt(), "submittedAt"), Columns.nanos(r.updatedAt(), "updatedAt"),
                    Columns.nanosOrNull(r.completedAt(), "completedAt"),
                    r.reply() == null ? null : JsonColumns.encodeStrings(r.reply().headers()),
                    JsonColumns.encodeStrings(r.attributes()), Columns.nanosOrNull(r.startedAt(), "startedAt"));
        }

        void bind(PreparedStatement ps) throws SQLException {
            RequestRecord r = record;
            Reply reply = r.reply();
            ps.setString(1, r.correlationId());
            ps.setString(2, r.status().name());
            ps.setLong(3, submittedAt);
            ps.setLong(4, updatedAt);
            ps.setInt(5, r.attempts());
            Columns.setString(ps, 6, r.owner());
            if (reply == null) {
                ps.setNull(7, java.sql.Types.BLOB);
                ps.setNull(8, java.sql.Types.VARCHAR);
                ps.setNull(9, java.sql.Types.VARCHAR);
                ps.setNull(10, java.sql.Types.INTEGER);
            } else {
                ps.setBytes(7, reply.body());
                ps.setString(8, reply.contentType());
                ps.setString(9, replyHeaders);
                Columns.setLong(ps, 10, reply.statusCode() == null ? null : reply.statusCode().longValue());
            }
            Columns.setString(ps, 11, r.error());
            Columns.setLong(ps, 12, r.processingTimeMs());
            Columns.setLong(ps, 13, completedAt);
            ps.setString(14, attributes);
            Columns.setLong(ps, 15, startedAt);
        }

        static RequestRecord read(ResultSet rs) throws SQLException {
            String id = rs.getString(1);
            try {
                String replyType = rs.getString(8);
                Reply reply = replyType == null ? null : new Reply(Columns.getBytes(rs, 7), replyType,
                        JsonColumns.decodeStrings(rs.getString(9)), Columns.getInt(rs, 10));
                return new RequestRecord(id, Status.valueOf(rs.getString(2)), Columns.instant(rs.getLong(3)),
                        Columns.instant(rs.getLong(4)), rs.getInt(5), rs.getString(6), reply, rs.getString(11),
                        Columns.getLong(rs, 12), Columns.getInstant(rs, 13),
                        JsonColumns.decodeStrings(rs.getString(14)), Columns.getInstant(rs, 15));
            } catch (IllegalArgumentException | NullPointerException e) {
                LOG.error("stored result {} is malformed", id, e);
                throw HqmException.internal("stored result " + id + " is malformed (" + SqliteErrors.SEE_LOG + ")",
                        e);
            }
        }
    }
}
