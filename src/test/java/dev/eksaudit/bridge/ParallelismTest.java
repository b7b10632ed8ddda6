package dev.eksaudit.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import dev.eksaudit.bridge.source.InProcessS3;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Scaling by parallelism changes how fast, never what: the same bucket gives the same delivered set. */
class ParallelismTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(2)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static InProcessS3 s3;
    private static PipelineFixture fixture;

    @BeforeAll
    static void bucket() throws Exception {
        s3 = InProcessS3.start("audit");
        fixture = new PipelineFixture("s3://audit/eks/", Instant.now().minus(Duration.ofMinutes(150)), 7)
                .addObjects(12, 15);
        fixture.put(s3, fixture.keys());
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
    }

    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 2, 4})
    void deliversTheSameSetAtAnyParallelism(int parallelism) throws Exception {
        try (FalcoWebhookReceiver falco = FalcoWebhookReceiver.start()) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(parallelism);
            BridgeJob.build(env, BridgeConfig.fromArgs(
                    "--input.path", "s3://audit/eks/",
                    "--input.mode", "bounded",
                    "--falco.url", falco.url().toString()));
            env.execute("parallelism " + parallelism);

            List<String> delivered = falco.eventKeys();
            assertThat(delivered).doesNotHaveDuplicates();
            assertThat(new TreeSet<>(delivered)).isEqualTo(fixture.expectedKeys);
        }
    }
}
