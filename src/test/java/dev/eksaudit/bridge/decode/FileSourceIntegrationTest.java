package dev.eksaudit.bridge.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The format inside a real FileSource on a local MiniCluster: Firehose key layout (hour folders,
 * a {@code .gz} suffix on layout b), all four layouts side by side, and no Kryo anywhere.
 */
class FileSourceIntegrationTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void fileSourceReadsEveryLayoutWithoutKryo() throws Exception {
        List<String> events = FirehoseFixtures.events(25);
        Instant arrival = Instant.parse("2026-11-26T15:04:05Z");
        for (Layout layout : Layout.values()) {
            java.nio.file.Path file = dir.resolve(FirehoseFixtures.objectKey("", arrival, layout));
            Files.createDirectories(file.getParent());
            Files.write(file, FirehoseFixtures.object(layout, events));
        }
        Files.write(dir.resolve(FirehoseFixtures.objectKey("", arrival.plusSeconds(1), Layout.EVENTS)), new byte[0]);

        // pipeline.generic-types: false (ExecutionConfig#disableGenericTypes is gone in Flink 2.x).
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                new Configuration().set(PipelineOptions.GENERIC_TYPES, false));
        env.setParallelism(1);
        FileSource<ObjectRecord> source =
                FileSource.forBulkFileFormat(DecodeHarness.testFormat(), new Path(dir.toUri())).build();
        SingleOutputStreamOperator<AuditEvent> decoded = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "firehose-objects")
                .process(new CloudWatchLogsDecoder(DecodeHarness.PREFIX, DecodeHarness.MAX_EVENT_BYTES));
        DataStream<String> out = decoded.map(e -> "event " + e.auditId + " " + e.stage).returns(Types.STRING)
                .union(decoded.getSideOutput(CloudWatchLogsDecoder.DEAD_LETTERS)
                        .map(l -> "dead-letter " + l.reason).returns(Types.STRING));

        List<String> results = new ArrayList<>();
        try (CloseableIterator<String> it = out.executeAndCollect("decode-it")) {
            it.forEachRemaining(results::add);
        }

        assertThat(results).filteredOn(s -> s.startsWith("dead-letter")).containsExactly("dead-letter empty-object");
        assertThat(results).filteredOn(s -> s.startsWith("event")).hasSize(4 * events.size());
    }
}
