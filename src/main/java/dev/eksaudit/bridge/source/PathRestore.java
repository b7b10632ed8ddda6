package dev.eksaudit.bridge.source;

import dev.eksaudit.bridge.config.BridgeOptions;
import dev.eksaudit.bridge.config.ConfigException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matches the paths of a restored checkpoint to the paths of {@code input.path}. What identifies
 * "the same path" is its location: the bucket and key prefix before the first {@code !{...}}
 * expression (the whole path without one), scheme ({@code s3}, {@code s3a}) and trailing slashes
 * ignored. The name of a {@code name=s3://...} item is no part of it.
 * <ul>
 *   <li>a given path written as the checkpoint recorded it: its state continues, after the
 *       per-path guard (partitioning and time zone as recorded, or one line naming the key);</li>
 *   <li>a given path at a recorded location but with other folders below it (a changed prefix
 *       pattern): one line naming {@code input.path}. Its names would match nothing in the new
 *       folders and the window would be read again; to really change it, restore once without
 *       the path (its state is dropped), then add it back with {@code input.start};</li>
 *   <li>a recorded location no given path has: the path was removed; its state (names and
 *       pending splits) is dropped with one INFO line;</li>
 *   <li>a given location the checkpoint lacks: a path added, started per {@code input.start};</li>
 *   <li>no given path in the checkpoint at all: one line naming {@code input.path} (a savepoint
 *       of another job, or a typo, would otherwise read every path from scratch).</li>
 * </ul>
 */
final class PathRestore {
    private static final Logger LOG = LoggerFactory.getLogger(FirehoseSource.class);

    /** Per given path (as written): its restored state, or null for a path added since. */
    private final Map<String, DiscoveryState.PathState> states;
    private final List<FileSourceSplit> pending;

    private PathRestore(Map<String, DiscoveryState.PathState> states, List<FileSourceSplit> pending) {
        this.states = states;
        this.pending = pending;
    }

    /** @throws ConfigException one line naming the key, when a path's state cannot be used */
    static PathRestore of(DiscoveryState checkpoint, List<FirehosePrefix> given, Partitioning partitioning) {
        Map<String, DiscoveryState.PathState> recorded = checkpoint.paths();
        Map<String, DiscoveryState.PathState> states = new LinkedHashMap<>();
        Map<String, String> matched = new HashMap<>(); // recorded key -> given written
        if (recorded.containsKey(DiscoveryState.UNRECORDED_PATH)) {
            if (given.size() != 1) {
                throw new ConfigException(BridgeOptions.INPUT_PATH.key() + ": the savepoint is of a version that "
                        + "recorded no path, this job is given " + given.size() + " paths; restore it with the one "
                        + "input.path it was taken with, then add the others at the next restore");
            }
            FirehosePrefix only = given.get(0);
            DiscoveryState.PathState state = recorded.get(DiscoveryState.UNRECORDED_PATH);
            guard(only, state, partitioning);
            LOG.info("Restored a version-1 enumerator state, which did not record its path; taken as the state of {}",
                    only.written());
            states.put(only.written(), state);
            return new PathRestore(states, checkpoint.pendingSplits());
        }
        for (FirehosePrefix prefix : given) {
            String exact = null;
            String sameBase = null;
            for (String key : recorded.keySet()) {
                if (location(key).equals(location(prefix.written()))) {
                    exact = key;
                } else if (sameBase(key, prefix.written())) {
                    sameBase = key;
                }
            }
            if (exact == null && sameBase != null) {
                throw new ConfigException(BridgeOptions.INPUT_PATH.key() + ": the savepoint was taken reading "
                        + sameBase + ", this job is given " + prefix.written() + "; the same location with other "
                        + "folders below it (" + recorded.get(sameBase).pattern() + " -> " + prefix.pattern()
                        + "): keep the old folders, or restore once without this path (its state is dropped) and "
                        + "add it back with input.start=<instant>, or start without the savepoint");
            }
            if (exact != null) {
                guard(prefix, recorded.get(exact), partitioning);
                matched.put(exact, prefix.written());
            }
            states.put(prefix.written(), exact == null ? null : recorded.get(exact));
        }
        if (matched.isEmpty() && !recorded.isEmpty()) {
            List<String> givenPaths = new ArrayList<>();
            given.forEach(p -> givenPaths.add(p.written()));
            throw new ConfigException(BridgeOptions.INPUT_PATH.key() + ": the savepoint was taken reading "
                    + String.join(", ", recorded.keySet()) + ", this job is given " + String.join(", ", givenPaths)
                    + "; keep input.path " + recorded.keySet().iterator().next() + ", or start without the savepoint and "
                    + "with input.start=<instant> (e.g. when the old path stopped) to read the new one");
        }
        // Pending splits of a removed path are dropped with its state: the path is no longer read.
        List<FileSourceSplit> kept = new ArrayList<>();
        Map<String, Integer> droppedSplits = new HashMap<>();
        for (FileSourceSplit split : checkpoint.pendingSplits()) {
            String owner = ownerOf(split, recorded.keySet());
            if (owner == null || matched.containsKey(owner)) {
                kept.add(split); // an owner we cannot tell: read it rather than lose it
            } else {
                droppedSplits.merge(owner, 1, Integer::sum);
            }
        }
        for (Map.Entry<String, DiscoveryState.PathState> entry : recorded.entrySet()) {
            if (!matched.containsKey(entry.getKey())) {
                LOG.info("input.path no longer holds {}: its discovery state is dropped ({} object names, {} "
                        + "discovered objects not read)", entry.getKey(), entry.getValue().trackedObjects(),
                        droppedSplits.getOrDefault(entry.getKey(), 0));
            }
        }
        return new PathRestore(states, kept);
    }

    /** The restored state of a given path; null when it was added since the checkpoint. */
    @Nullable
    DiscoveryState.PathState stateOf(FirehosePrefix prefix) {
        return states.get(prefix.written());
    }

    /** The splits discovered before the checkpoint and not yet handed out, of the paths still given. */
    List<FileSourceSplit> pendingSplits() {
        return pending;
    }

    /** The per-path guard: a layout or zone other than the recorded one fails with one line. */
    private static void guard(FirehosePrefix prefix, DiscoveryState.PathState state, Partitioning partitioning) {
        String given = prefix.written();
        if (state.pattern() != null && !state.pattern().equals(prefix.pattern())) {
            // Only a version-1 state gets here (its path was not recorded, its pattern is the default).
            throw new ConfigException(BridgeOptions.INPUT_PATH.key() + ": the savepoint was taken with the folders "
                    + state.pattern() + " below the path, this job is given " + given + " (folders " + prefix.pattern()
                    + "); keep the old folders, or start without the savepoint and with input.start=<instant>");
        }
        if (state.partitioning() != null && !state.partitioning().equals(partitioning.key())) {
            throw new ConfigException(BridgeOptions.INPUT_PARTITIONING.key() + ": the savepoint was taken with "
                    + state.partitioning() + ", this job is given " + partitioning.key() + "; keep "
                    + "input.partitioning " + state.partitioning() + ", or start without the savepoint and with "
                    + "input.start=<instant> (its names match nothing in the other layout: everything would be read again)");
        }
        if (state.timeZone() != null && partitioning == Partitioning.FIREHOSE_HOURLY && !sameZone(state.timeZone(), prefix.zone())) {
            throw new ConfigException(BridgeOptions.INPUT_PARTITION_TIMEZONE.key() + ": the savepoint was taken with "
                    + state.timeZone() + ", this job is given " + prefix.zone().getId() + "; keep "
                    + "input.partition-timezone " + state.timeZone() + ", or start without the savepoint and with "
                    + "input.start=<instant> (other folders would be listed from the old mark)");
        }
    }

    /** True when two paths as written start listing at the same location (only their folders may differ). */
    static boolean sameBase(String a, String b) {
        return location(baseOf(a)).equals(location(baseOf(b)));
    }

    /** The recorded path a split's object lies below; null when none (cannot happen for splits we made). */
    @Nullable
    private static String ownerOf(FileSourceSplit split, Iterable<String> recorded) {
        String object = location(split.path().toString()) + "/";
        String owner = null;
        for (String key : recorded) {
            String base = location(baseOf(key)) + "/";
            if (object.startsWith(base) && (owner == null || base.length() > location(baseOf(owner)).length() + 1)) {
                owner = key;
            }
        }
        return owner;
    }

    /** The part of a path as written before its first expression. */
    private static String baseOf(String written) {
        int first = written.indexOf("!{");
        return first < 0 ? written : written.substring(0, written.lastIndexOf('/', first) + 1);
    }

    /**
     * {@code s3://b/eks/} and {@code s3a://b/eks} -> {@code b/eks}; {@code file:///tmp/x/} and
     * Flink's {@code file:/tmp/x} -> {@code /tmp/x}.
     */
    static String location(String path) {
        String s = path.trim();
        int scheme = s.indexOf(':');
        if (scheme > 0 && s.substring(0, scheme).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            s = s.substring(scheme + 1);
            if (s.startsWith("//")) {
                s = s.substring(2);
            }
        }
        int end = s.length();
        while (end > 1 && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(0, end);
    }

    private static boolean sameZone(String recorded, ZoneId given) {
        try {
            ZoneId old = ZoneId.of(recorded);
            return old.equals(given) || old.normalized().equals(given.normalized());
        } catch (DateTimeException e) {
            return false;
        }
    }
}
