package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.deadletter.DeadLetter;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.RecordAndPosition;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;

/** Runs objects through the format (via Flink's local FileSystem) and records through the decoder. */
final class DecodeHarness {
    static final String PREFIX = "kube-apiserver-audit-";
    static final long MAX_EVENT_BYTES = 262_144;

    private DecodeHarness() {}

    /** Writes the object to a file and returns its Flink path ({@code file:/...}). */
    static Path write(java.nio.file.Path dir, String name, byte[] object) throws IOException {
        java.nio.file.Path file = dir.resolve(name);
        Files.write(file, object);
        return new Path(file.toUri());
    }

    static FileSourceSplit split(Path path, long skip) throws IOException {
        long size = path.getFileSystem().exists(path) ? path.getFileSystem().getFileStatus(path).getLen() : 0;
        FileSourceSplit split = new FileSourceSplit("0", path, 0, size, 0, size);
        return skip < 0 ? split : split.updateWithCheckpointedPosition(new CheckpointedPosition(CheckpointedPosition.NO_OFFSET, skip));
    }

    /** Every record with its position, copied (Flink's iterators reuse their position object). */
    static List<RecordAndPosition<ObjectRecord>> read(FirehoseObjectFormat format, Path path, long skip)
            throws IOException {
        List<RecordAndPosition<ObjectRecord>> out = new ArrayList<>();
        FileSourceSplit split = split(path, skip);
        try (BulkFormat.Reader<ObjectRecord> reader = skip < 0
                ? format.createReader(new Configuration(), split)
                : format.restoreReader(new Configuration(), split)) {
            BulkFormat.RecordIterator<ObjectRecord> batch;
            while ((batch = reader.readBatch()) != null) {
                RecordAndPosition<ObjectRecord> rp;
                while ((rp = batch.next()) != null) {
                    out.add(new RecordAndPosition<>(rp.getRecord(), rp.getOffset(), rp.getRecordSkipCount()));
                }
                batch.releaseBatch();
            }
        }
        return out;
    }

    static List<ObjectRecord> records(FirehoseObjectFormat format, Path path) throws IOException {
        List<ObjectRecord> out = new ArrayList<>();
        for (RecordAndPosition<ObjectRecord> rp : read(format, path, -1)) {
            out.add(rp.getRecord());
        }
        return out;
    }

    static FirehoseObjectFormat testFormat() {
        return FirehoseObjectFormat.builder().initialBackoff(java.time.Duration.ZERO).build();
    }

    /** What the decoder emitted. */
    record Decoded(List<AuditEvent> events, List<DeadLetter> deadLetters) {}

    static Decoded decode(List<ObjectRecord> records) throws Exception {
        return decode(new CloudWatchLogsDecoder(PREFIX, MAX_EVENT_BYTES), records);
    }

    static Decoded decode(CloudWatchLogsDecoder decoder, List<ObjectRecord> records) throws Exception {
        try (OneInputStreamOperatorTestHarness<ObjectRecord, AuditEvent> h =
                ProcessFunctionTestHarnesses.forProcessFunction(decoder)) {
            for (ObjectRecord r : records) {
                h.processElement(r, 0L);
            }
            return new Decoded(h.extractOutputValues(), sideOutput(h));
        }
    }

    static List<DeadLetter> sideOutput(OneInputStreamOperatorTestHarness<ObjectRecord, AuditEvent> h) {
        List<DeadLetter> letters = new ArrayList<>();
        Queue<StreamRecord<DeadLetter>> q = h.getSideOutput(CloudWatchLogsDecoder.DEAD_LETTERS);
        if (q != null) {
            for (StreamRecord<DeadLetter> r : q) {
                letters.add(r.getValue());
            }
        }
        return letters;
    }

    /** Format then decoder, as the job wires them. */
    static Decoded pipeline(FirehoseObjectFormat format, Path path) throws Exception {
        return decode(records(format, path));
    }

}
