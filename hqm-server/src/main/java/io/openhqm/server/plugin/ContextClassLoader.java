package io.openhqm.server.plugin;

/** Runs plugin code with the plugin's class loader as the thread context class loader, then restores it. */
final class ContextClassLoader {
    private ContextClassLoader() {
    }

    /** A call into plugin code that may throw {@code E} (inferred as RuntimeException when it throws nothing). */
    @FunctionalInterface
    interface Call<T, E extends Exception> {
        T call() throws E;
    }

    static <T, E extends Exception> T call(ClassLoader loader, Call<T, E> call) throws E {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return call.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    static void run(ClassLoader loader, Runnable call) {
        call(loader, () -> {
            call.run();
            return null;
        });
    }
}
