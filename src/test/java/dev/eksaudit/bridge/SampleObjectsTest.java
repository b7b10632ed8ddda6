package dev.eksaudit.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksaudit.bridge.decode.FirehoseFixtures;
import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's run command reads {@code samples/}: they must be what the generator writes from
 * Falco's fixtures, and a bounded run over them must deliver each distinct event exactly once,
 * equal as JSON to the fixture line it came from.
 */
class SampleObjectsTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = PipelineFixture.miniCluster();

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void bundledSamplesAreTheGeneratorsOutput() throws Exception {
        Map<String, byte[]> generated = SampleObjects.generate();
        List<String> onDisk = new ArrayList<>();
        try (var files = Files.walk(SampleObjects.DIR)) {
            files.filter(Files::isRegularFile).forEach(f -> onDisk.add(SampleObjects.DIR.relativize(f).toString()));
        }
        assertThat(onDisk).containsExactlyInAnyOrderElementsOf(generated.keySet());
        for (var e : generated.entrySet()) {
            byte[] file = Files.readAllBytes(SampleObjects.DIR.resolve(e.getKey()));
            // Compared gunzipped: deflate output may differ between JDK builds, the content may not.
            assertThat(gunzipAll(file)).as(e.getKey()).isEqualTo(gunzipAll(e.getValue()));
        }
    }

    private static byte[] gunzipAll(byte[] bytes) throws java.io.IOException {
        while (bytes.length > 1 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
            try (var in = new org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream(
                    new java.io.ByteArrayInputStream(bytes), true)) {
                bytes = in.readAllBytes();
            }
        }
        return bytes;
    }

    @Test
    void boundedRunOverTheSamplesDeliversEveryDistinctCorpusEventOnce() throws Exception {
        // Two fixture files log the same (auditID, stage) with different bodies: dedup keeps
        // whichever arrives first, so each key maps to every body it may carry.
        // Each event arrives as its fixture line plus annotations.cluster_name, the cluster of its
        // object's log group (none for layout d, which has no envelope).
        Map<String, List<JsonNode>> expected = new LinkedHashMap<>();
        java.util.Set<String> clusters = new java.util.TreeSet<>();
        for (SampleObjects.Part part : SampleObjects.parts()) {
            for (String line : part.events()) {
                JsonNode event = JSON.readTree(line);
                if (event.isObject() && "Event".equals(event.path("kind").asText())) {
                    if (part.cluster() != null) {
                        ((com.fasterxml.jackson.databind.node.ObjectNode) event).with("annotations")
                                .put("cluster_name", part.cluster());
                        clusters.add(part.cluster());
                    }
                    expected.computeIfAbsent(event.get("auditID").asText() + "/" + event.get("stage").asText(),
                            k -> new ArrayList<>()).add(event);
                }
            }
        }
        assertThat(expected).hasSize(49);
        assertThat(clusters).containsExactly("prod-eu", "staging");

        try (FalcoWebhookReceiver falco = FalcoWebhookReceiver.start()) {
            SampleObjects.backfill(falco.url().toString(), "samples");

            assertThat(falco.eventKeys()).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(expected.keySet());
            for (JsonNode event : falco.events()) {
                String key = event.get("auditID").asText() + "/" + event.get("stage").asText();
                // Compared as JSON values; the message names the key only (events can hold secrets).
                assertThat(expected.get(key).contains(event)).as("%s arrived equal to its fixture line", key).isTrue();
            }
            assertThat(falco.droppedCount()).isZero();
        }
    }
}
