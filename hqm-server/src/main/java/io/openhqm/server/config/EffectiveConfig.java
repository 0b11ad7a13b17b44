package io.openhqm.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.openhqm.api.HqmException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The merged and resolved configuration of all layers, validated once. It yields the {@link ServerConfig}
 * (or the complete list of problems) and renders itself for {@code check-config} with secrets masked.
 *
 * <p>When the configuration is valid, the rendering shows it normalized as the server uses it: defaults
 * filled in, {@code results.type} and {@code proxy.default_endpoint} decided, endpoint defaults (method,
 * allowed_methods) written out, and a URL in {@code proxy.default_endpoint}
 * turned into the endpoint {@code default}. When it is not valid, the rendering shows the merged values as
 * given.
 *
 * <p>Immutable and thread-safe.
 */
public final class EffectiveConfig {
    /** Output syntax of {@link #render(Format)}. */
    public enum Format {
        HOCON, JSON
    }

    private final ServerConfig serverConfig;
    private final Config rendered;
    private final List<String> problems;

    /**
     * @param overrideProblems mistakes in {@code OPENHQM_*} variables and {@code --set} arguments, which did not
     *                         stop the merge and are reported first, together with the validation problems
     */
    EffectiveConfig(Config resolved, Schema schema, Path home, List<String> overrideProblems) {
        ServerConfigReader.Result result = new ServerConfigReader(resolved, schema, home).read();
        List<String> all = new java.util.ArrayList<>(overrideProblems);
        all.addAll(result.problems());
        this.problems = List.copyOf(all);
        this.serverConfig = problems.isEmpty() ? result.config() : null;
        this.rendered = problems.isEmpty() ? result.normalized() : resolved;
    }

    /** Whether the configuration has no problems. */
    public boolean isValid() {
        return problems.isEmpty();
    }

    /**
     * Every problem, one sentence each naming the full key (or the variable or argument): first those of
     * environment variables and {@code --set}, then the others sorted by key; empty when valid.
     */
    public List<String> problems() {
        return problems;
    }

    /**
     * The validated configuration.
     *
     * @throws HqmException CONFIG listing every problem, if there are any
     */
    public ServerConfig serverConfig() {
        if (!problems.isEmpty()) {
            throw new HqmException(problems);
        }
        return serverConfig;
    }

    /** The effective configuration as HOCON text, keys sorted, no comments, secrets masked. */
    public String render() {
        return render(Format.HOCON);
    }

    /** The effective configuration as HOCON or JSON text, keys sorted, no comments, secrets masked. */
    public String render(Format format) {
        if (format == Format.HOCON) {
            return HoconRenderer.render(maskedTree());
        }
        ConfigRenderOptions options = ConfigRenderOptions.defaults()
                .setOriginComments(false)
                .setComments(false)
                .setFormatted(true)
                .setJson(true);
        return ConfigValueFactory.fromMap(maskedTree()).render(options);
    }

    /**
     * The effective configuration as plain Java values (maps, lists, strings, numbers, booleans, nulls) with
     * secrets masked, e.g. for an admin endpoint.
     */
    public Map<String, Object> maskedTree() {
        return Secrets.maskTree(rendered.root().unwrapped());
    }
}
