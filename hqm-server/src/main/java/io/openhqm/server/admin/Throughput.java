package io.openhqm.server.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Messages per second over the last {@link #WINDOW}, from this process's own meters: submitted
 * ({@code openhqm_queue_publish_total{status="success"}}), completed
 * ({@code openhqm_worker_processing_duration_seconds{status="completed"}}) and failed, i.e. moved to the dead letters
 * ({@code openhqm_queue_dlq_total}). A process that runs no workers reports 0 completed and failed. The totals are
 * sampled every {@link #INTERVAL}; a rate compares the totals now with the oldest sample in the window. The
 * {@link #cumulative() cumulative} totals let a client derive rates over its own intervals. Thread-safe.
 */
public final class Throughput implements AutoCloseable {
    static final Duration WINDOW = Duration.ofMinutes(1);
    static final Duration INTERVAL = Duration.ofSeconds(5);

    /** Messages per second over {@code seconds}. */
    public record Rates(double submitted, double completed, double failed, double seconds) {
    }

    /**
     * Messages since this process started: submitted, completed, failed, and the seconds the completed ones took to
     * process (so that a difference of two totals gives the mean processing time in between).
     */
    public record Totals(long submitted, long completed, long failed, double processingSeconds) {
    }

    /**
     * How long completed messages took to process: the mean over {@code seconds} ({@code null} when none completed
     * in it), and the longest of about the last two minutes (Micrometer's decaying maximum; 0 when none).
     */
    public record Processing(Double mean, double max, double seconds) {
    }

    private record Sample(long nanos, double submitted, double completed, double failed, double processingSeconds) {
    }

    private final MeterRegistry meters;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("hqm-throughput").daemon(true).factory());

    public Throughput(MeterRegistry meters) {
        this.meters = meters;
        sample();
        timer.scheduleWithFixedDelay(this::sample, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sample() {
        Sample now = totals();
        synchronized (samples) {
            samples.addLast(now);
            while (samples.size() > 1 && now.nanos() - samples.peekFirst().nanos() > WINDOW.toNanos()) {
                samples.removeFirst();
            }
        }
    }

    /** The rates since the oldest sample of the window (0 right after start). */
    public Rates rates() {
        Sample now = totals();
        Sample oldest;
        synchronized (samples) {
            oldest = samples.isEmpty() ? now : samples.peekFirst();
        }
        double seconds = (now.nanos() - oldest.nanos()) / 1e9;
        if (seconds < 0.001) {
            return new Rates(0, 0, 0, 0);
        }
        return new Rates(round((now.submitted() - oldest.submitted()) / seconds),
                round((now.completed() - oldest.completed()) / seconds),
                round((now.failed() - oldest.failed()) / seconds), round(seconds));
    }

    public Totals cumulative() {
        Sample now = totals();
        return new Totals(Math.round(now.submitted()), Math.round(now.completed()), Math.round(now.failed()),
                round(now.processingSeconds()));
    }

    /** Processing times of the messages completed since the oldest sample of the window. */
    public Processing processing() {
        Sample now = totals();
        Sample oldest;
        synchronized (samples) {
            oldest = samples.isEmpty() ? now : samples.peekFirst();
        }
        double completed = now.completed() - oldest.completed();
        Double mean = completed > 0 ? round((now.processingSeconds() - oldest.processingSeconds()) / completed)
                : null;
        double max = completedTimers().stream().mapToDouble(t -> t.max(TimeUnit.SECONDS)).max().orElse(0);
        return new Processing(mean, round(max), round((now.nanos() - oldest.nanos()) / 1e9));
    }

    private Collection<Timer> completedTimers() {
        return meters.find("openhqm.worker.processing.duration").tag("status", "completed").timers();
    }

    private Sample totals() {
        double submitted = meters.find("openhqm.queue.publish").tag("status", "success").counters().stream()
                .mapToDouble(Counter::count).sum();
        Collection<Timer> completedTimers = completedTimers();
        double completed = completedTimers.stream().mapToDouble(Timer::count).sum();
        double processing = completedTimers.stream().mapToDouble(t -> t.totalTime(TimeUnit.SECONDS)).sum();
        double failed = meters.find("openhqm.queue.dlq").counters().stream().mapToDouble(Counter::count).sum();
        return new Sample(System.nanoTime(), submitted, completed, failed, processing);
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
