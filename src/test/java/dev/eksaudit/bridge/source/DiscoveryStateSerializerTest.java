package dev.eksaudit.bridge.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;

class DiscoveryStateSerializerTest {

    private final DiscoveryStateSerializer serializer = new DiscoveryStateSerializer();

    @Test
    void roundTripKeepsPathsLayoutLowWaterSeenNamesAndPendingSplits() throws IOException {
        FileSourceSplit plain = new FileSourceSplit("s3://b/p/2026/11/26/13/x", new Path("s3://b/p/2026/11/26/13/x"),
                0, 1234, 1_764_162_000_000L, 1234);
        FileSourceSplit positioned = new FileSourceSplit("other-id", new Path("s3://b/p/2026/11/26/14/y.gz"),
                0, 99, 7L, 99, new String[0], new CheckpointedPosition(CheckpointedPosition.NO_OFFSET, 17));
        DiscoveryState.PathState hourly = new DiscoveryState.PathState("firehose-hourly",
                "year=!{timestamp:yyyy}/hour=!{timestamp:HH}/", "Asia/Kolkata", 1_764_158_400_000L,
                Map.of("year=2026/hour=12", Set.of("eks-1-2026-11-26-12-00-01-a", "eks-1-2026-11-26-12-00-01-b", "ü-€-𝄞",
                                "eks-1-2026-11-26-12-00-02-0f8e8a4c-6a8e-4b8e-9c61-3f1c2d7e9a10.gz",
                                "eks-1-2026-11-26-12-00-02-0f8e8a4c-6a8e-4b8e-9c61-3f1c2d7e9a11",
                                "x-0F8E8A4C-6A8E-4B8E-9C61-3F1C2D7E9A10-upper-is-text"),
                        "year=2026/hour=13", Set.of(), "year=2026/hour=14", Set.of("c")));
        DiscoveryState.PathState flat = new DiscoveryState.PathState("none", null, null, DiscoveryState.NO_LOW_WATER,
                Map.of("", Set.of("flat/ü-key", "flat/ü-key2")));
        DiscoveryState state = new DiscoveryState(Map.of("s3://b/p/year=!{timestamp:yyyy}/hour=!{timestamp:HH}/", hourly,
                "s3://other/", flat), List.of(plain, positioned));

        DiscoveryState back = serializer.deserialize(serializer.getVersion(), serializer.serialize(state));

        assertThat(back.paths()).isEqualTo(state.paths());
        assertThat(back.paths().get("s3://other/").pattern()).isNull();
        assertThat(back.trackedKeys()).containsExactlyInAnyOrder("year=2026/hour=12/eks-1-2026-11-26-12-00-01-a",
                "year=2026/hour=12/eks-1-2026-11-26-12-00-02-0f8e8a4c-6a8e-4b8e-9c61-3f1c2d7e9a10.gz",
                "year=2026/hour=12/eks-1-2026-11-26-12-00-02-0f8e8a4c-6a8e-4b8e-9c61-3f1c2d7e9a11",
                "year=2026/hour=12/x-0F8E8A4C-6A8E-4B8E-9C61-3F1C2D7E9A10-upper-is-text",
                "year=2026/hour=12/eks-1-2026-11-26-12-00-01-b", "year=2026/hour=12/ü-€-𝄞", "year=2026/hour=14/c",
                "flat/ü-key", "flat/ü-key2");
        assertThat(back.pendingSplits()).hasSize(2);
        FileSourceSplit p = back.pendingSplits().get(0);
        assertThat(p.splitId()).isEqualTo(plain.splitId());
        assertThat(p.path()).isEqualTo(plain.path());
        assertThat(p.offset()).isZero();
        assertThat(p.length()).isEqualTo(1234);
        assertThat(p.fileModificationTime()).isEqualTo(1_764_162_000_000L);
        assertThat(p.fileSize()).isEqualTo(1234);
        assertThat(p.getReaderPosition()).isEmpty();
        FileSourceSplit q = back.pendingSplits().get(1);
        assertThat(q.splitId()).isEqualTo("other-id");
        assertThat(q.path()).isEqualTo(positioned.path());
        assertThat(q.getReaderPosition()).contains(new CheckpointedPosition(CheckpointedPosition.NO_OFFSET, 17));
    }

