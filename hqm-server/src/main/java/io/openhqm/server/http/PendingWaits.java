package io.openhqm.server.http;

import io.openhqm.api.result.RequestRecord;
import io.openhqm.server.ingress.Submissions;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Requests waiting for a result ({@code Prefer: wait=N}, {@code ?wait=N}). When the listener closes they are
 * answered at once with the current state instead of losing their connection at the end of the drain.
 * Thread-safe.
 */
final class PendingWaits {
    private final Set<Runnable> answerNow = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    /**
     * The record of {@code id} once terminal, or as it is when {@code wait} ends or the listener closes; at once
     * for a zero wait.
     */
    CompletionStage<Optional<RequestRecord>> terminalOrClosing(Submissions submissions, String id, String owner,
                                                               Duration wait) {
        if (wait.isZero()) {
            return submissions.status(id, owner);
        }
        return untilClosing(submissions.awaitTerminal(id, owner, wait), () -> submissions.status(id, owner));
    }

    /**
     * {@code waiting}, or {@code current} as soon as the listener closes, whichever comes first.
     */
    <T> CompletionStage<T> untilClosing(CompletionStage<T> waiting, Supplier<CompletionStage<T>> current) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        Runnable cut = () -> current.get().whenComplete((value, failure) -> settle(answer, value, failure));
        answerNow.add(cut);
        waiting.whenComplete((value, failure) -> {
            answerNow.remove(cut);
            settle(answer, value, failure);
        });
        if (closing && answerNow.remove(cut)) {
            cut.run();
        }
        return answer;
    }

    /** Answers every waiting request now; later waits end at once. */
    void close() {
        closing = true;
        for (Runnable cut : answerNow) {
            if (answerNow.remove(cut)) {
                cut.run();
            }
        }
    }

    private static <T> void settle(CompletableFuture<T> answer, T value, Throwable failure) {
        if (failure == null) {
            answer.complete(value);
        } else {
            answer.completeExceptionally(failure);
        }
    }
}
