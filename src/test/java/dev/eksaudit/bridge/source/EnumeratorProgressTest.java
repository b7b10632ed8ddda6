package dev.eksaudit.bridge.source;

import static dev.eksaudit.bridge.source.MultiPathDiscoveryTest.CENTRAL;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksaudit.bridge.config.BridgeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SupportsHandleExecutionAttemptSourceEvent;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the enumerator puts in a progress record: the objects handed out and not reported
 * finished are to be read again, and no record is written while a reader has not said what it
 * holds (after a start, or when it registers again after a failover), and a report of a failed
 * attempt does not count.
 */
class EnumeratorProgressTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path progress;

    private InProcessS3 s3;

    @BeforeEach
    void start() throws Exception {
        s3 = InProcessS3.start("central");
    }

    @AfterEach
    void stop() throws Exception {
        s3.close();
    }

    @Test
    void objectsNotReportedFinishedAreReadAgainAndNoRecordIsWrittenWhileAReaderIsUnaccounted() throws Exception {
        Instant now = Instant.parse("2026-11-26T15:20:00Z");
        String a = MultiPathDiscoveryTest.central(s3, Instant.parse("2026-11-26T14:05:00Z"));
        String b = MultiPathDiscoveryTest.central(s3, Instant.parse("2026-11-26T14:35:00Z"));
        String c = MultiPathDiscoveryTest.central(s3, Instant.parse("2026-11-26T15:05:00Z"));
        FirehoseSource source = FirehoseSource.builder(BridgeConfig.fromMap(Map.of("input.path", CENTRAL,
                        "falco.dry-run", "true", "input.progress-path", progress.toUri().toString())), new PathPerObjectFormat())
                .setClock(new MutableClock(now))
                .build();
        TestingEnumeratorContext context = new TestingEnumeratorContext();
        context.registerReader(0);
        context.registerReader(1);
        SplitEnumerator<FileSourceSplit, DiscoveryState> enumerator = source.createEnumerator(context);
        // What Flink's SourceCoordinator calls with each reader event when the enumerator has it.
        SupportsHandleExecutionAttemptSourceEvent events = (SupportsHandleExecutionAttemptSourceEvent) enumerator;
        enumerator.addReader(0);
        enumerator.addReader(1);
        enumerator.start();
        context.runDiscovery();
        enumerator.handleSplitRequest(0, null);
        enumerator.handleSplitRequest(1, null);
        FileSourceSplit toFirst = context.assignedTo(0).get(0);
        FileSourceSplit toSecond = context.assignedTo(1).get(0);
        assertThat(List.of(toFirst.path().toString(), toSecond.path().toString())).containsExactly(a, b);

        enumerator.snapshotState(1);
        assertThat(records()).as("readers have not reported yet").isEmpty();

        events.handleSourceEvent(0, 0, ReaderSplitsEvent.started(List.of()));
        events.handleSourceEvent(1, 0, ReaderSplitsEvent.started(List.of()));
        enumerator.snapshotState(2);
        assertThat(reread(2)).containsExactly(c, a, b); // c pending, a and b being read

        events.handleSourceEvent(0, 0, ReaderSplitsEvent.finished(List.of(toFirst)));
        enumerator.snapshotState(3);
        assertThat(reread(3)).containsExactly(c, b);

        // Reader 1 fails over: until it says what it restored, nothing it may hold can be called done.
        enumerator.addSplitsBack(List.of(), 1);
        context.registerReader(1, 1);
        enumerator.addReader(1);
        enumerator.snapshotState(4);
        assertThat(records()).containsExactly("progress-2.json", "progress-3.json");
        events.handleSourceEvent(1, 1, ReaderSplitsEvent.started(List.of(toSecond)));
        // The failed attempt's last word arrives late: it finished b, but its output is gone with it.
        events.handleSourceEvent(1, 0, ReaderSplitsEvent.finished(List.of(toSecond)));
        enumerator.snapshotState(5);
        assertThat(reread(5)).containsExactly(c, b);
        events.handleSourceEvent(1, 1, ReaderSplitsEvent.finished(List.of(toSecond)));
        enumerator.snapshotState(6);
        assertThat(reread(6)).containsExactly(c);
        JsonNode record = JSON.readTree(progress.resolve("progress-6.json").toFile());
        assertThat(record.get("paths").get(CENTRAL).get("objects").get("2026/11/26/14")).hasSize(2);
        assertThat(record.get("paths").get(CENTRAL).get("objects").get("2026/11/26/15")).hasSize(1);
        enumerator.close();
    }

    private List<String> records() throws Exception {
        List<String> names = new ArrayList<>();
        try (var files = Files.list(progress)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("progress-")).sorted().forEach(names::add);
        }
        return names;
    }

    private List<String> reread(long checkpointId) throws Exception {
        List<String> paths = new ArrayList<>();
        JSON.readTree(progress.resolve("progress-" + checkpointId + ".json").toFile()).get("reread")
                .forEach(n -> paths.add(n.get("path").asText()));
        return paths;
    }
}
