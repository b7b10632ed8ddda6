package dev.eksaudit.bridge.falco;

import static dev.eksaudit.bridge.falco.FalcoTestEvents.events;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.decode.AuditEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code falco.bounded-give-up-after}: a bounded replay ends with an error instead of waiting forever. */
@Timeout(120)
class FalcoBoundedGiveUpTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @Test
    void onlyBoundedJobsGiveUp() {
        String[] base = {"--input.path", "s3://audit/eks/", "--falco.url", "http://falco:9765/k8s-audit"};
        assertThat(FalcoSinkBuilder.fromConfig(BridgeConfig.fromArgs(base)).validate().boundedGiveUpAfter)
                .as("continuous: retry forever").isNull();
        String[] bounded = {"--input.path", "s3://audit/eks/", "--falco.url", "http://falco:9765/k8s-audit",
            "--input.mode", "bounded"};
        assertThat(FalcoSinkBuilder.fromConfig(BridgeConfig.fromArgs(bounded)).validate().boundedGiveUpAfter)
                .isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void trippedOnlyByFailingWithoutProgress() {
        FalcoGiveUp g = new FalcoGiveUp(1000);
        assertThat(g.check(0, 0, 0, true)).isFalse();
        assertThat(g.check(100, 0, 1, true)).as("first failure starts the clock").isFalse();
        assertThat(g.check(900, 0, 5, true)).isFalse();
        assertThat(g.check(1000, 10, 6, true)).as("something delivered: clock reset").isFalse();
        assertThat(g.check(1500, 10, 7, true)).isFalse();
        assertThat(g.check(2400, 10, 9, true)).isFalse();
        assertThat(g.check(2500, 10, 9, true)).isTrue();
        assertThat(g.check(2600, 10, 9, true)).as("once").isFalse();

        FalcoGiveUp idle = new FalcoGiveUp(1000);
        idle.check(0, 0, 0, true);
        idle.check(100, 0, 1, true);
        assertThat(idle.check(5000, 0, 1, false)).as("nothing waiting").isFalse();
        assertThat(idle.check(9000, 0, 1, true)).as("no new failure since").isFalse();
    }

    /** Falco never up, bounded input: the job fails after the limit, says why, and does not restart. */
    @Test
    void boundedJobEndsWithoutRestartWhenFalcoStaysDown(@InjectMiniCluster MiniCluster cluster) throws Exception {
        List<AuditEvent> sent = events(200, 100);
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start()) {
            receiver.stop();
            Configuration conf = new Configuration();
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(2);
            env.enableCheckpointing(500);
            env.fromData(sent).sinkTo(FalcoSink.builder()
                    .setUrls(List.of(receiver.url()))
                    .setMaxBatchEvents(50)
                    .setInitialBackoff(Duration.ofMillis(20))
                    .setMaxBackoff(Duration.ofMillis(200))
                    .setRequestTimeout(Duration.ofSeconds(2))
                    .setBoundedGiveUpAfter(Duration.ofSeconds(3))
                    .build());
            long start = System.nanoTime();
            JobClient job = env.executeAsync("falco-bounded-give-up");
            Throwable failure = catchThrowable(() -> job.getJobExecutionResult().get(60, TimeUnit.SECONDS));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(FalcoUnreachableException.in(failure)).get()
                    .extracting(Throwable::getMessage).asString()
                    .startsWith("Falco unreachable: no POST succeeded for 3 s (falco.bounded-give-up-after)");
            assertThat(failure).hasRootCauseInstanceOf(FalcoUnreachableException.class);
            assertThat(suppressRestarts(failure)).as("wrapped so Flink does not restart").isNotNull();
            AccessExecutionGraph graph = cluster.getExecutionGraph(job.getJobID()).get();
            assertThat(graph.getState()).isEqualTo(JobStatus.FAILED);
            assertThat(graph.getStatusTimestamp(JobStatus.RESTARTING)).as("restarted at").isZero();
            assertThat(tookMs).isGreaterThanOrEqualTo(3000).isLessThan(30_000);
            assertThat(receiver.eventKeys()).isEmpty();
        }
    }

    private static SuppressRestartsException suppressRestarts(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SuppressRestartsException) {
                return (SuppressRestartsException) t;
            }
        }
        return null;
    }
}
