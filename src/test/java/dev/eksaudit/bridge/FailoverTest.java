package dev.eksaudit.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import dev.eksaudit.bridge.source.InProcessS3;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TaskManagers die twice while objects are read and posted. Checkpoints restore the file
 * tracking, reader positions and dedup state; Falco must still get every event, and repeats may
 * only come from the replay after a failure.
 */
class FailoverTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(2)
            .setNumberSlotsPerTaskManager(2)
            .setConfiguration(restartQuickly())
            .build());

    private static final Duration DEADLINE = Duration.ofSeconds(120);

    private static Configuration restartQuickly() {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        return conf;
    }

    @Test
    void survivesTwoTaskManagerLossesWithoutLosingEvents(@InjectMiniCluster MiniCluster cluster) throws Exception {
        PipelineFixture fixture = new PipelineFixture("s3://audit/eks/", Instant.now().minus(Duration.ofMinutes(120)), 11)
                .addObjects(30, 20);
        List<String> objects = fixture.keys();

        try (InProcessS3 s3 = InProcessS3.start("audit"); FalcoWebhookReceiver falco = FalcoWebhookReceiver.start()) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            env.enableCheckpointing(300);
            BridgeJob.build(env, BridgeConfig.fromArgs(
                    "--input.path", "s3://audit/eks/",
                    "--input.discovery-interval", "200 ms",
                    "--falco.url", falco.url().toString(),
                    "--falco.batch.max-events", "25",
                    "--falco.batch.max-delay", "50 ms"));
            JobClient job = env.executeAsync("failover");

            int perObject = 40;
            fixture.put(s3, objects.subList(0, 10));
            falco.awaitEventCount(3 * perObject, DEADLINE);
            int beforeFirstFailure = falco.eventKeys().size();
            fixture.put(s3, objects.subList(10, 20));
            cluster.terminateTaskManager(0).get();
            cluster.startTaskManager();

            falco.awaitEventCount(beforeFirstFailure + 5 * perObject, DEADLINE);
            fixture.put(s3, objects.subList(20, 30));
            cluster.terminateTaskManager(1).get();
            cluster.startTaskManager();

            awaitAllDelivered(falco, fixture.expectedKeys);
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            job.cancel().get();

            List<String> delivered = falco.eventKeys();
            assertThat(new TreeSet<>(delivered)).isEqualTo(fixture.expectedKeys);
            assertThat(delivered.subList(0, beforeFirstFailure))
                    .as("no repeats before the first failure: dedup holds")
                    .doesNotHaveDuplicates();
            int duplicates = delivered.size() - fixture.expectedKeys.size();
            System.out.printf("FailoverTest: %d events delivered, %d distinct, %d repeats from the post-checkpoint replay%n",
                    delivered.size(), fixture.expectedKeys.size(), duplicates);
        }
    }

    private static void awaitAllDelivered(FalcoWebhookReceiver falco, Set<String> expected) throws InterruptedException {
        Instant deadline = Instant.now().plus(DEADLINE);
        while (!new HashSet<>(falco.eventKeys()).containsAll(expected)) {
            if (Instant.now().isAfter(deadline)) {
                Set<String> missing = new TreeSet<>(expected);
                missing.removeAll(falco.eventKeys());
                throw new AssertionError(missing.size() + " of " + expected.size() + " events never arrived");
            }
            Thread.sleep(50);
        }
    }
}
