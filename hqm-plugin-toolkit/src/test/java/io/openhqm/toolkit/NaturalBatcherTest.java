package io.openhqm.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NaturalBatcherTest {

    /** A backend whose answers the test gives by hand: every batch sent waits in {@code sent}. */
    private static final class Backend {
        final List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        final List<CompletableFuture<List<String>>> answers = new CopyOnWriteArrayList<>();

        CompletableFuture<List<String>> send(List<Integer> batch) {
            batches.add(batch);
            CompletableFuture<List<String>> answer = new CompletableFuture<>();
            answers.add(answer);
            return answer;
        }

        void answer(int batch) {
            answers.get(batch).complete(batches.get(batch).stream().map(i -> "r" + i).toList());
        }
    }

    @Test
    void aLoneCallGoesOutAtOnceAndCallsMadeMeanwhileGoOutTogetherInOrder() throws Exception {
        Backend backend = new Backend();
        NaturalBatcher<Integer, String> batcher = new NaturalBatcher<>(3, backend::send);

        CompletableFuture<String> first = batcher.call(1);
        assertEquals(List.of(List.of(1)), backend.batches);
        List<CompletableFuture<String>> meanwhile = new ArrayList<>();
        for (int i = 2; i <= 6; i++) {
            meanwhile.add(batcher.call(i));
        }
        assertEquals(1, backend.batches.size(), "nothing more is sent while a batch is in flight");

        backend.answer(0);
        assertEquals("r1", first.get(1, TimeUnit.SECONDS));
        assertEquals(List.of(2, 3, 4), backend.batches.get(1), "up to maxBatch, in the order called");
        backend.answer(1);
        assertEquals(List.of(5, 6), backend.batches.get(2));
        backend.answer(2);
        for (int i = 0; i < meanwhile.size(); i++) {
            assertEquals("r" + (i + 2), meanwhile.get(i).get(1, TimeUnit.SECONDS));
        }

        CompletableFuture<String> later = batcher.call(7);
        assertEquals(List.of(7), backend.batches.get(3), "idle again: the next call goes out at once");
        backend.answer(3);
        assertEquals("r7", later.get(1, TimeUnit.SECONDS));
    }

    @Test
    void aFailedBatchFailsEachOfItsCallsAndTheNextBatchStillGoesOut() throws Exception {
        Backend backend = new Backend();
        NaturalBatcher<Integer, String> batcher = new NaturalBatcher<>(10, backend::send);
        CompletableFuture<String> a = batcher.call(1);
        CompletableFuture<String> b = batcher.call(2);

        backend.answers.get(0).completeExceptionally(new IllegalStateException("connection reset"));

        ExecutionException failed = assertThrows(ExecutionException.class, () -> a.get(1, TimeUnit.SECONDS));
        assertEquals("connection reset", failed.getCause().getMessage());
        assertEquals(List.of(2), backend.batches.get(1));
        backend.answer(1);
        assertEquals("r2", b.get(1, TimeUnit.SECONDS));
    }

    @Test
    void anAnswerOfTheWrongSizeOrASenderThatThrowsFailsTheBatch() {
        NaturalBatcher<Integer, String> short_ = new NaturalBatcher<>(10,
                batch -> CompletableFuture.completedFuture(List.of()));
        ExecutionException wrongSize = assertThrows(ExecutionException.class, () -> short_.call(1).get());
        assertEquals("a batch of 1 calls got 0 answers", wrongSize.getCause().getMessage());

        NaturalBatcher<Integer, String> throwing = new NaturalBatcher<>(10, batch -> {
            throw new IllegalArgumentException("cannot encode");
        });
        ExecutionException thrown = assertThrows(ExecutionException.class, () -> throwing.call(1).get());
        assertInstanceOf(IllegalArgumentException.class, thrown.getCause());
        CompletableFuture<String> again = throwing.call(2);
        assertTrue(again.isCompletedExceptionally(), "a failed send leaves the batcher idle, not stuck");
    }

    @Test
    void manyThreadsGetTheirOwnAnswers() throws Exception {
        NaturalBatcher<Integer, Integer> batcher = new NaturalBatcher<>(16,
                batch -> CompletableFuture.supplyAsync(() -> batch.stream().map(i -> i * 2).toList()));
        List<Thread> threads = new ArrayList<>();
        List<Integer> wrong = new CopyOnWriteArrayList<>();
        for (int t = 0; t < 8; t++) {
            int base = t * 1000;
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = base; i < base + 500; i++) {
                    if (batcher.call(i).join() != i * 2) {
                        wrong.add(i);
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(10_000);
            assertFalse(thread.isAlive());
        }
        assertEquals(List.of(), wrong);
    }
}
