package io.openhqm.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigOriginFactory;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads a YAML configuration file (the seed's format) into a Config, keeping each value's file and line for
 * error messages. Inside any string, {@code ${VAR}} and {@code ${VAR:-default}} are replaced from the given
 * environment ({@code :-} uses the default when the variable is unset or empty); {@code $${} writes a
 * literal {@code ${}. Duplicate keys are errors. Keys are names, never paths: {@code "max.poll.records"}
 * stays one key.
 */
final class YamlConfigParser {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\$\\{|\\$\\{([^}]*)}");
    private static final Pattern VARIABLE = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(:-(.*))?", Pattern.DOTALL);

    private static final YAMLFactory FACTORY = YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // "key:" with nothing is null in YAML (a cleared block means its defaults); "" stays a string
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
            .build();

    private final Path file;
    private final Map<String, String> environment;
    private final List<String> problems;

    private YamlConfigParser(Path file, Map<String, String> environment, List<String> problems) {
        this.file = file;
        this.environment = environment;
        this.problems = problems;
    }

    /** The file's settings; problems (syntax, unset variables) are added to {@code problems}. */
    static Config parse(Path file, Map<String, String> environment, List<String> problems) {
        return new YamlConfigParser(file, environment, problems).parse();
    }

    private Config parse() {
        try (JsonParser p = FACTORY.createParser(file.toFile())) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return ConfigFactory.empty();
            }
            if (first != JsonToken.START_OBJECT) {
                problems.add(file + ": expected a YAML mapping of settings at the top level (such as "
                        + "\"server:\" on the first line), got " + describe(first) + "; fix the file");
                return ConfigFactory.empty();
            }
            ConfigValue root = read(p, new ArrayList<>());
            if (p.nextToken() != null) {
                problems.add(file + " line " + p.currentTokenLocation().getLineNr()
                        + ": holds more than one YAML document; put all settings in one document");
            }
            return ((ConfigObject) root).toConfig();
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            problems.add(file + (line > 0 ? " line " + line : "") + ": invalid YAML: " + syntaxProblem(e)
                    + "; fix the file");
            return ConfigFactory.empty();
        } catch (IOException e) {
            problems.add(file + ": cannot be read (" + oneLine(String.valueOf(e.getMessage()))
                    + "); check that the file exists and is readable");
            return ConfigFactory.empty();
        }
    }

    /** Reads the value at the current token; leaves the parser on its last token. */
    private ConfigValue read(JsonParser p, List<String> path) throws IOException {
        JsonToken t = p.currentToken();
        ConfigOrigin origin = ConfigOriginFactory.newFile(file.toString())
                .withLineNumber(p.currentTokenLocation().getLineNr());
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    path.add(name);
                    map.put(name, read(p, path));
                    path.remove(path.size() - 1);
                }
                return ConfigValueFactory.fromMap(map).withOrigin(origin);
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                int index = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    path.add("[" + index++ + "]");
                    list.add(read(p, path));
                    path.remove(path.size() - 1);
                }
                return ConfigValueFactory.fromIterable(list).withOrigin(origin);
            }
            case VALUE_STRING -> {
                return ConfigValueFactory.fromAnyRef(expand(p.getText(), path, origin.lineNumber())).withOrigin(origin);
            }
            case VALUE_NUMBER_INT -> {
                Object n = switch (p.getNumberType()) {
                    case INT -> p.getIntValue();
                    case LONG -> p.getLongValue();
                    default -> p.getText();
                };
                return ConfigValueFactory.fromAnyRef(n).withOrigin(origin);
            }
            case VALUE_NUMBER_FLOAT -> {
                return ConfigValueFactory.fromAnyRef(p.getDoubleValue()).withOrigin(origin);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return ConfigValueFactory.fromAnyRef(t == JsonToken.VALUE_TRUE).withOrigin(origin);
            }
            case VALUE_NULL -> {
                return ConfigValueFactory.fromAnyRef(null).withOrigin(origin);
            }
            default -> {
                problems.add(key(path) + ": unsupported YAML value (" + describe(t) + ") (in " + file + " line "
                        + origin.lineNumber() + "); use a string, number, boolean, list or mapping");
                p.skipChildren();
                return ConfigValueFactory.fromAnyRef(null).withOrigin(origin);
            }
        }
    }

    private String expand(String text, List<String> path, int line) {
        if (!text.contains("${")) {
            return text;
        }
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement;
            if (m.group().equals("$${")) {
                replacement = "${";
            } else {
                replacement = resolve(m.group(1), path, line);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private String resolve(String inside, List<String> path, int line) {
        Matcher v = VARIABLE.matcher(inside);
        String where = " (in " + file + " line " + line + ")";
        if (!v.matches()) {
            problems.add(key(path) + ": unsupported placeholder ${" + inside + "}" + where
                    + "; write ${VAR} or ${VAR:-default}, or $${ for a literal ${");
            return "";
        }
        String name = v.group(1);
        String value = environment.get(name);
        if (v.group(2) != null) {
            return value == null || value.isEmpty() ? v.group(3) : value;
        }
        if (value == null) {
            problems.add(key(path) + ": environment variable " + name + " is not set" + where
                    + "; set it, or write ${" + name + ":-default} to give a default");
            return "";
        }
        return value;
    }

    private static String key(List<String> path) {
        StringBuilder sb = new StringBuilder();
        for (String segment : path) {
            if (segment.startsWith("[")) {
                sb.append(segment);
            } else {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ConfigUtil.joinPath(segment));
            }
        }
        return sb.isEmpty() ? "(top level)" : sb.toString();
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case START_ARRAY -> "a list";
            case START_OBJECT -> "a mapping";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.name();
        };
    }

    /**
     * The parser's description of a syntax error without the quoted source line, which may hold a secret.
     */
    private static String syntaxProblem(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException y) {
            String context = y.getContext() == null ? "" : oneLine(y.getContext()) + ": ";
            return context + oneLine(y.getProblem());
        }
        return oneLine(e.getOriginalMessage());
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }
}
