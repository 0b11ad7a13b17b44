package io.openhqm.api;

/**
 * What kind of failure an {@link HqmException} reports, so the engine knows whether a retry can help.
 */
public enum ErrorKind {
    /** The configuration is wrong; fixing it needs a person. Fails startup. */
    CONFIG,
    /** The input (a request, a message) is wrong; retrying the same input fails the same way. */
    INPUT,
    /** A passing condition (network, backend down, overload); the same call may succeed later. */
    TRANSIENT,
    /** A bug or broken invariant; not retried automatically. */
    INTERNAL
}
