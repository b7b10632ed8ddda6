package dev.eksaudit.bridge.source;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.connector.file.src.FileSourceSplit;

/**
 * The splits not yet handed to a reader, handed out oldest first: by hour folder, then by the
 * time in the object's name, then by key. Firehose names objects
 * {@code <stream>-<version>-yyyy-MM-dd-HH-mm-ss-<uuid>} (UTC), so within an hour the objects of
 * several input paths interleave in delivery order, and events reach Falco roughly in time order
 * whichever path they come from. An object outside the default folders (a custom prefix) takes the
 * hour of its name; one with neither sorts before all hours, by key.
 *
 * <p>Not thread-safe: used on the enumerator's (coordinator) thread only.
 */
public final class OldestFirstSplitAssigner {

    /** Sort key: (hour, path). Paths are unique, so a split is never shadowed by another. */
    private static final Comparator<SplitKey> ORDER = Comparator.comparingLong((SplitKey k) -> k.hour)
            .thenComparingLong(k -> k.written).thenComparing(k -> k.path);
    /** The delivery time in a Firehose object name: {@code -yyyy-MM-dd-HH-mm-ss-} before the random part. */
    private static final Pattern NAME_TIME =
            Pattern.compile("(?<![0-9])(\\d{4})-(\\d{2})-(\\d{2})-(\\d{2})-(\\d{2})-(\\d{2})(?![0-9])");

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
        long written = writtenSecond(split.path().getName());
        long hour = HourFolders.hourOfObject(split.path());
        if (hour == HourFolders.NO_HOUR && written != Long.MIN_VALUE) {
            hour = Math.floorDiv(written, 3600);
        }
        return new SplitKey(hour, written, split.path().toString());
    }

    /** Epoch second of the time in a Firehose object name; {@link Long#MIN_VALUE} if it has none. */
    static long writtenSecond(String name) {
        Matcher m = NAME_TIME.matcher(name);
        if (!m.find()) {
            return Long.MIN_VALUE;
        }
        try {
            return LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
                    Integer.parseInt(m.group(6))).toEpochSecond(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            return Long.MIN_VALUE;
        }
    }

    private static final class SplitKey {
        final long hour;
        final long written;
        final String path;

        SplitKey(long hour, long written, String path) {
            this.hour = hour;
            this.written = written;
            this.path = path;
        }
    }
}
