package io.openhqm.plugin.embedded;

import io.openhqm.api.queue.Delivery;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A process for {@link EmbeddedQueueKillIT} to kill. Arguments: {@code publish|lease home instanceId n}.
 * Prints {@code published n} once all publishes completed, or {@code leased n} once n messages are leased,
 * then waits to be killed.
 */
public final class EmbeddedChild {

    private EmbeddedChild() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path home = Path.of(args[1]);
        String instanceId = args[2];
        int n = Integer.parseInt(args[3]);
        EmbeddedQueue queue = Fixtures.queue(Fixtures.process(home, instanceId));
        switch (mode) {
            case "publish" -> {
                List<CompletableFuture<Void>> futures = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    futures.add(queue.publish(Fixtures.message("m-" + i)).toCompletableFuture());
                }
                CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
                System.out.println("published " + n);
            }
            case "lease" -> {
                List<Delivery> leased = Fixtures.pollAll(queue.consumer("c"), n, Duration.ofSeconds(30));
                System.out.println("leased " + leased.size());
            }
            default -> throw new IllegalArgumentException(mode);
        }
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE); // until killed; nothing is closed or settled
    }
}
