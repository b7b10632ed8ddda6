package dev.eksaudit.bridge.progress;

import dev.eksaudit.bridge.source.DiscoveryState;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.util.concurrent.ExecutorThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enumerator's writer of progress records. The state of a checkpoint is staged when the
 * enumerator snapshots it and written once the checkpoint completed (savepoints included, the
 * last one of a stop-with-savepoint too), on a thread of its own: a slow or failing store must
 * not hold up split assignment or checkpoints. A failed write is retried with the next
 * checkpoint's record; it logs one line a minute and counts {@code progressRecordFailures}.
 */
public final class ProgressRecorder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressRecorder.class);
    private static final long LOG_INTERVAL_MS = 60_000L;
    /** How long closing waits for the last record (the one of a stop-with-savepoint). */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(60);

    private final ProgressFiles files;
    private final Clock clock;
    private final ExecutorService writer;
    private final TreeMap<Long, DiscoveryState> staged = new TreeMap<>();
    final Counter written = new SimpleCounter();
    final Counter failures = new SimpleCounter();
    private volatile long lastWritten = -1;
    private long lastFailureLogMs = Long.MIN_VALUE / 2;
    private long failuresNotLogged;

    public ProgressRecorder(ProgressFiles files, Clock clock) {
        this.files = files;
        this.clock = clock;
        this.writer = Executors.newSingleThreadExecutor(new ExecutorThreadFactory("progress-record-writer"));
    }

    public Counter writtenCounter() {
        return written;
    }

    public Counter failureCounter() {
        return failures;
    }

    /** The checkpoint id of the newest record written, -1 before the first. */
    public long lastWritten() {
        return lastWritten;
    }

    /** Coordinator thread: what checkpoint {@code id} holds, to be written if it completes. */
    public synchronized void stage(long checkpointId, DiscoveryState state) {
        staged.put(checkpointId, state);
    }

    /** Coordinator thread: checkpoint {@code id} completed; its record (and none older) is written. */
    public synchronized void commit(long checkpointId) {
        DiscoveryState state = staged.get(checkpointId);
        // Older staged states belong to checkpoints that were subsumed or failed.
        staged.headMap(checkpointId, true).clear();
        if (state == null) {
            return;
        }
        ProgressRecord record = new ProgressRecord(checkpointId, clock.instant(), EnvironmentInformation.getVersion(), state);
        writer.execute(() -> write(record));
    }

    private void write(ProgressRecord record) {
        try {
            files.writeRecord(record);
            lastWritten = record.checkpointId();
            written.inc();
            LOG.debug("Progress record of checkpoint {} written ({} objects tracked, {} to read again)",
                    record.checkpointId(), record.state().trackedObjects(), record.state().pendingSplits().size());
            files.deleteOlderThanKept(record.checkpointId());
        } catch (IOException | RuntimeException e) {
            failures.inc();
            long now = clock.millis();
            synchronized (this) {
                if (now - lastFailureLogMs < LOG_INTERVAL_MS) {
                    failuresNotLogged++;
                    return;
                }
                LOG.error("Could not write the progress record of checkpoint {} to {} ({}){}; the next checkpoint's "
                        + "record is tried (input.progress-path)", record.checkpointId(), files.dir(), e,
                        failuresNotLogged == 0 ? "" : "; " + failuresNotLogged + " more failures since the last line");
                lastFailureLogMs = now;
                failuresNotLogged = 0;
            }
        }
    }

    /** Waits for a record still being written (the job is stopping after its savepoint), then ends the thread. */
    @Override
    public void close() {
        writer.shutdown();
        try {
            if (!writer.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("The progress record being written to {} did not finish within {} s; the previous one stays",
                        files.dir(), CLOSE_WAIT.getSeconds());
                writer.shutdownNow();
            }
        } catch (InterruptedException e) {
            writer.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** For tests. */
    synchronized Map<Long, DiscoveryState> staged() {
        return new TreeMap<>(staged);
    }
}
