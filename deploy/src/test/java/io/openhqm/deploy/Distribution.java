package io.openhqm.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code bin/hqm-server} of the distribution assembled earlier in this reactor ({@code hqm.distribution}). */
final class Distribution {

    private Distribution() {
    }

    /**
     * A process of {@code bin/hqm-server} with these arguments, whose environment is the container's plus only what
     * the launcher needs to find a JDK on this machine: nothing else of the build's (OPENHQM_* variables, or a
     * variable a {@code ${?VAR}} in the file would pick up).
     */
    static ProcessBuilder hqmServer(Map<String, String> containerEnv, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("hqm.distribution")).resolve("bin/hqm-server").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> environment = builder.environment();
        environment.keySet().retainAll(Set.of("PATH", "JAVA_HOME", "HOME"));
        environment.putAll(containerEnv);
        return builder;
    }

    static Process start(ProcessBuilder builder) {
        try {
            return builder.start();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
