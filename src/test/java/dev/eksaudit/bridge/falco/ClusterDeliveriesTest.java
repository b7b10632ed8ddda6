package dev.eksaudit.bridge.falco;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.junit.jupiter.api.Test;

/** Per-cluster delivery metrics keep working for entries restored from a checkpoint. */
class ClusterDeliveriesTest {

    @Test
    void restoredEntriesReadTheirClusterFromTheEvent() throws Exception {
        byte[] tagged = "{\"kind\":\"Event\",\"annotations\":{\"cluster_name\":\"prod-eu\",\"a\":\"b\"},\"auditID\":\"x\"}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] untagged = "{\"kind\":\"Event\",\"auditID\":\"y\"}".getBytes(StandardCharsets.UTF_8);
        FalcoRequestEntry a = new FalcoRequestEntry("x", "ResponseComplete", "k", tagged, 1, 5L, "prod-eu");
        FalcoRequestEntry b = new FalcoRequestEntry("y", "ResponseComplete", "k", untagged, 0, 5L, null);
        ArrayDeque<RequestEntryWrapper<FalcoRequestEntry>> entries = new ArrayDeque<>();
        entries.add(new RequestEntryWrapper<>(a, tagged.length));
        entries.add(new RequestEntryWrapper<>(b, untagged.length));

        FalcoStateSerializer serializer = new FalcoStateSerializer();
        List<FalcoRequestEntry> back = serializer.deserialize(FalcoStateSerializer.VERSION,
                        serializer.serialize(new BufferedRequestState<>(entries)))
                .getBufferedRequestEntries().stream().map(RequestEntryWrapper::getRequestEntry)
                .collect(java.util.stream.Collectors.toList());
        assertThat(back).containsExactly(a, b);
        assertThat(back.get(0).cluster()).isEqualTo("prod-eu");
        assertThat(back.get(1).cluster()).isNull();
        assertThat(back.get(0).failedOnce().cluster()).isEqualTo("prod-eu");
    }
}
