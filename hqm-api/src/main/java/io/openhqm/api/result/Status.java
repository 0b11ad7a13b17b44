package io.openhqm.api.result;

/** Where a submission is in its life. PENDING → PROCESSING → one of the terminal states. */
public enum Status {
    PENDING, PROCESSING, COMPLETED, FAILED, TIMEOUT;

    /** Whether no further change will happen. */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == TIMEOUT;
    }
}