    /** Bytes written by the version-1 serializer (commit fee42c8), see src/test/resources/discovery-state/README.md. */
    @Test
    void readsAVersion1CheckpointOfTheHourlyLayout() throws IOException {
        DiscoveryState state = serializer.deserialize(1, resource("v1-firehose-hourly.bin"));

        assertThat(state.paths()).containsOnlyKeys(DiscoveryState.UNRECORDED_PATH);
        DiscoveryState.PathState path = state.paths().get(DiscoveryState.UNRECORDED_PATH);
        assertThat(path.partitioning()).isEqualTo("firehose-hourly");
        assertThat(path.pattern()).isEqualTo(FirehosePrefix.DEFAULT_PATTERN);
        assertThat(path.timeZone()).isEqualTo("UTC");
        assertThat(Instant.ofEpochMilli(path.lowWaterMillis())).isEqualTo(Instant.parse("2026-11-26T12:00:00Z"));
        assertThat(path.seenByFolder()).isEqualTo(Map.of(
                "2026/11/26/12", Set.of("eks-audit-1-2026-11-26-12-04-05-0f8e8a4c-6a8e-4b8e-9c61-3f1c2d7e9a10",
                        "eks-audit-1-2026-11-26-12-19-44-5b2d0c1e-7f3a-4c8d-a1e2-9d8c7b6a5f40"),
                "2026/11/26/13", Set.of("eks-audit-1-2026-11-26-13-00-12-c3d4e5f6-0a1b-4c2d-8e9f-a0b1c2d3e4f5.gz")));
        assertThat(state.pendingSplits()).hasSize(2);
        FileSourceSplit a = state.pendingSplits().get(0);
        assertThat(a.path()).hasToString(
                "s3://audit/eks/2026/11/26/14/eks-audit-1-2026-11-26-14-10-00-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
        assertThat(a.splitId()).isEqualTo(a.path().toString());
        assertThat(a.length()).isEqualTo(4096);
        assertThat(a.fileModificationTime()).isEqualTo(1_764_166_200_000L);
        assertThat(a.getReaderPosition()).isEmpty();
        FileSourceSplit b = state.pendingSplits().get(1);
        assertThat(b.path()).hasToString(
                "s3://audit/eks/2026/11/26/13/eks-audit-1-2026-11-26-13-00-12-c3d4e5f6-0a1b-4c2d-8e9f-a0b1c2d3e4f5.gz");
        assertThat(b.length()).isEqualTo(777);
        assertThat(b.getReaderPosition()).contains(new CheckpointedPosition(CheckpointedPosition.NO_OFFSET, 42));

        // Written again, it is version 2 and reads back the same.
        DiscoveryState again = serializer.deserialize(2, serializer.serialize(state));
        assertThat(again.paths()).isEqualTo(state.paths());
    }

    @Test
    void readsAVersion1CheckpointWithoutPartitioning() throws IOException {
        DiscoveryState state = serializer.deserialize(1, resource("v1-partitioning-none.bin"));

        DiscoveryState.PathState path = state.paths().get(DiscoveryState.UNRECORDED_PATH);
        assertThat(path.partitioning()).isEqualTo("none");
        assertThat(path.lowWaterMillis()).isEqualTo(DiscoveryState.NO_LOW_WATER);
        assertThat(path.seenByFolder()).isEqualTo(Map.of("", Set.of("flat-object", "some/custom/prefix/object.gz")));
        assertThat(state.pendingSplits()).isEmpty();
    }

    /**
     * The late window's size in a checkpoint, with names as long as Firehose's (a 20-character
     * delivery stream name: 82 characters), over 26 hour folders (25 h late lookback): printed
     * for the README, and held to a budget of 32 bytes per object.
     */
    @Test
    void theLateWindowIsSmallInACheckpoint() throws IOException {
        for (int perHour : new int[] {60, 1_000}) {
            DiscoveryState state = lateWindow(perHour, 26);
            int bytes = serializer.serialize(state).length;
            long nameChars = state.trackedKeys().stream().mapToLong(k -> k.length() - "2026/11/26/15/".length()).sum();
            System.out.printf(Locale.ROOT, "late window at %d objects/hour: %d objects, %d bytes (%.1f per object; "
                    + "names alone %d bytes)%n", perHour, state.trackedObjects(), bytes,
                    bytes / (double) state.trackedObjects(), nameChars);
            assertThat(state.trackedObjects()).isEqualTo(perHour * 26);
            assertThat(bytes).isLessThan(32 * state.trackedObjects());
            assertThat(serializer.deserialize(serializer.getVersion(), serializer.serialize(state)).paths())
                    .isEqualTo(state.paths());
        }
    }

    private static DiscoveryState lateWindow(int perHour, int hours) {
        Random random = new Random(42);
        Instant first = Instant.parse("2026-11-25T14:00:00Z");
        Map<String, Set<String>> seen = new TreeMap<>();
        for (int h = 0; h < hours; h++) {
            Instant hour = first.plus(Duration.ofHours(h));
            Set<String> names = new TreeSet<>();
            while (names.size() < perHour) {
                LocalDateTime t = LocalDateTime.ofInstant(hour.plusSeconds(random.nextInt(3600)), ZoneOffset.UTC);
                UUID uuid = new UUID(random.nextLong(), random.nextLong());
                names.add(String.format(Locale.ROOT, "eks-audit-logs-prod1-1-%04d-%02d-%02d-%02d-%02d-%02d-%s.gz",
                        t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond(), uuid));
            }
            seen.put(HourFolders.name(HourFolders.hourOf(hour)), names);
        }
        return DiscoveryState.of("s3://audit/eks/", new DiscoveryState.PathState("firehose-hourly",
                FirehosePrefix.DEFAULT_PATTERN, "UTC", first.toEpochMilli(), seen), List.of());
    }

    @Test
    void anUnknownVersionIsRefused() throws IOException {
        byte[] bytes = serializer.serialize(new DiscoveryState(Map.of(), List.of()));
        assertThatThrownBy(() -> serializer.deserialize(99, bytes)).isInstanceOf(IOException.class)
                .hasMessageContaining("version 99");
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = DiscoveryStateSerializerTest.class.getResourceAsStream("/discovery-state/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }
}
