package io.openhqm.plugin.egress.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Reads a response body into a byte array of at most {@code limit} bytes. A larger body (by its
 * {@code Content-Length}, or once more bytes arrive) is abandoned at once: the subscription is cancelled, which
 * closes the connection, and the call fails with {@link ResponseTooLargeException}. Never holds more than
 * {@code limit} bytes and a buffer.
 */
final class BoundedBodyHandler implements HttpResponse.BodyHandler<byte[]> {
    private final long limit;
    private final boolean head;

    /** For a HEAD request ({@code head}), or a 204 or 304 answer, {@code Content-Length} announces no body. */
    BoundedBodyHandler(long limit, boolean head) {
        this.limit = limit;
        this.head = head;
    }

    @Override
    public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
        boolean bodiless = head || info.statusCode() == 204 || info.statusCode() == 304;
        return new Subscriber(limit, info.statusCode(), !bodiless && declaredLength(info) > limit);
    }

    private static long declaredLength(HttpResponse.ResponseInfo info) {
        try {
            return info.headers().firstValueAsLong("content-length").orElse(-1);
        } catch (NumberFormatException e) {
            return -1; // the client rejects such a response itself
        }
    }

    /** The response of {@code status} had a body over {@code limit} bytes. */
    static final class ResponseTooLargeException extends IOException {
        final int status;
        final long limit;

        ResponseTooLargeException(int status, long limit) {
            super("response body larger than " + limit + " bytes");
            this.status = status;
            this.limit = limit;
        }
    }

    private static final class Subscriber implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final long limit;
        private final int status;
        private final boolean tooLargeUpfront;
        private Flow.Subscription subscription;
        private long received;

        Subscriber(long limit, int status, boolean tooLargeUpfront) {
            this.limit = limit;
            this.status = status;
            this.tooLargeUpfront = tooLargeUpfront;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (tooLargeUpfront) {
                abandon();
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                received += item.remaining();
                if (received > limit) {
                    abandon();
                    return;
                }
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                out.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        private void abandon() {
            subscription.cancel();
            result.completeExceptionally(new ResponseTooLargeException(status, limit));
        }
    }
}
