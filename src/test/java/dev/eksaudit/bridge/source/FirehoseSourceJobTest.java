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
        Map<String, String> config = Map.of(
                "input.path", bucket.root().toString(),
                "input.mode", "bounded",
                "input.start", "2026-11-20T23:00:00Z",
                "input.end", "2026-11-21T02:00:00Z",
                "falco.dry-run", "true");
        List<String> read = readAll(config);

        assertThat(read).hasSize(18).containsExactlyInAnyOrderElementsOf(expected);
    }

    /**
     * A Hive-style prefix in Asia/Kolkata, from configuration, in a real job: the source travels to
     * the JobManager serialized (its prefix rebuilt there) and reads exactly the local folders of the
     * range: 23:00-01:00 UTC is 04:30-06:30 in Kolkata, folders hour=04, 05 and 06.
     */
    @Test
    void aBoundedJobReadsACustomPrefixInAHalfHourZone() throws Exception {
        LocalBucket bucket = new LocalBucket(dir);
        List<String> expected = new ArrayList<>();
        for (String key : List.of("year=2026/month=11/day=21/hour=04/eks-audit-1-2026-11-20-23-10-00-a",
                "year=2026/month=11/day=21/hour=05/eks-audit-1-2026-11-20-23-50-00-b",
                "year=2026/month=11/day=21/hour=06/eks-audit-1-2026-11-21-00-45-00-c")) {
            bucket.putKey(key);
            expected.add(new org.apache.flink.core.fs.Path(bucket.root(), key).toString());
        }
        bucket.putKey("year=2026/month=11/day=21/hour=03/eks-audit-1-2026-11-20-22-10-00-before");
        bucket.putKey("year=2026/month=11/day=21/hour=07/eks-audit-1-2026-11-21-01-40-00-after");
        bucket.putKey("2026/11/20/23/eks-audit-1-2026-11-20-23-10-00-default-layout");
        Map<String, String> config = Map.of(
                "input.path", bucket.root() + "/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/",
                "input.partition-timezone", "Asia/Kolkata",
                "input.mode", "bounded",
                "input.start", "2026-11-20T23:00:00Z",
                "input.end", "2026-11-21T01:00:00Z",
                "falco.dry-run", "true");
        List<String> read = readAll(config);

        assertThat(read).containsExactlyInAnyOrderElementsOf(expected);
    }

    /** Two paths, one named, in a bounded job from configuration: the range of each, every object once. */
    @Test
    void aBoundedJobFromConfigReplaysTheRangeOfEveryPath() throws Exception {
        LocalBucket central = new LocalBucket(dir.resolve("central"));
        LocalBucket edge = new LocalBucket(dir.resolve("edge"));
        List<String> expected = new ArrayList<>();
        for (Instant t = at("2026-11-20T22:05:00Z"); t.isBefore(at("2026-11-21T03:00:00Z")); t = t.plus(Duration.ofMinutes(20))) {
            String c = central.put(t);
            String e = edge.put(t.plusSeconds(30));
            if (t.isBefore(at("2026-11-21T02:00:00Z")) && !t.isBefore(at("2026-11-20T23:00:00Z"))) {
                expected.add(new org.apache.flink.core.fs.Path(central.root(), c).toString());
                expected.add(new org.apache.flink.core.fs.Path(edge.root(), e).toString());
            }
        }
        Map<String, String> config = Map.of(
                "input.path", central.root() + ",edge-1=" + dir.resolve("edge").toUri(),
                "input.mode", "bounded",
                "input.start", "2026-11-20T23:00:00Z",
                "input.end", "2026-11-21T02:00:00Z",
                "falco.dry-run", "true");
        List<String> read = readAll(config);

        assertThat(read).hasSize(18).containsExactlyInAnyOrderElementsOf(expected);
    }

    /** The object keys a job with these settings reads from {@link FirehoseSource#fromConfig}, on two readers. */
    private static List<String> readAll(Map<String, String> settings) throws Exception {
        FirehoseSource source = FirehoseSource.fromConfig(BridgeConfig.fromMap(settings), new PathPerObjectFormat());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        List<String> read = new ArrayList<>();
        try (CloseableIterator<ObjectRecord> records = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "firehose")
                .executeAndCollect()) {
            records.forEachRemaining(r -> read.add(r.objectKey));
        }
        return read;
    }
}
