package io.openhqm.server.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The parsed command line: {@code hqm-server [COMMAND] [--config FILE]... [--env NAME] [--set KEY=VALUE]...
 * [--home DIR]}.
 *
 * @param command     what to run
 * @param configFiles {@code --config} files in order
 * @param env         {@code --env} name
 * @param sets        {@code --set} assignments in order
 * @param home        {@code --home}, else the {@code hqm.home} system property, else the working directory
 */
public record CommandLine(Command command, List<Path> configFiles, Optional<String> env, List<String> sets,
                          Path home) {

    /** The sub-commands. */
    public enum Command {
        ALL("all"), LISTENER("listener"), WORKER("worker"), CHECK_CONFIG("check-config"), PLUGINS("plugins"),
        VERSION("version"), HELP("help");

        private final String word;

        Command(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }

        public boolean runsListener() {
            return this == ALL || this == LISTENER;
        }

        public boolean runsWorkers() {
            return this == ALL || this == WORKER;
        }
    }

    public static final String USAGE = """
            Usage: hqm-server [COMMAND] [OPTIONS]

            Commands:
              all            HTTP listener and workers in one process (default)
              listener       HTTP listener only (HTTP -> queue)
              worker         workers only (queue -> processing); health and metrics on management.port
              check-config   validate the configuration and print it with secrets masked
              plugins        list the plugins found, their ports and jars
              version        print the version

            Options:
              --config FILE  a configuration file (.conf HOCON, .yaml/.yml, .json); repeatable, later wins
              --env NAME     also read conf/NAME.conf
              --set K=V      set one key, e.g. --set worker.count=20; repeatable
              --home DIR     the installation directory (default: where bin/hqm-server lives)
              -h, --help     this text
            """;

    /**
     * @throws IllegalArgumentException with a one-line explanation when the arguments are wrong
     */
    public static CommandLine parse(String[] args, Path defaultHome) {
        Command command = null;
        List<Path> configFiles = new ArrayList<>();
        String env = null;
        List<String> sets = new ArrayList<>();
        Path home = defaultHome;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String inlineValue = null;
            if (arg.startsWith("--") && arg.contains("=")) {
                inlineValue = arg.substring(arg.indexOf('=') + 1);
                arg = arg.substring(0, arg.indexOf('='));
            }
            switch (arg) {
                case "--config" -> configFiles.add(Path.of(inlineValue != null ? inlineValue : value(args, ++i, arg)));
                case "--env" -> env = inlineValue != null ? inlineValue : value(args, ++i, arg);
                case "--set" -> {
                    String assignment = inlineValue != null ? inlineValue : value(args, ++i, arg);
                    if (!assignment.contains("=") || assignment.startsWith("=")) {
                        throw new IllegalArgumentException("--set needs KEY=VALUE, got \"" + assignment + "\"");
                    }
                    sets.add(assignment);
                }
                case "--home" -> home = Path.of(inlineValue != null ? inlineValue : value(args, ++i, arg));
                case "-h", "--help" -> command = Command.HELP;
                default -> {
                    if (arg.startsWith("-")) {
                        throw new IllegalArgumentException("unknown option " + arg);
                    }
                    if (command != null) {
                        throw new IllegalArgumentException("unexpected argument " + arg + " after command "
                                + command.word());
                    }
                    command = commandOf(arg);
                }
            }
        }
        return new CommandLine(command == null ? Command.ALL : command, List.copyOf(configFiles),
                Optional.ofNullable(env), List.copyOf(sets), home);
    }

    private static Command commandOf(String word) {
        for (Command c : Command.values()) {
            if (c.word.equals(word)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown command " + word
                + " (expected all, listener, worker, check-config, plugins or version)");
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length || args[index].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }
}
