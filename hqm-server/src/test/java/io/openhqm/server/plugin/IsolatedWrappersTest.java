package io.openhqm.server.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every method of a plugin port, default ones included, is overridden by its {@code Isolated*} wrapper: a default
 * method left out would run the SPI's default instead of the plugin's implementation, silently.
 */
class IsolatedWrappersTest {

    @ParameterizedTest
    @ValueSource(strings = {"IsolatedQueue", "IsolatedQueue$Consumer", "IsolatedQueue$IsolatedDelivery", "IsolatedQueue$Browser",
            "IsolatedResultStore", "IsolatedProcessor", "IsolatedEgress"})
    void everyPortMethodIsForwarded(String name) throws ClassNotFoundException {
        Class<?> wrapper = Class.forName(IsolatedWrappersTest.class.getPackageName() + "." + name);
        List<String> missing = new ArrayList<>();
        for (Class<?> port : wrapper.getInterfaces()) {
            for (Method method : port.getMethods()) {
                if (Modifier.isStatic(method.getModifiers())) {
                    continue;
                }
                try {
                    wrapper.getDeclaredMethod(method.getName(), method.getParameterTypes());
                } catch (NoSuchMethodException e) {
                    missing.add(port.getSimpleName() + "." + method.getName()
                            + Arrays.toString(method.getParameterTypes()));
                }
            }
        }
        assertEquals(List.of(), missing);
    }
}
