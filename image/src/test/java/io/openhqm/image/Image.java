package io.openhqm.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The image tar as {@code docker load} reads it: {@code manifest.json} names the tag, the config and the layers;
 * the layers, unpacked in order, are the container's root folder.
 */
record Image(JsonNode manifest, JsonNode config, Path root) {

    /** Reads {@code tar} in {@code work}/image and unpacks its layers into {@code work}/root. */
    static Image unpack(Path tar, Path work) throws IOException, InterruptedException {
        if (!Files.isRegularFile(tar)) {
            throw new IllegalStateException("no image at " + tar.toAbsolutePath() + "; run mvn package");
        }
        Path archive = Files.createDirectories(work.resolve("image"));
        Path root = Files.createDirectories(work.resolve("root"));
        untar(tar, archive, "-xf");
        JsonNode manifests = Container.JSON.readTree(archive.resolve("manifest.json").toFile());
        if (manifests.size() != 1) {
            throw new IllegalStateException("expected one image in manifest.json: " + manifests);
        }
        JsonNode manifest = manifests.get(0);
        for (JsonNode layer : manifest.get("Layers")) {
            untar(archive.resolve(layer.asText()), root, "-xzpf");
        }
        JsonNode config = Container.JSON.readTree(archive.resolve(manifest.get("Config").asText()).toFile());
        // What a runtime adds before it starts the container: mount points for /proc, /dev and its own
        // /etc/hosts and /etc/resolv.conf.
        Files.createDirectories(root.resolve("proc"));
        Files.createDirectories(root.resolve("dev"));
        for (String file : List.of("etc/hosts", "etc/resolv.conf")) {
            if (!Files.exists(root.resolve(file))) {
                Files.createFile(root.resolve(file));
            }
        }
        return new Image(manifest, config, root);
    }

    private static void untar(Path tar, Path into, String mode) throws IOException, InterruptedException {
        // Jib's layers carry a libarchive header field GNU tar does not know (and rightly ignores).
        Process tarProcess = new ProcessBuilder("tar", "--warning=no-unknown-keyword", mode, tar.toString(),
                "-C", into.toString()).redirectErrorStream(true).start();
        String output = new String(tarProcess.getInputStream().readAllBytes());
        if (!tarProcess.waitFor(60, TimeUnit.SECONDS) || tarProcess.exitValue() != 0) {
            throw new IllegalStateException("tar " + mode + " " + tar + " failed: " + output);
        }
    }

    JsonNode containerConfig() {
        return config.get("config");
    }

    List<String> entrypoint() {
        return strings(containerConfig().get("Entrypoint"));
    }

    List<String> cmd() {
        return strings(containerConfig().get("Cmd"));
    }

    String workingDir() {
        return containerConfig().get("WorkingDir").asText();
    }

    String uid() {
        return containerConfig().get("User").asText().split(":")[0];
    }

    String gid() {
        String[] user = containerConfig().get("User").asText().split(":");
        return user.length > 1 ? user[1] : user[0];
    }

    Map<String, String> environment() {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String entry : strings(containerConfig().get("Env"))) {
            int equals = entry.indexOf('=');
            environment.put(entry.substring(0, equals), entry.substring(equals + 1));
        }
        return environment;
    }

    private static List<String> strings(JsonNode array) {
        List<String> strings = new ArrayList<>();
        if (array != null) {
            array.forEach(node -> strings.add(node.asText()));
        }
        return strings;
    }
}
