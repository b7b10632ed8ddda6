package dev.eksaudit.bridge.source;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.connector.file.src.FileSourceSplit;

/**
 * A reader tells the enumerator which objects it holds when it starts (restored from its
 * checkpoint, which the enumerator does not see) and which it finished. With both, the enumerator
 * knows at each checkpoint which handed-out objects are not fully read yet: a progress record
 * lists them to be read again. Sent only when {@code input.progress-path} is set.
 */
final class ReaderSplitsEvent implements SourceEvent {
    private static final long serialVersionUID = 1L;

    /** Whole-object splits as path, size and modification time (a FileSourceSplit's reader position is not needed). */
    private final List<String> paths;
    private final long[] sizes;
    private final long[] modified;
    private final boolean started;

    private ReaderSplitsEvent(List<FileSourceSplit> splits, boolean started) {
        this.paths = new ArrayList<>(splits.size());
        this.sizes = new long[splits.size()];
        this.modified = new long[splits.size()];
        for (int i = 0; i < splits.size(); i++) {
            FileSourceSplit split = splits.get(i);
            paths.add(split.path().toString());
            sizes[i] = split.fileSize();
            modified[i] = split.fileModificationTime();
        }
        this.started = started;
    }

    /** A reader that just started holds these (possibly none). */
    static ReaderSplitsEvent started(List<FileSourceSplit> held) {
        return new ReaderSplitsEvent(held, true);
    }

    /** A reader read these to the end. */
    static ReaderSplitsEvent finished(List<FileSourceSplit> done) {
        return new ReaderSplitsEvent(done, false);
    }

    boolean isStart() {
        return started;
    }

    List<FileSourceSplit> splits() {
        List<FileSourceSplit> splits = new ArrayList<>(paths.size());
        for (int i = 0; i < paths.size(); i++) {
            splits.add(new FileSourceSplit(paths.get(i), new org.apache.flink.core.fs.Path(paths.get(i)), 0, sizes[i],
                    modified[i], sizes[i]));
        }
        return splits;
    }

    @Override
    public String toString() {
        return (started ? "started holding " : "finished ") + paths.size() + " objects";
    }
}
