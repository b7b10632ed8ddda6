package dev.eksaudit.bridge.source;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.connector.file.src.FileSourceSplit;

/**
 * The bounded enumerator: the objects of a time range were listed once when the job started; it
 * hands them out oldest first and then tells each reader there are no more, so the job finishes
 * (like Flink's StaticFileSplitEnumerator). The splits of every input path share its queue,
 * oldest first across paths. Its state is the splits not yet handed out; a restore
 * does not list again.
 */
public final class BoundedRangeEnumerator implements SplitEnumerator<FileSourceSplit, DiscoveryState> {

    private final SplitEnumeratorContext<FileSourceSplit> context;
    private final OldestFirstSplitAssigner assigner;
    private final Map<String, DiscoveryState.PathState> paths;

    /**
     * @param paths every input path (its item of {@code input.path}, without a name) and what it
     *     was read with, for the checkpoint's restore guard; no low-water mark, no names
     * @param splits the objects of the range of every path
     */
    public BoundedRangeEnumerator(SplitEnumeratorContext<FileSourceSplit> context,
            Map<String, DiscoveryState.PathState> paths, List<FileSourceSplit> splits) {
        this.context = context;
        this.paths = new LinkedHashMap<>(paths);
        this.assigner = new OldestFirstSplitAssigner(splits);
    }

    @Override
    public void start() {
        context.metricGroup().setUnassignedSplitsGauge(() -> (long) assigner.size());
    }

    @Override
    public void handleSplitRequest(int subtaskId, @Nullable String requesterHostname) {
        if (!context.registeredReaders().containsKey(subtaskId)) {
            return; // failed since it asked
        }
        Optional<FileSourceSplit> split = assigner.next();
        if (split.isPresent()) {
            context.assignSplit(split.get(), subtaskId);
        } else {
            context.signalNoMoreSplits(subtaskId);
        }
    }

    @Override
    public void addSplitsBack(List<FileSourceSplit> splits, int subtaskId) {
        assigner.addSplits(splits);
    }

    @Override
    public void addReader(int subtaskId) {
        // Readers ask for splits themselves.
    }

    @Override
    public DiscoveryState snapshotState(long checkpointId) {
        return new DiscoveryState(paths, assigner.remaining());
    }

    @Override
    public void close() {}
}
