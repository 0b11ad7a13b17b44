package io.openhqm.server.plugin;

import java.util.concurrent.Callable;
import java.util.function.Supplier;

/** Runs plugin code with the plugin's class loader as the thread context class loader, then restores it. */
final class ContextClassLoader {
    private ContextClassLoader() {
    }

    static <T> T supply(ClassLoader loader, Supplier<T> call) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return call.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    static void run(ClassLoader loader, Runnable call) {
        supply(loader, () -> {
            call.run();
            return null;
        });
    }

    static <T> T call(ClassLoader loader, Callable<T> call) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return call.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    interface InterruptibleCall<T> {
        T call() throws InterruptedException;
    }

    static <T> T interruptible(ClassLoader loader, InterruptibleCall<T> call) throws InterruptedException {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return call.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
