package io.openhqm.server.admin;

import static java.util.Objects.requireNonNull;

import io.openhqm.api.ErrorKind;
import io.openhqm.api.HqmException;
import io.openhqm.api.queue.DeadLetterEntry;
import io.openhqm.api.queue.DeadLetterFilter;
import io.openhqm.api.queue.DeadLetterPage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bulk redrive jobs of this process, each on a virtual thread of its own. A job first lists the ids of the dead
 * letters its filter matches, page by page, then redrives them one by one through {@link QueueAdmin#redrive} (result
 * record reopened, then one atomic move), paced by a {@link Pacer}: a crash at any instant leaves each message either
 * a dead letter or queued, and a restarted server does not resume the job. A job whose backend fails (a
 * {@link ErrorKind#TRANSIENT} failure) stops as failed. Jobs are kept in memory: every running one and the last
 * {@value #FINISHED_KEPT} finished ones. Thread-safe.
 */
public final class RedriveJobs implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedriveJobs.class);
    static final int FINISHED_KEPT = 100;
    static final int PAGE = 500;

    private final QueueAdmin admin;
    private final Clock clock;
    private final ExecutorService runner = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("hqm-redrive-", 0).factory());
    /** In the order they started. */
    private final Map<String, RedriveJob> jobs = new LinkedHashMap<>();

    public RedriveJobs(QueueAdmin admin, Clock clock) {
        this.admin = requireNonNull(admin, "admin is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * Starts redriving what {@code filter} matches at {@code ratePerSecond}.
     *
     * @throws UnsupportedOperationException if the queue cannot browse its dead letters
     */
    public RedriveJob.Snapshot start(DeadLetterFilter filter, int ratePerSecond) {
        admin.requireBrowser();
        RedriveJob job = new RedriveJob(UUID.randomUUID().toString(), filter, ratePerSecond, clock.instant());
        synchronized (jobs) {
            jobs.put(job.id(), job);
            forgetOldFinished();
        }
        runner.execute(() -> run(job));
        LOG.info("redrive job {} started: dead letters matching {} at {}/s", job.id(), filter, ratePerSecond);
        return job.snapshot();
    }

    public Optional<RedriveJob.Snapshot> get(String id) {
        synchronized (jobs) {
            return Optional.ofNullable(jobs.get(id)).map(RedriveJob::snapshot);
        }
    }

    /** Every job kept, the newest first. */
    public List<RedriveJob.Snapshot> list() {
        List<RedriveJob.Snapshot> out = new ArrayList<>();
        synchronized (jobs) {
            jobs.values().forEach(job -> out.add(job.snapshot()));
        }
        return out.reversed();
    }

    /**
     * Cancels the job {@code id} and waits up to {@code wait} for it to stop (it finishes the move under way); a
     * finished job stays as it was.
     *
     * @return the job as it is then, or empty if there is no such job
     */
    public Optional<RedriveJob.Snapshot> cancel(String id, Duration wait) throws InterruptedException {
        RedriveJob job;
        synchronized (jobs) {
            job = jobs.get(id);
        }
        if (job == null) {
            return Optional.empty();
        }
        job.cancel.countDown();
        job.finished.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        return Optional.of(job.snapshot());
    }

    private void run(RedriveJob job) {
        try {
            List<String> ids = matches(job);
            if (ids == null) {
                finish(job, RedriveJob.State.CANCELLED, null);
                return;
            }
            Pacer pacer = new Pacer(job.ratePerSecond());
            for (String id : ids) {
                if (!pacer.await(job.cancel)) {
                    finish(job, RedriveJob.State.CANCELLED, null);
                    return;
                }
                redrive(job, id);
            }
            finish(job, RedriveJob.State.COMPLETED, null);
        } catch (InterruptedException e) {
            finish(job, RedriveJob.State.CANCELLED, null);
        } catch (RuntimeException e) {
            LOG.warn("redrive job {} failed: {}", job.id(), e.getMessage());
            finish(job, RedriveJob.State.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** The ids of the matching dead letters, newest first; {@code null} if the job was cancelled meanwhile. */
    private List<String> matches(RedriveJob job) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        do {
            if (job.cancel.getCount() == 0) {
                return null;
            }
            DeadLetterPage page = admin.deadLetters(job.filter(), PAGE, cursor);
            for (DeadLetterEntry entry : page.entries()) {
                ids.add(entry.id());
            }
            job.matched.set(ids.size());
            cursor = page.nextCursor();
        } while (cursor != null);
        return ids;
    }

    /** Redrives one match; a backend failure ends the job, anything else counts as failed. */
    private void redrive(RedriveJob job, String id) {
        try {
            if (admin.redrive(id).isPresent()) {
                job.moved.incrementAndGet();
            } else {
                job.failed.incrementAndGet();
            }
        } catch (HqmException e) {
            job.failed.incrementAndGet();
            if (e.kind() == ErrorKind.TRANSIENT) {
                throw e;
            }
            LOG.warn("redrive job {}: dead letter {} could not be redriven: {}", job.id(), id, e.getMessage());
        }
    }

    private void finish(RedriveJob job, RedriveJob.State state, String error) {
        job.finish(state, clock.instant(), error);
        RedriveJob.Snapshot end = job.snapshot();
        LOG.info("redrive job {} {}: matched {}, moved {}, failed {}", end.id(), state.name().toLowerCase(),
                end.matched(), end.moved(), end.failed());
        synchronized (jobs) {
            forgetOldFinished();
        }
    }

    private void forgetOldFinished() {
        long finished = jobs.values().stream().filter(job -> !job.isRunning()).count();
        for (Iterator<RedriveJob> it = jobs.values().iterator(); it.hasNext() && finished > FINISHED_KEPT; ) {
            if (!it.next().isRunning()) {
                it.remove();
                finished--;
            }
        }
    }

    /** Cancels every running job and waits briefly for them to stop. */
    @Override
    public void close() {
        synchronized (jobs) {
            jobs.values().forEach(job -> job.cancel.countDown());
        }
        runner.shutdown();
        try {
            runner.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
