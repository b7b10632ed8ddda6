package dev.eksaudit.bridge.source;

import dev.eksaudit.bridge.decode.ObjectRecord;
import dev.eksaudit.bridge.decode.ReaderClosing;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.FileSourceReader;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;
import org.apache.flink.util.UserCodeClassLoader;

/**
 * Flink's {@link FileSourceReader}, reading as always, which with progress records also tells the
 * enumerator what it holds when it starts and which objects it finished ({@link ReaderSplitsEvent}),
 * and which on close first ends the retry waits of its fetcher ({@link ReaderClosing}).
 *
 * <p>FileSourceReader is final and keeps its finished splits to itself; what it does show is the
 * moment: it asks for the next split right after a split's last record went out (and at start
 * when it holds none). At that request the splits it still holds ({@code snapshotState}, which
 * only lists them) are compared with those it was given: the rest are finished.
 */
final class FirehoseSourceReader implements SourceReader<ObjectRecord, FileSourceSplit> {

    private final SourceReaderContext context;
    private final boolean reportSplits;
    private final FileSourceReader<ObjectRecord, FileSourceSplit> reader;
    /** Splits given to the reader (restored ones before {@link #start()}) and not finished, by id. */
    private final Map<String, FileSourceSplit> held = new LinkedHashMap<>();
    private boolean started;
    private final ReaderClosing closing;

    FirehoseSourceReader(SourceReaderContext context, BulkFormat<ObjectRecord, FileSourceSplit> format, boolean reportSplits,
            ReaderClosing closing) {
        this.context = context;
        this.closing = closing;
        this.reportSplits = reportSplits;
        this.reader = new FileSourceReader<>(reportSplits ? new SplitRequests(context) : context, format,
                context.getConfiguration());
    }

    @Override
    public void start() {
        if (reportSplits) {
            // SourceOperator registers the reader before starting it: the enumerator learns of the
            // reader first, then of what it holds.
            context.sendSourceEventToCoordinator(ReaderSplitsEvent.started(new ArrayList<>(held.values())));
        }
        started = true;
        reader.start();
    }

    /** Mailbox thread, from FileSourceReader just before it asks for a split. */
    private void beforeSplitRequest() {
        if (!started || held.isEmpty()) {
            return;
        }
        Set<String> still = new HashSet<>();
        for (FileSourceSplit split : reader.snapshotState(-1L)) {
            still.add(split.splitId());
        }
        List<FileSourceSplit> done = new ArrayList<>();
        for (Iterator<FileSourceSplit> it = held.values().iterator(); it.hasNext(); ) {
            FileSourceSplit split = it.next();
            if (!still.contains(split.splitId())) {
                done.add(split);
                it.remove();
            }
        }
        if (!done.isEmpty()) {
            context.sendSourceEventToCoordinator(ReaderSplitsEvent.finished(done));
        }
    }

    @Override
    public InputStatus pollNext(ReaderOutput<ObjectRecord> output) throws Exception {
        return reader.pollNext(output);
    }

    @Override
    public List<FileSourceSplit> snapshotState(long checkpointId) {
        return reader.snapshotState(checkpointId);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return reader.isAvailable();
    }

    @Override
    public void addSplits(List<FileSourceSplit> splits) {
        if (reportSplits) {
            for (FileSourceSplit split : splits) {
                held.put(split.splitId(), split);
            }
        }
        reader.addSplits(splits);
    }

    @Override
    public void notifyNoMoreSplits() {
        reader.notifyNoMoreSplits();
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
        reader.handleSourceEvents(event);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        reader.notifyCheckpointComplete(checkpointId);
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        reader.notifyCheckpointAborted(checkpointId);
    }

    @Override
    public void pauseOrResumeSplits(Collection<String> toPause, Collection<String> toResume) {
        reader.pauseOrResumeSplits(toPause, toResume);
    }

    @Override
    public void close() throws Exception {
        // First: a fetcher waiting to retry a blocked object stops, so closing does not wait 30 s
        // for it and it does not go on retrying after the job is gone.
        closing.close();
        reader.close();
    }

    /** The reader's context, noting each split request before passing it on. */
    private final class SplitRequests implements SourceReaderContext {
        private final SourceReaderContext delegate;

        SplitRequests(SourceReaderContext delegate) {
            this.delegate = delegate;
        }

        @Override
        public void sendSplitRequest() {
            beforeSplitRequest();
            delegate.sendSplitRequest();
        }

        @Override
        public SourceReaderMetricGroup metricGroup() {
            return delegate.metricGroup();
        }

        @Override
        public Configuration getConfiguration() {
            return delegate.getConfiguration();
        }

        @Override
        public String getLocalHostName() {
            return delegate.getLocalHostName();
        }

        @Override
        public int getIndexOfSubtask() {
            return delegate.getIndexOfSubtask();
        }

        @Override
        public void sendSourceEventToCoordinator(SourceEvent event) {
            delegate.sendSourceEventToCoordinator(event);
        }

        @Override
        public UserCodeClassLoader getUserCodeClassLoader() {
            return delegate.getUserCodeClassLoader();
        }

        @Override
        public int currentParallelism() {
            return delegate.currentParallelism();
        }
    }
}
