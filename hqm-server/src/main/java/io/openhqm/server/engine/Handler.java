package io.openhqm.server.engine;

import io.openhqm.api.message.Message;
import io.openhqm.api.processing.Attempt;
import io.openhqm.api.processing.Outcome;

/** What workers do with a message: a processor's {@code process} or an egress's {@code send}. */
@FunctionalInterface
public interface Handler {
    Outcome handle(Message message, Attempt attempt) throws Exception;
}
