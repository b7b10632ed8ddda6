package dev.eksaudit.bridge.deadletter;

import static dev.eksaudit.bridge.decode.FirehoseFixtures.Layout.MULTI_MEMBER_GZIP;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksaudit.bridge.BridgeJob;
import dev.eksaudit.bridge.PipelineFixture;
import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.decode.FirehoseFixtures;
import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad objects and bad records next to good ones, through the whole job with {@code dlq.path}: the
 * good events reach Falco, every bad record is exactly one dead-letter line with its reason,
 * position and bytes, in files the FileSink committed on a checkpoint.
 */
class DeadLettersEndToEndTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = PipelineFixture.miniCluster();

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyBadRecordIsOneDeadLetterAndEveryGoodOneIsDelivered(@TempDir Path input, @TempDir Path dlq)
            throws Exception {
        Instant arrival = Instant.now().minus(Duration.ofMinutes(30));
        List<String> good = FirehoseFixtures.events(10);
        String oversize = FirehoseFixtures.oversizeEvent("0b5e9b4c-6f0e-4c61-9d0e-0ee0c0ffee00", 300_000);
        List<String> mixed = List.of(
                good.get(0), good.get(1), good.get(2),
                FirehoseFixtures.truncatedMessage(good.get(9)),
                FirehoseFixtures.nonEventMessage(),
                FirehoseFixtures.without(good.get(8), "auditID"),
                FirehoseFixtures.with(good.get(7), "stageTimestamp", "yesterday"),
                oversize,
                good.get(3));
        String mixedKey = write(input, arrival, MULTI_MEMBER_GZIP, FirehoseFixtures.object(MULTI_MEMBER_GZIP, mixed));
        String garbageKey = write(input, arrival.plusSeconds(1), MULTI_MEMBER_GZIP, FirehoseFixtures.garbageObject(500, 1));
        String emptyKey = write(input, arrival.plusSeconds(2), MULTI_MEMBER_GZIP, FirehoseFixtures.emptyObject());
        String cutKey = write(input, arrival.plusSeconds(3), MULTI_MEMBER_GZIP,
                FirehoseFixtures.truncatedLastMember(good.subList(4, 10)));

        try (FalcoWebhookReceiver falco = FalcoWebhookReceiver.start()) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setParallelism(2);
            env.enableCheckpointing(100);
            BridgeJob.build(env, BridgeConfig.fromArgs(
                    "--input.path", input.toUri().toString(),
                    "--input.mode", "bounded",
                    "--dlq.path", dlq.toUri().toString(),
                    "--falco.url", falco.url().toString()));
            env.execute("dead letters");

            // Envelopes of 3: [control, data(0-2), other stream, data(3-5), data(6-8)]; the cut
            // object loses its last member, data(7-9), and keeps data(4-6).
            assertThat(falco.eventKeys()).containsExactlyInAnyOrderElementsOf(keys(List.of(
                    good.get(0), good.get(1), good.get(2), good.get(3), good.get(4), good.get(5), good.get(6))));
        }

        List<JsonNode> letters = readDeadLetters(dlq);
        assertThat(letters).extracting(l -> l.get("reason").asText() + " " + l.get("objectKey").asText() + " #"
                        + l.get("index").asLong())
                .containsExactlyInAnyOrder(
                        "truncated-message " + mixedKey + " #3",
                        "not-audit-event " + mixedKey + " #3",
                        "missing-audit-id " + mixedKey + " #3",
                        "bad-stage-timestamp " + mixedKey + " #4",
                        "oversize " + mixedKey + " #4",
                        "not-json " + garbageKey + " #0",
                        "empty-object " + emptyKey + " #0",
                        "truncated-gzip " + cutKey + " #3");
        JsonNode oversizeLetter = letters.stream().filter(l -> l.get("reason").asText().equals("oversize")).findFirst().orElseThrow();
        assertThat(oversizeLetter.get("payload")).isEqualTo(JSON.readTree(oversize));
        JsonNode truncated = letters.stream().filter(l -> l.get("reason").asText().equals("truncated-message")).findFirst().orElseThrow();
        assertThat(new String(Base64.getDecoder().decode(truncated.get("payloadBase64").asText()), StandardCharsets.UTF_8))
                .isEqualTo(FirehoseFixtures.truncatedMessage(good.get(9)));
    }

    private static String write(Path root, Instant arrival, FirehoseFixtures.Layout layout, byte[] body) throws Exception {
        String key = FirehoseFixtures.objectKey("", arrival, layout);
        Path file = root.resolve(key);
        Files.createDirectories(file.getParent());
        Files.write(file, body);
        return new org.apache.flink.core.fs.Path(file.toUri()).toString();
    }

    private static List<String> keys(List<String> events) throws Exception {
        List<String> keys = new ArrayList<>();
        for (String e : events) {
            JsonNode node = JSON.readTree(e);
            keys.add(node.get("auditID").asText() + "/" + node.get("stage").asText());
        }
        return keys;
    }

    /** Committed part files only: in-progress and pending files are hidden ('.' prefix) until a checkpoint. */
    private static List<JsonNode> readDeadLetters(Path dlq) throws Exception {
        List<JsonNode> letters = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dlq)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith("."))::iterator) {
                assertThat(f.getFileName().toString()).startsWith("dead-letters").endsWith(".jsonl");
                for (String line : Files.readAllLines(f)) {
                    letters.add(JSON.readTree(line));
                }
            }
        }
        return letters;
    }
}
