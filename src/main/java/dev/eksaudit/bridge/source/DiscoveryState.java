package dev.eksaudit.bridge.source;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.annotation.Nullable;
import org.apache.flink.connector.file.src.FileSourceSplit;

/**
 * The enumerator's checkpoint. Unlike the stock FileSource's (every path ever seen, FLINK-25672)
 * it holds, per input path ({@link PathState}, keyed by the {@code input.path} item without its name):
 * <ul>
 *   <li>what the path was discovered with: its partitioning, folder pattern and time zone, so a
 *       restore with other ones fails instead of re-reading everything;</li>
 *   <li>the low-water mark: the oldest instant whose folder the next late sweep lists. It only
 *       advances after a late sweep completed, so a job restored after an outage longer than the
 *       late lookback lists every folder it missed;</li>
 *   <li>the objects already discovered in the folders from the low-water mark on, by name inside
 *       their folder (the folder is stored once): O(objects in {@code input.late-lookback}). A
 *       folder listed empty is kept too (an empty set): an object appearing there later is late.</li>
 * </ul>
 * and the splits discovered but not yet handed to a reader. With {@code input.partitioning none}
 * every object sits in the folder {@code ""} by its path below the base, and nothing is forgotten.
 *
 * <p>Immutable.
 */
public final class DiscoveryState {

    /** The low-water mark of state that has none: bounded mode, {@code input.partitioning none}. */
    public static final long NO_LOW_WATER = Long.MIN_VALUE;

    /** The key of the one path of a version-1 state, which did not record its path. */
    public static final String UNRECORDED_PATH = "";

    private final SortedMap<String, PathState> paths;
    private final List<FileSourceSplit> pendingSplits;

    public DiscoveryState(Map<String, PathState> paths, List<FileSourceSplit> pendingSplits) {
        this.paths = Collections.unmodifiableSortedMap(new TreeMap<>(paths));
        this.pendingSplits = List.copyOf(pendingSplits);
    }

    /** The state of one input path. */
    public static DiscoveryState of(String inputPath, PathState path, List<FileSourceSplit> pendingSplits) {
        return new DiscoveryState(Map.of(inputPath, path), pendingSplits);
    }

    /** Per input path (as written in {@code input.path}). */
    public SortedMap<String, PathState> paths() {
        return paths;
    }

    public List<FileSourceSplit> pendingSplits() {
        return pendingSplits;
    }

    /** How many object names the state holds. */
    public int trackedObjects() {
        int n = 0;
        for (PathState path : paths.values()) {
            n += path.trackedObjects();
        }
        return n;
    }

    /** Every tracked object as its key below its path's base, e.g. {@code 2026/11/26/15/name}. */
    public Set<String> trackedKeys() {
        Set<String> keys = new TreeSet<>();
        for (PathState path : paths.values()) {
            keys.addAll(path.trackedKeys());
        }
        return keys;
    }

    @Override
    public String toString() {
        return "DiscoveryState{paths=" + paths + ", pending=" + pendingSplits.size() + "}";
    }

    /** What is known about one input path. Immutable. */
    public static final class PathState {
        @Nullable private final String partitioning;
        @Nullable private final String pattern;
        @Nullable private final String timeZone;
        private final long lowWaterMillis;
        private final SortedMap<String, Set<String>> seenByFolder;

        /**
         * @param partitioning {@code input.partitioning}; null if not recorded (version 1, bounded)
         * @param pattern the folders below the base ({@link FirehosePrefix#pattern()}); null if not recorded
         * @param timeZone {@code input.partition-timezone}; null if not recorded
         * @param lowWaterMillis epoch milliseconds, or {@link #NO_LOW_WATER}
         * @param seenByFolder names per folder below the base (empty sets are kept)
         */
        public PathState(@Nullable String partitioning, @Nullable String pattern, @Nullable String timeZone,
                long lowWaterMillis, Map<String, ? extends Set<String>> seenByFolder) {
            this.partitioning = partitioning;
            this.pattern = pattern;
            this.timeZone = timeZone;
            this.lowWaterMillis = lowWaterMillis;
            TreeMap<String, Set<String>> copy = new TreeMap<>();
            seenByFolder.forEach((folder, names) -> copy.put(folder, Collections.unmodifiableSet(new TreeSet<>(names))));
            this.seenByFolder = Collections.unmodifiableSortedMap(copy);
        }

        @Nullable
        public String partitioning() {
            return partitioning;
        }

        @Nullable
        public String pattern() {
            return pattern;
        }

        @Nullable
        public String timeZone() {
            return timeZone;
        }

        public long lowWaterMillis() {
            return lowWaterMillis;
        }

        public SortedMap<String, Set<String>> seenByFolder() {
            return seenByFolder;
        }

        public int trackedObjects() {
            int n = 0;
            for (Set<String> names : seenByFolder.values()) {
                n += names.size();
            }
            return n;
        }

        public Set<String> trackedKeys() {
            Set<String> keys = new TreeSet<>();
            seenByFolder.forEach((folder, names) -> {
                for (String name : names) {
                    keys.add(folder.isEmpty() ? name : folder + "/" + name);
                }
            });
            return keys;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof PathState)) {
                return false;
            }
            PathState p = (PathState) o;
            return lowWaterMillis == p.lowWaterMillis && Objects.equals(partitioning, p.partitioning)
                    && Objects.equals(pattern, p.pattern) && Objects.equals(timeZone, p.timeZone)
                    && seenByFolder.equals(p.seenByFolder);
        }

        @Override
        public int hashCode() {
            return Objects.hash(partitioning, pattern, timeZone, lowWaterMillis, seenByFolder);
        }

        @Override
        public String toString() {
            List<String> folders = new ArrayList<>();
            seenByFolder.forEach((f, names) -> folders.add(f + "=" + names.size()));
            return "{partitioning=" + partitioning + ", pattern=" + pattern + ", zone=" + timeZone
                    + ", lowWater=" + (lowWaterMillis == NO_LOW_WATER ? "-" : java.time.Instant.ofEpochMilli(lowWaterMillis))
                    + ", seen=" + folders + "}";
        }
    }
}
