package io.openhqm.plugin.embedded;

import io.openhqm.api.HqmException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a database in this process. Write work queues up while a transaction commits; the
 * writer thread then takes everything waiting (up to {@code maxBatch} works and about
 * {@value #MAX_BATCH_BYTES} bytes of payload) and runs it in one
 * {@code BEGIN IMMEDIATE} transaction, so concurrent writers share one fsync. Each work's future completes
 * on the writer thread after the commit (or exceptionally if its work or the commit failed), so dependents
 * attached to those futures must be quick and must not block; public futures are completed elsewhere
 * (see {@link EmbeddedDatabase#publicly}).
 *
 * <p>A work that fails on its own data is rolled back alone: the transaction is rolled back, the work
 * fails, and the rest of the batch runs again. A failure of the database itself (busy beyond the busy
 * timeout, I/O, disk full) fails the whole batch after a few retries for busy.
 *
 * <p>The backlog of waiting works is bounded for new work only: {@link #offer} refuses at once, with a
 * TRANSIENT {@link HqmException}, while {@code maxBacklog} works or about {@value #MAX_BACKLOG_BYTES} bytes of
 * payload wait. {@link #submit} always queues: it is for work that settles or undoes work already accepted
 * (acks, results, leases, compensations), which refusing would lose or repeat; that work is itself bounded by
 * what was accepted.
 */
final class GroupCommitWriter {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);
    private static final int BUSY_RETRIES = 3;
    /** Keeps one transaction (and the WAL) from growing huge when large bodies arrive together. */
    static final long MAX_BATCH_BYTES = 32L * 1024 * 1024;
    /** Keeps queued bodies from filling the heap; one work larger than this is still taken alone. */
    static final long MAX_BACKLOG_BYTES = 256L * 1024 * 1024;

    private record Pending<T>(SqlWork<T> work, long bytes, CompletableFuture<T> future) {
        @SuppressWarnings("unchecked")
        void complete(Object result) {
            future.complete((T) result);
        }
    }

    private static final Pending<Void> STOP = new Pending<>(s -> null, 0, new CompletableFuture<>());

    private final SqlSession session;
    private final String database;
    private final int maxBatch;
    private final int maxBacklog;
    private final Overload overload;
    private final BlockingQueue<Pending<?>> pending = new LinkedBlockingQueue<>();
    private final AtomicInteger backlog = new AtomicInteger();
    private final AtomicLong backlogBytes = new AtomicLong();
    private final Object submitLock = new Object();
    private boolean closed; // guarded by submitLock
    private final Thread thread;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong committedWorks = new AtomicLong();
    private volatile String failing;

    GroupCommitWriter(SqlSession session, String database, int maxBatch, int maxBacklog) {
        this.session = session;
        this.database = database;
        this.maxBatch = maxBatch;
        this.maxBacklog = maxBacklog;
        this.overload = new Overload(database + " writer");
        this.thread = Thread.ofPlatform().daemon().name("hqm-embedded-writer").unstarted(this::run);
        thread.start();
    }

    /** Queues {@code work} for the next transaction; the future completes after its commit. */
    <T> CompletableFuture<T> submit(SqlWork<T> work) {
        return submit(work, 0);
    }

    /** As {@link #submit(SqlWork)}, for work that writes about {@code bytes} bytes of payload. */
    <T> CompletableFuture<T> submit(SqlWork<T> work, long bytes) {
        synchronized (submitLock) {
            if (closed) {
                return CompletableFuture.failedFuture(closedException());
            }
            return enqueue(work, bytes);
        }
    }

    /**
     * As {@link #submit(SqlWork, long)} for new work, unless the backlog is full: then the future has already
     * failed with a TRANSIENT {@link HqmException} saying the queue is overloaded.
     */
    <T> CompletableFuture<T> offer(SqlWork<T> work, long bytes) {
        synchronized (submitLock) {
            if (closed) {
                return CompletableFuture.failedFuture(closedException());
            }
            int waiting = backlog.get();
            long waitingBytes = backlogBytes.get();
            if (waiting >= maxBacklog) {
                return CompletableFuture.failedFuture(overload.refuse(waiting + " writes are waiting"));
            }
            if (waitingBytes > 0 && waitingBytes + bytes > MAX_BACKLOG_BYTES) {
                return CompletableFuture.failedFuture(overload.refuse(waitingBytes + " bytes of writes are waiting"));
            }
            return enqueue(work, bytes);
        }
    }

    private <T> CompletableFuture<T> enqueue(SqlWork<T> work, long bytes) {
        CompletableFuture<T> future = new CompletableFuture<>();
        backlog.incrementAndGet();
        backlogBytes.addAndGet(bytes);
        pending.add(new Pending<>(work, bytes, future));
        return future;
    }

    /** Works queued and not yet taken into a transaction. */
    int backlog() {
        return backlog.get();
    }

    /** New works refused so far because the backlog was full. */
    long refused() {
        return overload.refused();
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    /** Transactions committed so far. */
    long commits() {
        return commits.get();
    }

    /**
     * Why the last transaction failed as a whole (e.g. {@code "disk full"}), or {@code null} if it committed or
     * only single works failed on their own data.
     */
    String failing() {
        return failing;
    }

    /** Works committed so far. */
    long committedWorks() {
        return committedWorks.get();
    }

    /** Runs everything already queued, then stops the thread and closes the connection. */
    void close() {
        synchronized (submitLock) {
            if (closed) {
                return;
            }
            closed = true;
            pending.add(STOP);
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static HqmException closedException() {
        return HqmException.transientFailure("the embedded queue is closed", null);
    }

    private void run() {
        List<Pending<?>> batch = new ArrayList<>(maxBatch);
        boolean stop = false;
        try {
            while (!stop) {
                Pending<?> first = take();
                if (first == STOP) {
                    break;
                }
                batch.add(first);
                long bytes = first.bytes();
                while (batch.size() < maxBatch && bytes < MAX_BATCH_BYTES) {
                    Pending<?> next = poll();
                    if (next == null) {
                        break;
                    }
                    if (next == STOP) { // nothing is queued after STOP
                        stop = true;
                        break;
                    }
                    batch.add(next);
                    bytes += next.bytes();
                }
                try {
                    execute(batch);
                } catch (RuntimeException | Error e) {
                    LOG.error("{}: write batch failed unexpectedly", database, e);
                    failing = "database writer failed (" + SqliteErrors.SEE_LOG + ")";
                    fail(batch, HqmException.internal("the embedded queue could not write: internal error ("
                            + SqliteErrors.SEE_LOG + ")", e));
                }
                batch.clear();
            }
        } finally {
            session.close();
        }
    }

    private Pending<?> take() {
        while (true) {
            try {
                return taken(pending.take());
            } catch (InterruptedException e) {
                // only close() stops the writer, by queueing STOP
            }
        }
    }

    private Pending<?> poll() {
        return taken(pending.poll());
    }

    private Pending<?> taken(Pending<?> work) {
        if (work != null && work != STOP) {
            backlog.decrementAndGet();
            backlogBytes.addAndGet(-work.bytes());
        }
        return work;
    }

    private void execute(List<Pending<?>> batch) {
        List<Pending<?>> todo = new ArrayList<>(batch);
        int busyRetries = 0;
        while (!todo.isEmpty()) {
            try {
                session.execute("BEGIN IMMEDIATE");
            } catch (SQLException e) {
                if (SqliteErrors.isBusy(e) && ++busyRetries <= BUSY_RETRIES) {
                    LOG.debug("{}: database busy, retrying", database);
                    continue;
                }
                failing = SqliteErrors.problem(e);
                fail(todo, SqliteErrors.map(database, "write", e));
                return;
            }
            Object[] results = new Object[todo.size()];
            int failedAt = -1;
            Exception failure = null;
            for (int i = 0; i < todo.size(); i++) {
                try {
                    results[i] = todo.get(i).work().run(session);
                } catch (SQLException | RuntimeException e) {
                    failedAt = i;
                    failure = e;
                    break;
                }
            }
            if (failedAt >= 0) {
                rollbackQuietly();
                session.discardStatements();
                if (failure instanceof SQLException se && SqliteErrors.affectsWholeBatch(se)) {
                    if (SqliteErrors.isBusy(se) && ++busyRetries <= BUSY_RETRIES) {
                        continue;
                    }
                    failing = SqliteErrors.problem(se);
                    fail(todo, SqliteErrors.map(database, "write", se));
                    return;
                }
                Pending<?> bad = todo.remove(failedAt);
                bad.future().completeExceptionally(SqliteErrors.map(database, "write", failure));
                continue;
            }
            try {
                session.execute("COMMIT");
            } catch (SQLException e) {
                if (SqliteErrors.isBusy(e) && ++busyRetries <= BUSY_RETRIES) {
                    rollbackQuietly();
                    continue;
                }
                rollbackQuietly();
                failing = SqliteErrors.problem(e);
                fail(todo, SqliteErrors.map(database, "write", e));
                return;
            }
            failing = null;
            commits.incrementAndGet();
            committedWorks.addAndGet(todo.size());
            for (int i = 0; i < todo.size(); i++) {
                try {
                    todo.get(i).complete(results[i]);
                } catch (RuntimeException e) {
                    LOG.error("{}: a commit callback failed", database, e);
                }
            }
            return;
        }
    }

    private void rollbackQuietly() {
        try {
            session.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // SQLite may have rolled back already
        }
    }

    private static void fail(List<Pending<?>> works, HqmException e) {
        for (Pending<?> work : works) {
            work.future().completeExceptionally(e);
        }
    }
}
