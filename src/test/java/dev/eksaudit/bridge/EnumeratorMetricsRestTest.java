package dev.eksaudit.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksaudit.bridge.config.BridgeConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The enumerator's metrics (listRequests, trackedObjects, unassignedSplits) live on the
 * JobManager, in the source coordinator's operator group. The web UI's per-vertex metrics list
 * shows only TaskManager metrics; Flink 1.20's REST API has them at
 * {@code /jobs/<job>/vertices/<source vertex>/jm-operator-metrics} (README "Metrics"). Read there,
 * over real HTTP, from a running job over the sample objects.
 */
class EnumeratorMetricsRestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = PipelineFixture.miniCluster(
            // The REST metric store refreshes every 10 s by default.
            Configuration.fromMap(Map.of("metrics.fetcher.update-interval", "500")));

    @Test
    void enumeratorMetricsAreReadableOverRest(@InjectClusterClient ClusterClient<?> client, @TempDir Path bucket)
            throws Exception {
        // One sample object in the current hour's folder, so it stays in the lookback window (tracked).
        Path hour = Files.createDirectories(bucket.resolve(
                java.time.format.DateTimeFormatter.ofPattern("yyyy/MM/dd/HH").withZone(java.time.ZoneOffset.UTC).format(Instant.now())));
        try (java.util.stream.Stream<Path> samples = Files.list(Path.of("samples/eks-audit/2026/11/26/15"))) {
            Path sample = samples.filter(p -> !p.toString().endsWith(".gz")).sorted().findFirst().orElseThrow();
            Files.copy(sample, hour.resolve("eks-audit-object"));
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        BridgeJob.build(env, BridgeConfig.fromArgs(
                "--input.path", bucket.toUri().toString(),
                "--input.discovery-interval", "1 s",
                "--falco.dry-run", "true"));
        JobClient job = env.executeAsync("enumerator-metrics");
        try {
            URI rest = URI.create(client.getWebInterfaceURL() + "/");
            String source = sourceVertex(rest, job.getJobID().toString());
            URI metrics = rest.resolve("jobs/" + job.getJobID() + "/vertices/" + source + "/jm-operator-metrics");

            Map<String, Double> values = awaitValues(metrics, v -> v.getOrDefault("trackedObjects", -1.0) == 1.0
                    && v.getOrDefault("unassignedSplits", -1.0) == 0.0 && v.getOrDefault("listRequests", 0.0) >= 2.0);

            // The one object, handed out to the reader, its hour listed by more than one discovery.
            assertThat(values).containsOnlyKeys("lateObjects", "listFailures", "listRequests", "trackedObjects", "unassignedSplits")
                    .containsEntry("lateObjects", 0.0).containsEntry("listFailures", 0.0)
                    .containsEntry("trackedObjects", 1.0).containsEntry("unassignedSplits", 0.0);
            assertThat(values.get("listRequests")).isGreaterThanOrEqualTo(2.0);
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
        }
    }

    private static JsonNode get(URI uri) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", uri, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String sourceVertex(URI rest, String jobId) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        JsonNode details = null;
        while (Instant.now().isBefore(deadline)) {
            details = get(rest.resolve("jobs/" + jobId));
            for (JsonNode vertex : details.path("vertices")) {
                if (vertex.path("name").asText().contains("S3 objects")) {
                    return vertex.path("id").asText();
                }
            }
            Thread.sleep(100); // the job's graph is published a moment after submission
        }
        throw new AssertionError("no source vertex in job " + jobId + ": " + details);
    }

    /**
     * The enumerator's metrics by short name. Their ids are {@code <operator>.coordinator.enumerator.<name>},
     * e.g. {@code Source__S3_objects_->_Decode_CloudWatch_Logs_records.coordinator.enumerator.listRequests}.
     */
    private static Map<String, Double> awaitValues(URI uri, java.util.function.Predicate<Map<String, Double>> done)
            throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        Map<String, Double> values = new HashMap<>();
        while (Instant.now().isBefore(deadline)) {
            values.clear();
            java.util.List<String> ids = new java.util.ArrayList<>();
            get(uri).forEach(m -> ids.add(m.path("id").asText()));
            if (!ids.isEmpty()) {
                String query = java.net.URLEncoder.encode(String.join(",", ids), java.nio.charset.StandardCharsets.UTF_8);
                for (JsonNode metric : get(URI.create(uri + "?get=" + query))) {
                    String id = metric.path("id").asText();
                    assertThat(id).contains(".coordinator.enumerator.");
                    values.put(id.substring(id.lastIndexOf('.') + 1), metric.path("value").asDouble());
                }
            }
            if (done.test(values)) {
                return values;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("enumerator metrics over REST never settled: " + values);
    }
}
