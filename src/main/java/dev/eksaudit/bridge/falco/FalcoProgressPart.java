package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.progress.ProgressFiles;
import dev.eksaudit.bridge.progress.SinkProgress;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's part of a progress record ({@code input.progress-path}): at every checkpoint, the
 * objects whose events this writer still holds undelivered. Those events live only in this
 * job's checkpoint; a job of another Flink version starting from the record reads their objects
 * again instead. Written while the checkpoint is taken, so it exists before the enumerator's
 * record of that checkpoint. A failed write does not fail the checkpoint (the record of that
 * checkpoint is then refused at start, an earlier one still works): one line a minute and
 * {@code progressPartFailures}.
 */
final class FalcoProgressPart {

    private static final Logger LOG = LoggerFactory.getLogger(FalcoProgressPart.class);

    private final ProgressFiles files;
    private final int subtask;
    private final int parallelism;
    private final Counter failures;
    private final FalcoLogThrottle throttle = new FalcoLogThrottle(FalcoSinkWriter.LOG_INTERVAL_MS);

    FalcoProgressPart(String progressPath, int subtask, int parallelism, MetricGroup metrics) {
        this.files = new ProgressFiles(new Path(progressPath));
        this.subtask = subtask;
        this.parallelism = parallelism;
        this.failures = metrics.counter("progressPartFailures");
    }

    void write(long checkpointId, List<BufferedRequestState<FalcoRequestEntry>> state) {
        Set<String> objects = new TreeSet<>();
        int unknown = 0;
        for (BufferedRequestState<FalcoRequestEntry> buffered : state) {
            for (RequestEntryWrapper<FalcoRequestEntry> entry : buffered.getBufferedRequestEntries()) {
                String object = entry.getRequestEntry().objectKey();
                if (object == null || object.isEmpty()) {
                    unknown++;
                } else {
                    objects.add(object);
                }
            }
        }
        try {
            files.writeSinkPart(new SinkProgress(checkpointId, subtask, parallelism, objects, unknown));
        } catch (IOException | RuntimeException e) {
            failures.inc();
            long skipped = throttle.admit("write", System.currentTimeMillis());
            if (skipped >= 0) {
                LOG.error("Could not write the sink's progress part of checkpoint {} to {} ({}){}; that checkpoint's "
                        + "progress record cannot be started from (input.progress-path)", checkpointId, files.dir(), e,
                        skipped == 0 ? "" : "; " + skipped + " more failures since the last line");
            }
        }
    }
}
