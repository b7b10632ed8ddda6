package dev.eksaudit.bridge.progress;

import dev.eksaudit.bridge.source.DiscoveryState;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
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
 * The enumerator's writer of progress records: the record of a checkpoint is written while the
 * enumerator snapshots it, like the sink's parts, so a checkpoint or savepoint that completed
 * always has its record (a user stopping a job with a savepoint takes the record right away). A
 * record of a checkpoint that then failed is still true: it names as done only objects a reader
 * had finished and whose events the sink no longer held. Older records are deleted on a thread of
 * its own. A failed write does not fail the checkpoint: one line a minute and
 * {@code progressRecordFailures}; the next checkpoint writes a record again.
 */
public final class ProgressRecorder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressRecorder.class);
    private static final long LOG_INTERVAL_MS = 60_000L;
    /** How long closing waits for a clean-up still running. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final ProgressFiles files;
    private final Clock clock;
    private final ExecutorService cleaner;
    final Counter written = new SimpleCounter();
    final Counter failures = new SimpleCounter();
    private volatile long lastWritten = -1;
    private long lastFailureLogMs = Long.MIN_VALUE / 2;
    private long failuresNotLogged;

    public ProgressRecorder(ProgressFiles files, Clock clock) {
        this.files = files;
        this.clock = clock;
        this.cleaner = Executors.newSingleThreadExecutor(new ExecutorThreadFactory("progress-record-cleaner"));
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

    /** Coordinator thread, while checkpoint {@code checkpointId} is taken: its record. */
    public void write(long checkpointId, DiscoveryState state) {
        ProgressRecord record = new ProgressRecord(checkpointId, clock.instant(), EnvironmentInformation.getVersion(), state);
        try {
            files.writeRecord(record);
        } catch (IOException | RuntimeException e) {
            failures.inc();
            long now = clock.millis();
            if (now - lastFailureLogMs < LOG_INTERVAL_MS) {
                failuresNotLogged++;
                return;
            }
            LOG.error("Could not write the progress record of checkpoint {} to {} ({}){}; the next checkpoint "
                    + "writes one again (input.progress-path)", checkpointId, files.dir(), e,
                    failuresNotLogged == 0 ? "" : "; " + failuresNotLogged + " more failures since the last line");
            lastFailureLogMs = now;
            failuresNotLogged = 0;
            return;
        }
        lastWritten = checkpointId;
        written.inc();
        LOG.debug("Progress record of checkpoint {} written ({} objects tracked, {} to read again)",
                checkpointId, state.trackedObjects(), state.pendingSplits().size());
        cleaner.execute(() -> {
            try {
                files.deleteOlderThanKept(checkpointId);
            } catch (IOException | RuntimeException e) {
                LOG.debug("Could not delete old progress records in {} ({}); tried again at the next checkpoint", files.dir(), e);
            }
        });
    }

    @Override
    public void close() {
        cleaner.shutdown();
        try {
            if (!cleaner.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                cleaner.shutdownNow();
            }
        } catch (InterruptedException e) {
            cleaner.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
