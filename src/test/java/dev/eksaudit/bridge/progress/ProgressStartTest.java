package dev.eksaudit.bridge.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.ConfigException;
import dev.eksaudit.bridge.decode.FirehoseObjectFormat;
import dev.eksaudit.bridge.source.DiscoveryState;
import dev.eksaudit.bridge.source.FirehoseSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Progress records on a local folder: written, cleaned up, put together, and refused with one line. */
class ProgressStartTest {

    private static final String PATH_KEY = "s3://audit/eks/";
    private static final String FOLDER = "2026/12/01/22";

    @TempDir
    Path dir;

    @Test
    void aRecordRoundTripsAndTheSinkPartsAddWhatTheSinkHeld() throws Exception {
        ProgressFiles files = files();
        Path object = Files.writeString(dir.resolve("held.gz"), "0123456789");
        String held = object.toUri().toString();
        files.writeRecord(record(7, List.of(ProgressRecord.split("s3://audit/eks/" + FOLDER + "/b", 20, 1000))));
        files.writeSinkPart(new SinkProgress(7, 0, 2, Set.of(held), 0));
        files.writeSinkPart(new SinkProgress(7, 1, 2, Set.of(), 0));

        ProgressRecord loaded = ProgressStart.load(dir.toUri().toString());

        assertThat(loaded.checkpointId()).isEqualTo(7);
        assertThat(loaded.state().paths()).isEqualTo(record(7, List.of()).state().paths());
        assertThat(loaded.state().pendingSplits()).extracting(s -> s.path().toString())
                .containsExactly("s3://audit/eks/" + FOLDER + "/b", new org.apache.flink.core.fs.Path(held).toString());
        FileSourceSplit fromSink = loaded.state().pendingSplits().get(1);
        assertThat(fromSink.length()).isEqualTo(10);
        assertThat(fromSink.fileSize()).isEqualTo(10);
        // A file given by name is the same record as its folder's newest.
        assertThat(ProgressStart.load(dir.resolve("progress-7.json").toUri().toString()).state())
                .extracting(DiscoveryState::trackedKeys).isEqualTo(loaded.state().trackedKeys());
        // No half-written files are left behind.
        assertThat(names()).containsExactly("progress-7.json", "sink-7-0-of-2.json", "sink-7-1-of-2.json");
    }

    @Test
    void onlyTheThreeNewestRecordsAndTheirPartsStayAndPartsOfACheckpointBeingTakenAreKept() throws Exception {
        ProgressFiles files = files();
        for (long id : new long[] {3, 4, 6, 8, 9}) {
            files.writeSinkPart(new SinkProgress(id, 0, 1, Set.of(), 0));
            if (id != 8) { // checkpoint 8 failed: parts, no record
                files.writeRecord(record(id, List.of()));
            }
        }
        files.writeSinkPart(new SinkProgress(10, 0, 1, Set.of(), 0)); // being taken

        assertThat(files.deleteOlderThanKept(9)).isEqualTo(2); // progress-3 and sink-3

        assertThat(names()).containsExactly("progress-4.json", "progress-6.json", "progress-9.json",
                "sink-10-0-of-1.json", "sink-4-0-of-1.json", "sink-6-0-of-1.json", "sink-8-0-of-1.json", "sink-9-0-of-1.json");
    }

