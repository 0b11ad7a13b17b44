package io.openhqm.server.http;

/** A request that cannot become a submission, carrying the problem to answer with. */
final class InvalidRequest extends Exception {
    final Problem problem;

    InvalidRequest(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }
}
