package io.openhqm.server.plugin;

/** SPI version compatibility: same major, and the plugin's minor not newer than the server's. */
final class SpiVersion {
    private SpiVersion() {
    }

    static boolean compatible(String pluginVersion, String serverVersion) {
        int[] plugin = parse(pluginVersion);
        int[] server = parse(serverVersion);
        return plugin != null && server != null && plugin[0] == server[0] && plugin[1] <= server[1];
    }

    private static int[] parse(String version) {
        if (version == null) {
            return null;
        }
        String[] parts = version.trim().split("\\.");
        try {
            return new int[] {Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
