package dev.eksaudit.bridge.source;

import static dev.eksaudit.bridge.source.EnumeratorHarness.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.decode.ObjectRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source in a real Flink job (MiniCluster, two readers): Flink ships it, its enumerator and
 * split serializers, and its own FileSourceReader reads every object of the range once.
 */
class FirehoseSourceJobTest {

    @TempDir java.nio.file.Path dir;

    @Test
    void aBoundedJobFromConfigReadsEveryObjectOfTheRangeOnce() throws Exception {
        LocalBucket bucket = new LocalBucket(dir);
        List<String> expected = new ArrayList<>();
        for (Instant t = at("2026-11-20T22:05:00Z"); t.isBefore(at("2026-11-21T03:00:00Z")); t = t.plus(Duration.ofMinutes(10))) {
            String key = bucket.put(t);
            if (t.isBefore(at("2026-11-21T02:00:00Z")) && !t.isBefore(at("2026-11-20T23:00:00Z"))) {
                expected.add(new org.apache.flink.core.fs.Path(bucket.root(), key).toString());
            }
        }
        BridgeConfig config = BridgeConfig.fromMap(Map.of(
                "input.path", bucket.root().toString(),
                "input.mode", "bounded",
                "input.start", "2026-11-20T23:00:00Z",
                "input.end", "2026-11-21T02:00:00Z",
                "falco.dry-run", "true"));
        FirehoseSource source = FirehoseSource.fromConfig(config, new PathPerObjectFormat());

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        List<String> read = new ArrayList<>();
        try (CloseableIterator<ObjectRecord> records = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "firehose")
                .executeAndCollect()) {
            records.forEachRemaining(r -> read.add(r.objectKey));
        }

        assertThat(read).hasSize(18).containsExactlyInAnyOrderElementsOf(expected);
    }
}
