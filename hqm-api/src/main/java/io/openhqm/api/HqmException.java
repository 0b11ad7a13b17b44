package io.openhqm.api;

import java.util.List;
import java.util.Objects;

/**
 * The one exception family of the SPI. Every failure a port reports is an {@code HqmException} whose
 * {@link #kind()} tells the caller whether a retry makes sense. A {@link ErrorKind#CONFIG} exception may
 * carry several {@link #problems()}, one complete sentence each, so a startup report names every bad key.
 */
public class HqmException extends RuntimeException {
    private final ErrorKind kind;
    private final List<String> problems;

    public HqmException(ErrorKind kind, String message) {
        this(kind, message, null);
    }

    public HqmException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind is null");
        this.problems = List.of(message);
    }

    /** A configuration failure naming several problems at once. */
    public HqmException(List<String> problems) {
        super(String.join("; ", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems is empty");
        }
        this.kind = ErrorKind.CONFIG;
        this.problems = List.copyOf(problems);
    }

    public ErrorKind kind() {
        return kind;
    }

    /** One sentence per problem; a single-element list unless built with {@link #HqmException(List)}. */
    public List<String> problems() {
        return problems;
    }

    public boolean isRetryable() {
        return kind == ErrorKind.TRANSIENT;
    }

    public static HqmException config(String message) {
        return new HqmException(ErrorKind.CONFIG, message);
    }

    public static HqmException input(String message) {
        return new HqmException(ErrorKind.INPUT, message);
    }

    public static HqmException transientFailure(String message, Throwable cause) {
        return new HqmException(ErrorKind.TRANSIENT, message, cause);
    }

    public static HqmException internal(String message, Throwable cause) {
        return new HqmException(ErrorKind.INTERNAL, message, cause);
    }
}
