package dev.eksaudit.bridge.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;

class DiscoveryStateSerializerTest {

    private final DiscoveryStateSerializer serializer = new DiscoveryStateSerializer();

    @Test
    void roundTripKeepsLowWaterSeenNamesAndPendingSplits() throws IOException {
        long h12 = HourFolders.hourOf(Instant.parse("2026-11-26T12:00:00Z"));
        FileSourceSplit plain = new FileSourceSplit("s3://b/p/2026/11/26/13/x", new Path("s3://b/p/2026/11/26/13/x"),
                0, 1234, 1_764_162_000_000L, 1234);
        FileSourceSplit positioned = new FileSourceSplit("other-id", new Path("s3://b/p/2026/11/26/14/y.gz"),
                0, 99, 7L, 99, new String[0], new CheckpointedPosition(CheckpointedPosition.NO_OFFSET, 17));
        DiscoveryState state = new DiscoveryState(h12,
                Map.of(h12, Set.of("a", "b"), h12 + 1, Set.of("c"), HourFolders.NO_HOUR, Set.of("flat/ü-key")),
                List.of(plain, positioned));

        DiscoveryState back = serializer.deserialize(serializer.getVersion(), serializer.serialize(state));

        assertThat(back.lowWaterHour()).isEqualTo(h12);
        assertThat(back.seenByHour()).isEqualTo(state.seenByHour());
        assertThat(back.trackedKeys()).containsExactlyInAnyOrder(
                "2026/11/26/12/a", "2026/11/26/12/b", "2026/11/26/13/c", "flat/ü-key");
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

    @Test
    void aTrackedObjectCostsItsNamePlusTwoBytes() throws IOException {
        long hour = 493_000L;
        String name = "eks-audit-1-2026-11-26-15-04-05-0f8e8a4c-6a8e-4b8e-9c61-3f1c2d7e9a10";
        DiscoveryState one = new DiscoveryState(hour, Map.of(hour, Set.of(name)), List.of());
        DiscoveryState two = new DiscoveryState(hour, Map.of(hour, Set.of(name, name + "2")), List.of());

        assertThat(serializer.serialize(two).length - serializer.serialize(one).length).isEqualTo(name.length() + 3);
    }

    @Test
    void anUnknownVersionIsRefused() throws IOException {
        byte[] bytes = serializer.serialize(new DiscoveryState(1L, Map.of(), List.of()));
        assertThatThrownBy(() -> serializer.deserialize(99, bytes)).isInstanceOf(IOException.class)
                .hasMessageContaining("version 99");
    }
}
