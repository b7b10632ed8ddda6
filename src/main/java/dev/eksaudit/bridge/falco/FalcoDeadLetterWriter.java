package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.deadletter.DeadLetter;
import dev.eksaudit.bridge.deadletter.DeadLetterJson;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters of the sink. With {@code dlq.path}, each dead-lettered batch becomes one JSON-lines
 * file {@code <dlq.path>/falco/part-<subtask>-<uuid>.jsonl}, closed before the request completes,
 * so a checkpoint never passes events that are in neither Falco nor the file (at-least-once).
 * Flink's FileSystem makes the same code work for s3:// and file://. Without a path, letters are
 * counted by the writer and logged by key facts only (auditID, stage, object key, reason), at most
 * one line per reason and minute: payloads can hold Secret data, and a stream of rejections must
 * not flood the log.
 */
final class FalcoDeadLetterWriter {

    private static final Logger LOG = LoggerFactory.getLogger(FalcoDeadLetterWriter.class);

    private final Path base;
    private final int subtask;
    private final FalcoLogThrottle logThrottle = new FalcoLogThrottle(FalcoSinkWriter.LOG_INTERVAL_MS);

    FalcoDeadLetterWriter(String deadLetterPath, int subtask) {
        this.base = deadLetterPath == null ? null : new Path(new Path(deadLetterPath), "falco");
        this.subtask = subtask;
    }

    /** Blocking; call off the mailbox and I/O threads. {@code entries} are the letters' events, in order. */
    void write(List<DeadLetter> letters, List<FalcoRequestEntry> entries) throws IOException {
        if (letters.isEmpty()) {
            return;
        }
        if (base == null) {
            long now = System.currentTimeMillis();
            for (int i = 0; i < letters.size(); i++) {
                DeadLetter d = letters.get(i);
                FalcoRequestEntry e = entries.get(i);
                long skipped = logThrottle.admit(d.reason, now);
                if (skipped >= 0) {
                    LOG.warn("Dead letter {}: auditID {}, stage {}, object {} (no dlq.path set: counted, not stored; "
                            + "{} more {} since the last line)", d.reason, e.auditId(), e.stage(), e.objectKey(),
                            skipped, d.reason);
                }
            }
            return;
        }
        Path file = new Path(base, "part-" + subtask + "-" + UUID.randomUUID() + ".jsonl");
        FileSystem fs = file.getFileSystem();
        try (FSDataOutputStream out = fs.create(file, FileSystem.WriteMode.NO_OVERWRITE)) {
            for (DeadLetter d : letters) {
                out.write(DeadLetterJson.encode(d));
            }
            out.flush();
        }
        long skipped = logThrottle.admit("written", System.currentTimeMillis());
        if (skipped >= 0) {
            LOG.warn("Wrote {} dead letters ({} first) to {}{}", letters.size(), letters.get(0).reason, file,
                    skipped > 0 ? " (" + skipped + " more files since the last line)" : "");
        }
    }
}
