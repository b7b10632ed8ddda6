package dev.eksaudit.bridge.source;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.connector.file.src.FileSourceSplit;

/**
 * The enumerator's checkpoint. Unlike the stock FileSource's (every path ever seen, FLINK-25672)
 * it holds only:
 * <ul>
 *   <li>the low-water hour: the oldest hour folder the next discovery lists. It only advances
 *       after a discovery completed, so a job restored after an outage longer than the lookback
 *       lists every hour it missed;</li>
 *   <li>the objects already discovered in the hours from the low-water hour on, per hour, by name
 *       inside their hour folder (the hour is implicit): O(objects in the window);</li>
 *   <li>the splits discovered but not yet handed to a reader.</li>
 * </ul>
 * With {@code input.partitioning none} every object sits under {@link HourFolders#NO_HOUR} by its
 * path below the root, and nothing is ever forgotten.
 *
 * <p>Immutable.
 */
public final class DiscoveryState {

    private final long lowWaterHour;
    private final SortedMap<Long, Set<String>> seenByHour;
    private final List<FileSourceSplit> pendingSplits;

    public DiscoveryState(long lowWaterHour, Map<Long, ? extends Set<String>> seenByHour,
            List<FileSourceSplit> pendingSplits) {
        this.lowWaterHour = lowWaterHour;
        TreeMap<Long, Set<String>> copy = new TreeMap<>();
        seenByHour.forEach((hour, names) -> {
            if (!names.isEmpty()) {
                copy.put(hour, Collections.unmodifiableSet(new TreeSet<>(names)));
            }
        });
        this.seenByHour = Collections.unmodifiableSortedMap(copy);
        this.pendingSplits = List.copyOf(pendingSplits);
    }

    /** The oldest hour the next discovery lists; {@link HourFolders#NO_HOUR} for a bounded source. */
    public long lowWaterHour() {
        return lowWaterHour;
    }

    /** Names of the discovered objects, per hour folder. */
    public SortedMap<Long, Set<String>> seenByHour() {
        return seenByHour;
    }

    public List<FileSourceSplit> pendingSplits() {
        return pendingSplits;
    }

    /** How many object names the state holds. */
    public int trackedObjects() {
        int n = 0;
        for (Set<String> names : seenByHour.values()) {
            n += names.size();
        }
        return n;
    }

    /** Every tracked object as its key below the root, e.g. {@code 2026/11/26/15/name}. */
    public Set<String> trackedKeys() {
        Set<String> keys = new TreeSet<>();
        seenByHour.forEach((hour, names) -> {
            String prefix = hour == HourFolders.NO_HOUR ? "" : HourFolders.name(hour) + "/";
            for (String name : names) {
                keys.add(prefix + name);
            }
        });
        return keys;
    }

    @Override
    public String toString() {
        List<String> hours = new ArrayList<>();
        seenByHour.forEach((h, names) -> hours.add(
                (h == HourFolders.NO_HOUR ? "-" : HourFolders.name(h)) + "=" + names.size()));
        return "DiscoveryState{lowWater=" + (lowWaterHour == HourFolders.NO_HOUR ? "-" : HourFolders.name(lowWaterHour))
                + ", seen=" + hours + ", pending=" + pendingSplits.size() + "}";
    }
}
