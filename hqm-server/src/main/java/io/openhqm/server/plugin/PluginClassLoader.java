package io.openhqm.server.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;

/**
 * The class loader of one plugin folder: its own jars first, the JDK behind them, and from the server only
 * the shared packages (the SPI, SLF4J, Micrometer). A plugin therefore cannot see, or clash with, the
 * server's own libraries, nor with another plugin's.
 */
final class PluginClassLoader extends URLClassLoader {
    static final List<String> SHARED_PACKAGES = List.of("io.openhqm.api.", "org.slf4j.", "io.micrometer.");

    private final ClassLoader serverLoader;

    PluginClassLoader(String name, List<URL> jars, ClassLoader serverLoader) {
        super(name, jars.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        this.serverLoader = Objects.requireNonNull(serverLoader, "serverLoader is null");
    }

    static boolean isShared(String className) {
        for (String prefix : SHARED_PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (isShared(name)) {
            return serverLoader.loadClass(name);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> loaded = findLoadedClass(name);
            if (loaded == null) {
                try {
                    loaded = findClass(name);
                } catch (ClassNotFoundException notInPlugin) {
                    loaded = getParent().loadClass(name);
                }
            }
            if (resolve) {
                resolveClass(loaded);
            }
            return loaded;
        }
    }

    @Override
    public URL getResource(String name) {
        if (isShared(name.replace('/', '.'))) {
            return serverLoader.getResource(name);
        }
        URL own = findResource(name);
        return own != null ? own : getParent().getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        if (isShared(name.replace('/', '.'))) {
            return serverLoader.getResources(name);
        }
        List<URL> all = Collections.list(findResources(name));
        all.addAll(Collections.list(getParent().getResources(name)));
        return Collections.enumeration(all);
    }

    static {
        ClassLoader.registerAsParallelCapable();
    }
}
