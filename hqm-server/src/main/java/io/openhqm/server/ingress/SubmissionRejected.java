package io.openhqm.server.ingress;

/** A submission that was not accepted, and why; the HTTP layer maps {@link Reason} to a status. */
public final class SubmissionRejected extends RuntimeException {

    public enum Reason {
        /** A field is invalid; {@link #field()} names it. */
        INVALID,
        /** {@code queue.max_depth} reached. */
        QUEUE_FULL,
        /** The requested correlation id is already used. */
        ID_IN_USE,
        /** The idempotency key was used with a different request. */
        IDEMPOTENCY_CONFLICT,
        /** An earlier request with the same idempotency key is still being accepted. */
        IDEMPOTENCY_IN_PROGRESS,
        /** The queue or result store cannot be reached. */
        UNAVAILABLE
    }

    private final Reason reason;
    private final String field;

    public SubmissionRejected(Reason reason, String field, String message) {
        super(message);
        this.reason = reason;
        this.field = field;
    }

    public Reason reason() {
        return reason;
    }

    /** The offending field for {@link Reason#INVALID}, else {@code null}. */
    public String field() {
        return field;
    }
}
