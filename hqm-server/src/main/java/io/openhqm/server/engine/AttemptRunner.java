package io.openhqm.server.engine;

import io.openhqm.api.message.Message;
import io.openhqm.api.processing.Attempt;
import io.openhqm.api.processing.Outcome;

/** Runs one processing attempt of a message: a processor's {@code process} or an egress's {@code send}. */
@FunctionalInterface
public interface AttemptRunner {
    Outcome run(Message message, Attempt attempt) throws Exception;
}
