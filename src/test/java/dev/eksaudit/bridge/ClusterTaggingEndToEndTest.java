package dev.eksaudit.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import dev.eksaudit.bridge.source.InProcessS3;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three clusters share one Firehose stream and so one prefix: a continuous job on the in-process
 * S3 server delivers every event once, each with the cluster of its object's log group as
 * {@code annotations.cluster_name}, and counts decoded and delivered events per cluster.
 */
class ClusterTaggingEndToEndTest {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = PipelineFixture.miniCluster(METRICS);

    @Test
    void everyEventCarriesTheClusterOfItsLogGroup() throws Exception {
        PipelineFixture fixture = new PipelineFixture("s3://audit/eks/", Instant.now().minus(Duration.ofMinutes(100)), 13)
                .logGroups("/aws/eks/prod-eu/cluster", "/aws/eks/prod-us/cluster", "/aws/eks/staging/cluster")
                .addObjects(12, 10);
        try (InProcessS3 s3 = InProcessS3.start("audit"); FalcoWebhookReceiver falco = FalcoWebhookReceiver.start()) {
            fixture.put(s3, fixture.keys().subList(0, 6));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            env.enableCheckpointing(500);
            BridgeJob.build(env, BridgeConfig.fromArgs(
                    "--input.path", "s3://audit/eks/",
                    "--input.discovery-interval", "500 ms",
                    "--falco.url", falco.url().toString(),
                    "--falco.batch.max-delay", "100 ms"));
            JobClient job = env.executeAsync("three clusters, one prefix");
            try {
                fixture.put(s3, fixture.keys().subList(6, 12));
                falco.awaitEventCount(fixture.expectedKeys.size(), Duration.ofSeconds(90));

                Map<String, String> delivered = new TreeMap<>();
                for (JsonNode event : falco.events()) {
                    JsonNode name = event.path("annotations").path("cluster_name");
                    delivered.put(event.get("auditID").asText() + "/" + event.get("stage").asText(),
                            name.isMissingNode() ? "-" : name.asText());
                }
                assertThat(falco.eventKeys()).doesNotHaveDuplicates();
                assertThat(delivered).isEqualTo(new TreeMap<>(fixture.expectedClusters));
                assertThat(falco.droppedCount()).isZero();

                Map<String, Long> perCluster = fixture.expectedClusters.values().stream()
                        .collect(Collectors.groupingBy(c -> c, TreeMap::new, Collectors.counting()));
                assertThat(perCluster.keySet()).containsExactly("-", "prod-eu", "prod-us", "staging");
                // Delivered counts settle once the POSTs' callbacks ran; decoded ones before delivery.
                for (String cluster : new String[] {"prod-eu", "prod-us", "staging"}) {
                    awaitMetric(job.getJobID(), "cluster." + cluster + ".eventsSent", perCluster.get(cluster));
                    assertThat(sum(job.getJobID(), "cluster." + cluster + ".eventsDecoded"))
                            .isEqualTo(decodedIncludingRepeats(fixture, cluster));
                    assertThat(lag(job.getJobID(), cluster)).as("lag of " + cluster).isGreaterThanOrEqualTo(0L);
                }
                assertThat(sum(job.getJobID(), "eventsWithoutCluster")).isEqualTo(decodedIncludingRepeats(fixture, "-"));
            } finally {
                job.cancel().get(1, TimeUnit.MINUTES);
            }
        }
    }

    /** Objects of several log groups carry no repeats (see PipelineFixture#logGroups): decoded = delivered. */
    private static long decodedIncludingRepeats(PipelineFixture fixture, String cluster) {
        return fixture.expectedClusters.values().stream().filter(cluster::equals).count();
    }

    private static void awaitMetric(JobID job, String name, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sum(job, name) != expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(sum(job, name)).as(name).isEqualTo(expected);
    }

    /** Sum over subtasks of the metric whose name ends with {@code name} (cluster.<name>.<metric>). */
    private static long sum(JobID job, String name) {
        long total = 0;
        for (Map.Entry<String, Metric> e : METRICS.findMetrics(job, name.substring(name.lastIndexOf('.') + 1)).entrySet()) {
            if (e.getKey().endsWith("." + name) && e.getValue() instanceof Counter) {
                total += ((Counter) e.getValue()).getCount();
            }
        }
        return total;
    }

    @SuppressWarnings("unchecked")
    private static long lag(JobID job, String cluster) {
        long max = -1;
        for (Map.Entry<String, Metric> e : METRICS.findMetrics(job, "eventTimeLagMs").entrySet()) {
            if (e.getKey().endsWith(".cluster." + cluster + ".eventTimeLagMs")) {
                max = Math.max(max, ((Gauge<Long>) e.getValue()).getValue());
            }
        }
        return max;
    }
}
