package dev.eksaudit.bridge.source;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.flink.connector.file.src.FileSourceSplit;

/**
 * The splits not yet handed to a reader, handed out oldest first: by hour folder, then by key.
 * Firehose names objects {@code <stream>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid>}, so within an hour
 * the key order is the delivery order, and events reach Falco roughly in time order. Objects
 * outside the hourly layout sort before all hours, by key.
 *
 * <p>Not thread-safe: used on the enumerator's (coordinator) thread only.
 */
public final class OldestFirstSplitAssigner {

    /** Sort key: (hour, path). Paths are unique, so a split is never shadowed by another. */
    private static final Comparator<SplitKey> ORDER =
            Comparator.comparingLong((SplitKey k) -> k.hour).thenComparing(k -> k.path);

    private final TreeMap<SplitKey, FileSourceSplit> pending = new TreeMap<>(ORDER);

    public OldestFirstSplitAssigner(Collection<FileSourceSplit> initial) {
        addSplits(initial);
    }

    public void addSplits(Collection<FileSourceSplit> splits) {
        for (FileSourceSplit split : splits) {
            pending.put(keyOf(split), split);
        }
    }

    /** The oldest pending split, removed. */
    public Optional<FileSourceSplit> next() {
        java.util.Map.Entry<SplitKey, FileSourceSplit> first = pending.pollFirstEntry();
        return first == null ? Optional.empty() : Optional.of(first.getValue());
    }

    /** The pending splits in assignment order (for checkpoints). */
    public List<FileSourceSplit> remaining() {
        return new ArrayList<>(pending.values());
    }

    public int size() {
        return pending.size();
    }

    public boolean isEmpty() {
        return pending.isEmpty();
    }

    private static SplitKey keyOf(FileSourceSplit split) {
        return new SplitKey(HourFolders.hourOfObject(split.path()), split.path().toString());
    }

    private static final class SplitKey {
        final long hour;
        final String path;

        SplitKey(long hour, String path) {
            this.hour = hour;
            this.path = path;
        }
    }
}
