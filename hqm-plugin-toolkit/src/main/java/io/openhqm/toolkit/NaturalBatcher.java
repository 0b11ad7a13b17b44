package io.openhqm.toolkit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Sends calls of one kind to a backend in batches, without a timer: a call made while no batch is in flight goes
 * out at once, alone; calls made while one is in flight wait and go out together, up to {@code maxBatch} of them,
 * as soon as it is answered. So a lone call waits for nothing, and under load each round trip (or commit) carries
 * as many calls as arrived during the previous one ("natural" or "smart" batching).
 *
 * <p>The sender gets the inputs in the order the calls were made and must answer one output per input, in the same
 * order; a failed or wrong-sized answer fails every call of its batch. Thread-safe; the next batch is sent from the
 * thread that completed the previous answer.
 *
 * @param <I> what one call sends
 * @param <O> what one call gets back
 */
public final class NaturalBatcher<I, O> {
    private final Function<List<I>, CompletableFuture<List<O>>> sender;
    private final int maxBatch;
    private final ArrayDeque<Call<I, O>> waiting = new ArrayDeque<>();
    private boolean inFlight;

    private record Call<I, O>(I input, CompletableFuture<O> output) {
    }

    /**
     * @param maxBatch the most calls one batch carries
     * @param sender   sends one batch; its answer holds one output per input, in order
     */
    public NaturalBatcher(int maxBatch, Function<List<I>, CompletableFuture<List<O>>> sender) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, not " + maxBatch);
        }
        this.maxBatch = maxBatch;
        this.sender = Objects.requireNonNull(sender, "sender is null");
    }

    /** Makes one call: sent now if no batch is in flight, else with the next batch. */
    public CompletableFuture<O> call(I input) {
        Call<I, O> call = new Call<>(input, new CompletableFuture<>());
        List<Call<I, O>> batch;
        synchronized (this) {
            waiting.add(call);
            if (inFlight) {
                return call.output();
            }
            inFlight = true;
            batch = next();
        }
        send(batch);
        return call.output();
    }

    private List<Call<I, O>> next() {
        List<Call<I, O>> batch = new ArrayList<>(Math.min(waiting.size(), maxBatch));
        while (batch.size() < maxBatch && !waiting.isEmpty()) {
            batch.add(waiting.poll());
        }
        return batch;
    }

    private void send(List<Call<I, O>> batch) {
        CompletableFuture<List<O>> answer;
        try {
            answer = Objects.requireNonNull(sender.apply(batch.stream().map(Call::input).toList()),
                    "the sender returned no answer");
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((outputs, failure) -> answered(batch, outputs, failure));
    }

    private void answered(List<Call<I, O>> batch, List<O> outputs, Throwable failure) {
        if (failure == null && (outputs == null || outputs.size() != batch.size())) {
            failure = new IllegalStateException("a batch of " + batch.size() + " calls got "
                    + (outputs == null ? "no answer" : outputs.size() + " answers"));
        }
        for (int i = 0; i < batch.size(); i++) {
            if (failure == null) {
                batch.get(i).output().complete(outputs.get(i));
            } else {
                batch.get(i).output().completeExceptionally(failure);
            }
        }
        List<Call<I, O>> next;
        synchronized (this) {
            if (waiting.isEmpty()) {
                inFlight = false;
                return;
            }
            next = next();
        }
        send(next);
    }
}
