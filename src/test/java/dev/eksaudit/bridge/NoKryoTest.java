package dev.eksaudit.bridge;

import static org.assertj.core.api.Assertions.assertThatCode;

import dev.eksaudit.bridge.config.BridgeConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every record between operators, and every state, has a Flink serializer: with generic types
 * disabled, building the job graph would fail on the first type that fell back to Kryo.
 */
class NoKryoTest {
    @TempDir java.nio.file.Path dir;

    @Test
    void jobGraphNeedsNoKryo() {
        // pipeline.generic-types: false (ExecutionConfig#disableGenericTypes is gone in Flink 2.x).
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                new Configuration().set(PipelineOptions.GENERIC_TYPES, false));
        BridgeJob.build(env, BridgeConfig.fromArgs(
                "--input.path", dir.toUri().toString(),
                "--dlq.path", dir.resolve("dlq").toUri().toString(),
                "--falco.url", "http://127.0.0.1:9/k8s-audit"));
        assertThatCode(() -> env.getStreamGraph().getJobGraph()).doesNotThrowAnyException();
    }
}