    @Test
    void aRecordWithoutAllItsSinkPartsIsRefusedNamingTheMissingPart() throws Exception {
        ProgressFiles files = files();
        files.writeRecord(record(5, List.of()));
        files.writeSinkPart(new SinkProgress(5, 1, 2, Set.of(), 0));

        assertThatThrownBy(() -> ProgressStart.load(dir.resolve("progress-5.json").toUri().toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.start-from: " + files.record(5) + " is incomplete: sink-5-0-of-2.json; give an "
                        + "earlier record of the same folder, or the folder");
        assertThatThrownBy(() -> ProgressStart.load(dir.toUri().toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.start-from: no complete progress record in "
                        + new org.apache.flink.core.fs.Path(dir.toUri().toString()) + " (the newest lacks sink-5-0-of-2.json)");
    }

    @Test
    void aFolderGivesItsNewestCompleteRecord() throws Exception {
        ProgressFiles files = files();
        files.writeRecord(record(5, List.of()));
        files.writeSinkPart(new SinkProgress(5, 0, 1, Set.of(), 0));
        // Checkpoint 6 is being taken, or failed before its sink part was written.
        files.writeRecord(record(6, List.of()));

        assertThat(ProgressStart.load(dir.toUri().toString()).checkpointId()).isEqualTo(5);
        files.writeSinkPart(new SinkProgress(6, 0, 1, Set.of(), 0));
        assertThat(ProgressStart.load(dir.toUri().toString()).checkpointId()).isEqualTo(6);
    }

    @Test
    void aFolderWithoutRecordsAndAForeignFileAreRefused() throws Exception {
        assertThatThrownBy(() -> ProgressStart.load(dir.toUri().toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("input.start-from: no progress record (progress-<checkpoint>.json) in ");
        Files.writeString(dir.resolve("progress-2.json"), "{\"kind\":\"EventList\"}", StandardCharsets.UTF_8);
        files().writeSinkPart(new SinkProgress(2, 0, 1, Set.of(), 0));
        assertThatThrownBy(() -> ProgressStart.load(dir.toUri().toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("progress-2.json cannot be used: not an eks-audit-bridge progress record (no \"format\": "
                        + "\"eks-audit-bridge progress record\")");
    }

    @Test
    void anObjectTheSinkHeldThatIsGoneIsRefused() throws Exception {
        ProgressFiles files = files();
        files.writeRecord(record(5, List.of()));
        String gone = dir.resolve("gone.gz").toUri().toString();
        files.writeSinkPart(new SinkProgress(5, 0, 1, Set.of(gone), 0));

        assertThatThrownBy(() -> ProgressStart.load(dir.toUri().toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.start-from: the sink had not delivered all events of " + gone
                        + ", which no longer exists; they cannot be read again");
    }

    @Test
    void aRecordOfOtherPathsStopsTheBuildWithOneLine() throws Exception {
        ProgressFiles files = files();
        files.writeRecord(record(5, List.of()));
        files.writeSinkPart(new SinkProgress(5, 0, 1, Set.of(), 0));

        assertThatThrownBy(() -> FirehoseSource.fromConfig(BridgeConfig.fromMap(Map.of(
                        "input.path", "s3://other/eks/", "input.start-from", dir.toUri().toString(), "falco.dry-run", "true")),
                new FirehoseObjectFormat()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("input.start-from (the record of checkpoint 5) does not fit: input.path: the record "
                        + "was taken reading s3://audit/eks/, this job is given s3://other/eks/");
    }

    @Test
    void theKeysFailAtStartWhereTheyCannotWork() {
        assertThatThrownBy(() -> BridgeConfig.fromMap(Map.of("input.path", PATH_KEY, "falco.dry-run", "true",
                "input.progress-path", "s3://flink/progress/", "input.start-from", "s3://flink/progress/progress-9.json")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.progress-path: must not be the folder of input.start-from (this job's checkpoint ids "
                        + "start again at 1 and its records would mix with the old job's); give another folder");
        assertThatThrownBy(() -> BridgeConfig.fromMap(Map.of("input.path", PATH_KEY, "falco.dry-run", "true",
                "input.mode", "bounded", "input.start", "2026-12-01T00:00:00Z", "input.progress-path", "s3://flink/progress/")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.progress-path: only allowed with input.mode continuous");
        assertThatThrownBy(() -> BridgeConfig.fromMap(Map.of("input.path", PATH_KEY, "falco.dry-run", "true",
                "input.start-from", "progress/")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.start-from: 'progress/' has scheme null; expected s3://bucket/prefix/ or file:///abs/dir/");
        // Another folder is fine.
        BridgeConfig.fromMap(Map.of("input.path", PATH_KEY, "falco.dry-run", "true",
                "input.progress-path", "s3://flink/progress-2.2/", "input.start-from", "s3://flink/progress/"));
    }

    private ProgressFiles files() {
        return new ProgressFiles(new org.apache.flink.core.fs.Path(dir.toUri()));
    }

    private static ProgressRecord record(long id, List<FileSourceSplit> reread) {
        DiscoveryState.PathState path = new DiscoveryState.PathState("firehose-hourly", "yyyy/MM/dd/HH", "UTC",
                Instant.parse("2026-11-30T21:00:00Z").toEpochMilli(), Map.of(FOLDER, Set.of("a", "b"), "2026/12/01/21", Set.of()));
        return new ProgressRecord(id, Instant.parse("2026-12-01T22:30:00Z"), "1.20.5",
                new DiscoveryState(Map.of(PATH_KEY, path), reread));
    }

    private Set<String> names() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".gz"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
