package io.openhqm.plugin.embedded;

import static java.util.Objects.requireNonNull;

import io.openhqm.api.Health;
import io.openhqm.api.HqmException;
import io.openhqm.api.message.Message;
import io.openhqm.api.queue.AttemptFailure;
import io.openhqm.api.queue.DeadLetterBrowser;
import io.openhqm.api.queue.Delivery;
import io.openhqm.api.queue.Queue;
import io.openhqm.api.queue.QueueConsumer;
import io.openhqm.api.queue.QueueSettings;
import io.openhqm.api.queue.QueueStats;
import io.openhqm.api.result.RequestRecord;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded durable queue: one table of messages in the shared SQLite database.
 *
 * <p>Leases: {@link QueueConsumer#poll} leases due messages in one write transaction
 * ({@code UPDATE ... WHERE seq IN (SELECT ... LIMIT n) RETURNING ...}), recording this process's instance id
 * and a random lease id, and counting the attempt. While a delivery is unsettled and its consumer open, this
 * queue renews its lease every third of {@code visibility_timeout}, so only a process that died (or stopped
 * renewing) loses its messages, {@code visibility_timeout} after its last renewal. A queue that starts
 * releases every lease still held by its own instance id: they belong to the previous run of this process
 * (unless a queue of the same name is still open on this database in this JVM). Two live processes must
 * therefore never share an instance id.
 *
 * <p>Settling applies only while the delivery still holds its lease (same lease id). A delivery that lost
 * its lease (it expired and another consumer took the message) settles as a no-op with a warning: the
 * current holder decides; at-least-once. A lease that expired but was not taken yet still matches, so a
 * late ack then removes the message.
 */
final class EmbeddedQueue implements Queue {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedQueue.class);

    private static final String INSERT_SQL = "INSERT INTO messages (queue, " + MessageRows.COLUMNS
            + ", visible_at) VALUES (?, " + MessageRows.PLACEHOLDERS + ", ?)";
    /**
     * A row never leased has no lease id; one whose lease ended without removing it (handed back, deferred, retried,
     * released at a restart) has lease id 0. A lease records its (positive) id negated on a row leased before, so the
     * returned lease id tells a first delivery.
     */
    private static final String LEASE_SQL = "UPDATE messages SET lease_owner = ?1, lease_id = CASE WHEN lease_id IS "
            + "NULL THEN ?2 ELSE -?2 END, visible_at = ?3, attempt = attempt + 1 WHERE seq IN (SELECT seq FROM "
            + "messages WHERE queue = ?4 AND visible_at <= ?5 ORDER BY priority DESC, seq LIMIT ?6) "
            + "RETURNING seq, lease_id, attempt, history, " + MessageRows.COLUMNS;
    private static final String NEXT_VISIBLE_SQL = "SELECT MIN(visible_at) FROM messages WHERE queue = ?";
    private static final String RELEASE_OWNER_SQL = "UPDATE messages SET lease_owner = NULL, lease_id = 0, "
            + "visible_at = ? WHERE queue = ? AND lease_owner = ?";
    private static final String RENEW_SQL = "UPDATE messages SET visible_at = ? WHERE seq = ? AND lease_id = ?";
    private static final String ACK_SQL = "DELETE FROM messages WHERE seq = ? AND lease_id = ?";
    private static final String RETRY_SQL = "UPDATE messages SET lease_owner = NULL, lease_id = 0, "
            + "visible_at = ?, history = ? WHERE seq = ? AND lease_id = ?";
    private static final String DEFER_SQL = "UPDATE messages SET lease_owner = NULL, lease_id = 0, "
            + "visible_at = ?, attempt = attempt - 1 WHERE seq = ? AND lease_id = ?";
    private static final String DEAD_LETTER_SQL = "INSERT INTO dead_letters (queue, source_queue, "
            + MessageRows.COLUMNS + ", attempt, history, reason, dead_lettered_at_ns) SELECT ?, queue, "
            + MessageRows.COLUMNS + ", attempt, history, ?, ? FROM messages WHERE seq = ? AND lease_id = ?";
    private static final String DELETE_SQL = "DELETE FROM messages WHERE seq = ?";
    private static final String COUNT_SQL = "SELECT n FROM counters WHERE name = ?";
    /** Rows not due yet: leased ones (in flight until their lease expires) and the others (delayed). */
    private static final String NOT_DUE_SQL = "SELECT count(*), count(lease_owner) FROM messages "
            + "WHERE queue = ? AND visible_at > ?";

    /** One leased row; {@code leaseId} is negative unless it is the message's first delivery. */
    record Leased(long seq, long leaseId, int attempt, List<AttemptFailure> history, Message message) {
    }

    /** What one lease transaction returned, and when the next message becomes visible if none was due. */
    record LeaseResult(List<Leased> rows, Long nextVisibleAt) {
    }

    private final EmbeddedDatabase database;
    private final Clock clock;
    private final String name;
    private final String deadLetterName;
    private final EmbeddedDeadLetterBrowser deadLetters;
    private final String instanceId;
    private final long visibilityMillis;
    private final Set<EmbeddedDelivery> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<EmbeddedQueueConsumer> consumers = ConcurrentHashMap.newKeySet();
    private final ScheduledFuture<?> renewal;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile long lastDepth;

    EmbeddedQueue(EmbeddedDatabase database, QueueSettings settings, Clock clock, String instanceId) {
        this.database = requireNonNull(database, "database is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.name = settings.requestQueueName();
        this.deadLetterName = settings.deadLetterQueueName();
        this.deadLetters = new EmbeddedDeadLetterBrowser(this, deadLetterName, clock);
        this.instanceId = requireNonNull(instanceId, "instanceId is null");
        this.visibilityMillis = Math.max(1, database.config().visibilityTimeout().toMillis());

        if (database.openQueue(name)) {
            try {
                releaseLeasesOfPreviousRun();
            } catch (RuntimeException e) {
                database.closeQueue(name);
                throw e;
            }
        }
        long period = Math.max(10, visibilityMillis / 3);
        this.renewal = database.timer().scheduleWithFixedDelay(this::renewLeases, period, period,
                TimeUnit.MILLISECONDS);
    }

    /** This process restarted, so every lease still recorded for its instance id is stale. */
    private void releaseLeasesOfPreviousRun() {
        int released = EmbeddedDatabase.join(database.write(s -> {
            PreparedStatement ps = s.prepare(RELEASE_OWNER_SQL);
            ps.setLong(1, clock.millis());
            ps.setString(2, name);
            ps.setString(3, instanceId);
            return ps.executeUpdate();
        }));
        if (released > 0) {
            LOG.info("embedded queue {}: {} message(s) in flight when {} last stopped are due again", name,
                    released, instanceId);
            database.messages().signalAll();
        }
    }

    @Override
    public CompletionStage<Void> publish(Message message) {
        requireNonNull(message, "message is null");
        if (closed.get()) {
            return CompletableFuture.failedFuture(closedException());
        }
        MessageRows.Encoded encoded;
        try {
            encoded = MessageRows.encode(message);
        } catch (HqmException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> stored = database.admit(s -> {
            PreparedStatement ps = s.prepare(INSERT_SQL);
            ps.setString(1, name);
            MessageRows.bind(ps, 2, encoded);
            ps.setLong(2 + MessageRows.COLUMN_COUNT, clock.millis());
            ps.executeUpdate();
            return null;
        }, message.body().length);
        stored.thenRun(database.messages()::signalAll);
        return database.publicly(stored);
    }

    @Override
    public QueueConsumer consumer(String consumerName) {
        requireNonNull(consumerName, "consumerName is null");
        if (closed.get()) {
            throw closedException();
        }
        EmbeddedQueueConsumer consumer = new EmbeddedQueueConsumer(this, consumerName,
                database.config().pollInterval(), clock);
        consumers.add(consumer);
        return consumer;
    }

    @Override
    public long depth() {
        if (closed.get()) {
            return lastDepth;
        }
        long depth = count("messages:" + name);
        lastDepth = depth;
        return depth;
    }

    @Override
    public QueueStats stats() {
        ensureOpen();
        return EmbeddedDatabase.join(database.read(s -> {
            PreparedStatement ps = s.prepare(NOT_DUE_SQL);
            ps.setString(1, name);
            ps.setLong(2, clock.millis());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long leased = rs.getLong(2);
                return new QueueStats(leased, rs.getLong(1) - leased);
            }
        }, "count messages in flight"));
    }

    @Override
    public Health health() {
        return closed.get() ? Health.down("closed") : database.health(() -> "depth " + depth());
    }

    @Override
    public Optional<DeadLetterBrowser> deadLetterBrowser() {
        return Optional.of(deadLetters);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        renewal.cancel(false);
        consumers.forEach(EmbeddedQueueConsumer::close);
        inFlight.clear();
        database.messages().signalAll();
        database.closeQueue(name);
    }

    boolean isClosed() {
        return closed.get();
    }

    Signal signal() {
        return database.messages();
    }

    EmbeddedDatabase database() {
        return database;
    }

    void removeConsumer(EmbeddedQueueConsumer consumer) {
        consumers.remove(consumer);
        inFlight.removeIf(d -> d.consumer() == consumer);
    }

    /**
     * Leases up to {@code max} due messages for {@code consumer}. If the caller is interrupted while the
     * lease commits, the leased messages are handed back without counting an attempt.
     */
    LeaseResult lease(EmbeddedQueueConsumer consumer, int max) throws InterruptedException {
        CompletableFuture<LeaseResult> leasing = leaseAsync(max);
        LeaseResult result;
        try {
            result = EmbeddedDatabase.await(leasing);
        } catch (InterruptedException e) {
            leasing.thenAccept(this::handBack);
            throw e;
        }
        if (consumer.isClosed() || closed.get()) {
            handBack(result);
            return new LeaseResult(List.of(), null);
        }
        return result;
    }

    /**
     * Leases up to {@code max} due messages in the next group commit without waiting for it; the future completes on
     * the writer thread, so what is chained onto it must be quick.
     */
    CompletableFuture<LeaseResult> leaseAsync(int max) {
        long leaseId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        return database.write(s -> leaseRows(s, leaseId, max));
    }

    /** Turns leased rows into deliveries whose leases this queue renews until they are settled. */
    List<EmbeddedDelivery> deliveries(EmbeddedQueueConsumer consumer, LeaseResult result) {
        List<EmbeddedDelivery> deliveries = new ArrayList<>(result.rows().size());
        for (Leased row : result.rows()) {
            EmbeddedDelivery delivery = new EmbeddedDelivery(this, consumer, row.seq(), row.leaseId(),
                    row.message(), row.attempt(), row.history());
            inFlight.add(delivery);
            deliveries.add(delivery);
        }
        return deliveries;
    }

    private LeaseResult leaseRows(SqlSession s, long leaseId, int max) throws SQLException {
        long now = clock.millis();
        PreparedStatement ps = s.prepare(LEASE_SQL);
        ps.setString(1, instanceId);
        ps.setLong(2, leaseId);
        ps.setLong(3, now + visibilityMillis);
        ps.setString(4, name);
        ps.setLong(5, now);
        ps.setInt(6, max);
        List<Leased> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(new Leased(rs.getLong(1), rs.getLong(2), rs.getInt(3),
                        JsonColumns.decodeHistory(rs.getString(4)), MessageRows.read(rs, 5)));
            }
        }
        if (!rows.isEmpty()) {
            // RETURNING does not keep the subquery's order
            rows.sort(Comparator.comparingInt((Leased r) -> -r.message().metadata().priority())
                    .thenComparingLong(Leased::seq));
            return new LeaseResult(rows, null);
        }
        PreparedStatement next = s.prepare(NEXT_VISIBLE_SQL);
        next.setString(1, name);
        try (ResultSet rs = next.executeQuery()) {
            return new LeaseResult(rows, rs.next() ? Columns.getLong(rs, 1) : null);
        }
    }

    private void handBack(LeaseResult result) {
        handBack(result.rows());
    }

    /** Hands back leased deliveries no worker was given, without counting an attempt; does not wait. */
    void handBackUnused(List<EmbeddedDelivery> deliveries) {
        deliveries.forEach(this::forget);
        handBack(deliveries.stream()
                .map(d -> new Leased(d.seq(), d.leaseId(), d.attempt(), d.history(), d.message())).toList());
    }

    private void handBack(List<Leased> leases) {
        if (leases.isEmpty()) {
            return;
        }
        database.write(s -> {
            PreparedStatement ps = s.prepare(DEFER_SQL);
            for (Leased lease : leases) {
                ps.setLong(1, clock.millis());
                ps.setLong(2, lease.seq());
                ps.setLong(3, lease.leaseId());
                ps.executeUpdate();
            }
            return null;
        }).whenComplete((ignored, failure) -> {
            if (failure != null) {
                LOG.warn("embedded queue {}: could not hand back {} leased message(s); they are redelivered "
                        + "after the visibility timeout: {}", name, leases.size(), failure.getMessage());
            }
            database.messages().signalAll();
        });
    }

    CompletableFuture<Boolean> ack(EmbeddedDelivery d) {
        return database.write(s -> ack(s, d));
    }

    /** Stores {@code outcome} in {@code results} and acknowledges {@code d} in one transaction, one commit. */
    CompletableFuture<Boolean> ack(EmbeddedDelivery d, EmbeddedResultStore results, RequestRecord outcome) {
        return results.putThen(outcome, s -> ack(s, d));
    }

    /** Whether {@code results} keeps its records in this queue's database. */
    boolean sharesDatabaseWith(EmbeddedResultStore results) {
        return results.storesIn(database);
    }

    private static boolean ack(SqlSession s, EmbeddedDelivery d) throws SQLException {
        PreparedStatement ps = s.prepare(ACK_SQL);
        ps.setLong(1, d.seq());
        ps.setLong(2, d.leaseId());
        return ps.executeUpdate() == 1;
    }

    CompletableFuture<Boolean> retry(EmbeddedDelivery d, Duration delay, String error) {
        List<AttemptFailure> history = new ArrayList<>(d.history());
        history.add(new AttemptFailure(d.attempt(), clock.instant(), error));
        String encoded = JsonColumns.encodeHistory(history);
        CompletableFuture<Boolean> done = database.write(s -> {
            PreparedStatement ps = s.prepare(RETRY_SQL);
            ps.setLong(1, Columns.plusMillis(clock.millis(), delay));
            ps.setString(2, encoded);
            ps.setLong(3, d.seq());
            ps.setLong(4, d.leaseId());
            return ps.executeUpdate() == 1;
        });
        done.thenRun(database.messages()::signalAll);
        return done;
    }

    CompletableFuture<Boolean> defer(EmbeddedDelivery d, Duration delay) {
        CompletableFuture<Boolean> done = database.write(s -> {
            PreparedStatement ps = s.prepare(DEFER_SQL);
            ps.setLong(1, Columns.plusMillis(clock.millis(), delay));
            ps.setLong(2, d.seq());
            ps.setLong(3, d.leaseId());
            return ps.executeUpdate() == 1;
        });
        done.thenRun(database.messages()::signalAll);
        return done;
    }

    CompletableFuture<Boolean> deadLetter(EmbeddedDelivery d, String reason) {
        long at = Columns.nanos(clock.instant(), "now");
        return database.write(s -> {
            PreparedStatement insert = s.prepare(DEAD_LETTER_SQL);
            insert.setString(1, deadLetterName);
            insert.setString(2, reason);
            insert.setLong(3, at);
            insert.setLong(4, d.seq());
            insert.setLong(5, d.leaseId());
            if (insert.executeUpdate() == 0) {
                return false;
            }
            PreparedStatement delete = s.prepare(DELETE_SQL);
            delete.setLong(1, d.seq());
            delete.executeUpdate();
            return true;
        });
    }

    void forget(EmbeddedDelivery delivery) {
        inFlight.remove(delivery);
    }

    String name() {
        return name;
    }

    private void renewLeases() {
        if (inFlight.isEmpty()) {
            return;
        }
        List<EmbeddedDelivery> live = List.copyOf(inFlight);
        database.write(s -> {
            long until = clock.millis() + visibilityMillis;
            PreparedStatement ps = s.prepare(RENEW_SQL);
            List<EmbeddedDelivery> lost = new ArrayList<>();
            for (EmbeddedDelivery d : live) {
                ps.setLong(1, until);
                ps.setLong(2, d.seq());
                ps.setLong(3, d.leaseId());
                if (ps.executeUpdate() == 0) {
                    lost.add(d);
                }
            }
            return lost;
        }).whenComplete((lost, failure) -> {
            if (failure != null) {
                LOG.warn("embedded queue {}: could not renew leases: {}", name, failure.getMessage());
            } else {
                // settled meanwhile, or taken over by another process after expiring
                lost.forEach(inFlight::remove);
            }
        });
    }

    long count(String counter) {
        return EmbeddedDatabase.join(database.read(s -> {
            PreparedStatement ps = s.prepare(COUNT_SQL);
            ps.setString(1, counter);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        }, "count messages"));
    }

    void ensureOpen() {
        if (closed.get()) {
            throw closedException();
        }
    }

    private HqmException closedException() {
        return HqmException.transientFailure("embedded queue " + name + " is closed", null);
    }
}
