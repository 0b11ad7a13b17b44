package io.openhqm.distribution;

import io.openhqm.testing.RedisServer;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test of real {@code bin/hqm-server} processes on one real redis-server: {@link #deploy} starts the deployment;
 * afterwards every process is stopped, its log kept under {@code target/redis-it-logs/<test>/}, and Redis closed.
 */
abstract class RedisProcessTest {
    @TempDir
    Path work;
    RedisServer redis;
    RedisDeployment deployment;

    RedisDeployment deploy(RedisServer server) throws IOException {
        redis = server;
        deployment = RedisDeployment.create(work, server);
        return deployment;
    }

    @AfterEach
    void stopProcessesAndRedis(TestInfo test) throws InterruptedException {
        if (deployment != null) {
            deployment.close(test.getTestMethod().map(Method::getName).orElse("test"));
        }
        if (redis != null) {
            redis.close();
        }
    }
}
