package io.openhqm.plugin.embedded;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.Health;
import io.openhqm.api.HqmException;
import io.openhqm.api.PluginContext;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * One open SQLite database file, shared by the embedded queue and result store of one process: a single
 * {@link GroupCommitWriter}, a small pool of reader threads with their own connections (WAL lets them read
 * while the writer writes), a timer thread, and an executor that completes futures handed to callers.
 *
 * <p>The queue and result store of one server share one per database file ({@link #of}), a resource shared
 * through the {@link PluginContext}; another context (another server in the same JVM, as in tests) gets its own
 * connections and behaves as another process would. The server closes it after both adapters: {@link #close()}
 * runs all queued writes, then closes everything.
 */
final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
    private static final int READERS = 2;
    static final int BUSY_TIMEOUT_MILLIS = 5_000;

    private final Path file;
    private final EmbeddedQueueConfig config;
    private final Clock clock;
    private final String name;
    private final GroupCommitWriter writer;
    private final ThreadPoolExecutor readers;
    private final Overload readOverload;
    private final ThreadLocal<SqlSession> readerSession = new ThreadLocal<>();
    private final List<SqlSession> readerSessions = new ArrayList<>(); // guarded by itself
    private final ScheduledThreadPoolExecutor timer;
    private final ExecutorService callbacks;
    private final Signal messages = new Signal();
    private final Map<String, Integer> openQueues = new HashMap<>(); // guarded by itself
    private volatile boolean closed;

    private EmbeddedDatabase(EmbeddedQueueConfig config, Clock clock, SqlSession writerSession) {
        this.file = config.databaseFile();
        this.config = config;
        this.clock = clock;
        this.name = file.toString();
        this.writer = new GroupCommitWriter(writerSession, name, config.maxBatch(), config.maxBacklog());
        this.readers = new ThreadPoolExecutor(READERS, READERS, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(config.maxBacklog()), daemonThreads("hqm-embedded-reader-"));
        this.readOverload = new Overload(name + " readers");
        this.timer = new ScheduledThreadPoolExecutor(1, daemonThreads("hqm-embedded-timer-"));
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.callbacks = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("hqm-embedded-callback-", 0)
                .factory());
    }

    /**
     * This server's database of {@code config}'s file, opened on first use; the server closes it after the
     * adapters. The first opener's settings apply (queue and result store read the same block).
     */
    static EmbeddedDatabase of(EmbeddedQueueConfig config, PluginContext context) {
        return context.shared(EmbeddedDatabase.class, config.databaseFile(), () -> open(config, context.clock()));
    }

    /** Runs all queued writes, then closes the connections and threads. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        messages.signalAll();
        timer.shutdownNow();
        writer.close();
        readers.shutdown();
        try {
            if (!readers.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("{}: readers did not stop within 10 s", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (readerSessions) {
            readerSessions.forEach(SqlSession::close);
            readerSessions.clear();
        }
        callbacks.shutdown();
    }

    /**
     * Records that a queue named {@code queue} opened on this database; true if no other queue of that name
     * is open here, i.e. this is a (re)start whose old leases may be released.
     */
    boolean openQueue(String queue) {
        synchronized (openQueues) {
            return openQueues.merge(queue, 1, Integer::sum) == 1;
        }
    }

    void closeQueue(String queue) {
        synchronized (openQueues) {
            openQueues.computeIfPresent(queue, (k, n) -> n == 1 ? null : n - 1);
        }
    }

    EmbeddedQueueConfig config() {
        return config;
    }

    Clock clock() {
        return clock;
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Down, with a reason an operator can act on (never a path), if the database is closed, its writer stopped
     * or its last write transaction failed; else {@code check}'s detail, or down if the check fails.
     */
    Health health(Supplier<String> check) {
        if (closed) {
            return Health.down("closed");
        }
        if (!writer.isAlive()) {
            return Health.down("database writer stopped (" + SqliteErrors.SEE_LOG + ")");
        }
        String failing = writer.failing();
        if (failing != null) {
            return Health.down(failing);
        }
        try {
            return Health.up(check.get());
        } catch (HqmException e) {
            return Health.down(e.getMessage());
        }
    }

    GroupCommitWriter writer() {
        return writer;
    }

    /** Signalled after every in-process write that may make a message due (publish, retry, defer). */
    Signal messages() {
        return messages;
    }

    ScheduledThreadPoolExecutor timer() {
        return timer;
    }

    /**
     * Runs {@code work} in the next group-commit transaction; see {@link GroupCommitWriter}. For work that settles
     * or undoes work already accepted: it is never refused for overload.
     */
    <T> CompletableFuture<T> write(SqlWork<T> work) {
        return writer.submit(work);
    }

    /** As {@link #write(SqlWork)}, for work that stores about {@code bytes} bytes of payload. */
    <T> CompletableFuture<T> write(SqlWork<T> work, long bytes) {
        return writer.submit(work, bytes);
    }

    /**
     * As {@link #write(SqlWork, long)} for new work (a publish, an idempotency claim): refused at once with a
     * TRANSIENT failure while the writer's backlog is full ({@code max_backlog}).
     */
    <T> CompletableFuture<T> admit(SqlWork<T> work, long bytes) {
        return writer.offer(work, bytes);
    }

    /**
     * Runs {@code work} on a reader thread; the future completes there. Refused at once with a TRANSIENT failure
     * while {@code max_backlog} reads wait.
     */
    <T> CompletableFuture<T> read(SqlWork<T> work, String action) {
        CompletableFuture<T> future = new CompletableFuture<>();
        try {
            readers.execute(() -> {
                SqlSession session = null;
                try {
                    session = readerSession();
                    future.complete(work.run(session));
                } catch (SQLException | RuntimeException e) {
                    if (session != null) {
                        session.discardStatements();
                    }
                    future.completeExceptionally(SqliteErrors.map(name, action, e));
                }
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(readers.isShutdown()
                    ? HqmException.transientFailure("the embedded queue is closed", null)
                    : readOverload.refuse(readers.getQueue().size() + " reads are waiting"));
        }
        return future;
    }

    /**
     * A future for callers that completes when {@code internal} does, on a virtual thread of our own, so
     * that what callers chain onto it never runs on (or blocks) the writer or reader threads.
     */
    <T> CompletableFuture<T> publicly(CompletableFuture<T> internal) {
        CompletableFuture<T> result = new CompletableFuture<>();
        internal.whenComplete((value, failure) -> completeLater(result, value, failure));
        return result;
    }

    /** Completes {@code future} on a callback thread (inline once the database is closed). */
    <T> void completeLater(CompletableFuture<T> future, T value, Throwable failure) {
        Runnable completion = () -> {
            if (failure == null) {
                future.complete(value);
            } else {
                future.completeExceptionally(unwrap(failure));
            }
        };
        try {
            callbacks.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
        }
    }

    /** Waits for {@code future} without reacting to interrupts (the interrupt status is kept). */
    static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw unwrap(e.getCause());
        }
    }

    /** Waits for {@code future}, interruptibly. */
    static <T> T await(CompletableFuture<T> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    static RuntimeException unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof HqmException h) {
            return h;
        }
        LOG.error("embedded queue: unexpected failure", t);
        return HqmException.internal("the embedded queue failed: internal error (" + SqliteErrors.SEE_LOG + ")", t);
    }

    private SqlSession readerSession() throws SQLException {
        SqlSession session = readerSession.get();
        if (session == null) {
            session = new SqlSession(connect(file, config, false));
            readerSession.set(session);
            synchronized (readerSessions) {
                readerSessions.add(session);
            }
        }
        return session;
    }

    private static EmbeddedDatabase open(EmbeddedQueueConfig config, Clock clock) {
        Path directory = config.directory();
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw HqmException.config(config.block() + ".path: cannot create directory " + directory + ": "
                    + reason(e));
        }
        Path file = config.databaseFile();
        String name = file.toString();
        Connection connection;
        try {
            connection = connect(file, config, true);
        } catch (SQLException e) {
            throw openFailure(config, name, e);
        }
        SqlSession session = new SqlSession(connection);
        try {
            enableWal(session);
            session.execute("PRAGMA synchronous = " + config.synchronous().name());
            session.execute("BEGIN IMMEDIATE");
            try {
                Schema.apply(session, name, config.block());
                session.execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                try {
                    session.execute("ROLLBACK");
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        } catch (SQLException e) {
            session.close();
            throw openFailure(config, name, e);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
        LOG.info("embedded queue database {} open (synchronous={}, max_batch={}, max_backlog={})", name,
                config.synchronous().name().toLowerCase(Locale.ROOT), config.maxBatch(), config.maxBacklog());
        return new EmbeddedDatabase(config, clock, session);
    }

    private static void enableWal(SqlSession session) throws SQLException {
        // Switching a fresh database to WAL needs a moment of exclusive access; another process opening it
        // at the same time may make us wait past the busy timeout once.
        for (int attempt = 1; ; attempt++) {
            try {
                String mode = session.queryString("PRAGMA journal_mode = WAL");
                if (!"wal".equalsIgnoreCase(mode)) {
                    throw new SQLException("journal_mode is " + mode + ", not wal (is the file on a network file "
                            + "system?)");
                }
                return;
            } catch (SQLException e) {
                if (!SqliteErrors.isBusy(e) || attempt >= 3) {
                    throw e;
                }
            }
        }
    }

    private static Connection connect(Path file, EmbeddedQueueConfig config, boolean writer) throws SQLException {
        SQLiteConfig sqlite = new SQLiteConfig();
        sqlite.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
        Connection connection = sqlite.createConnection("jdbc:sqlite:" + file);
        if (!writer) {
            try (var statement = connection.createStatement()) {
                statement.execute("PRAGMA query_only = 1");
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
        }
        return connection;
    }

    private static HqmException openFailure(EmbeddedQueueConfig config, String name, SQLException e) {
        ErrorKind kind = SqliteErrors.isBusy(e) ? ErrorKind.TRANSIENT : ErrorKind.CONFIG;
        return new HqmException(kind, config.block() + ".path: cannot open database " + name + ": "
                + e.getMessage(), e);
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file that is not a directory is in the way";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return String.valueOf(e.getMessage());
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> Thread.ofPlatform().daemon().name(prefix + count.incrementAndGet()).unstarted(runnable);
    }
}
