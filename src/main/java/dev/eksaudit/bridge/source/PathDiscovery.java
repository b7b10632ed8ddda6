package dev.eksaudit.bridge.source;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import javax.annotation.Nullable;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The discovery of one input path inside {@link HourlyWindowEnumerator}: its lookback window, its
 * late sweep, its low-water mark and the names it has seen. Every path of {@code input.path} has
 * one, so a path that is slow, failing or far behind moves its own mark only.
 *
 * <p>{@link #discover()} runs on the JobManager's worker thread and reads only volatile state;
 * {@link #onDiscovered} runs on the coordinator thread.
 */
final class PathDiscovery {

    // The enumerator's logger: one place to look (and to raise to DEBUG) for discovery.
    private static final Logger LOG = LoggerFactory.getLogger(HourlyWindowEnumerator.class);
    static final String NO_FOLDER = "";
    /** Listing failures of one path are logged at most this often. */
    static final Duration FAILURE_LOG_INTERVAL = Duration.ofMinutes(1);

    private final String key;
    private final FirehosePrefix prefix;
    private final ObjectLister lister;
    private final Predicate<org.apache.flink.core.fs.Path> filter;
    private final Clock clock;
    private final Duration lookback;
    private final Duration lateLookback;
    private final Duration discoveryInterval;
    private final Duration lateDiscoveryInterval;
    private final Partitioning partitioning;

    /** Names of discovered objects per folder, from the low-water mark on. Coordinator thread only. */
    private final TreeMap<String, Set<String>> seen = new TreeMap<>();
    final Counter lateObjects = new SimpleCounter();
    /** Listings of this path that failed (denied, no such bucket, throttled past S3A's retries). */
    final Counter listFailures = new SimpleCounter();

    /** Written on the coordinator thread (after a late sweep), read by listings on the worker thread. */
    private volatile long lowWaterMillis;
    /** When a listing last found an object in the lookback window (or the start). Coordinator writes, worker reads. */
    private volatile long objectInWindowAtMillis;
    /** The newest instant a handled listing ran at. Coordinator thread only. */
    @Nullable private Instant newestListing;
    /** {@code input.start latest}: the first discovery marks what exists as seen without reading it. */
    private boolean skipExisting;
    /** For the {@code trackedObjects} gauges, read by metric reporters on their own threads. */
    private volatile long trackedObjects;

    /** Worker thread only: when the next late sweep is due (null: now). */
    @Nullable private Instant nextLateSweep;
    /** Worker thread only: when the base was last listed for the "nothing where expected" check. */
    @Nullable private Instant lastBaseCheck;
    /** When a listing failure was last logged; null while listings succeed. */
    @Nullable private Instant lastFailureLog;
    private long failuresNotLogged;

    PathDiscovery(String key, FirehosePrefix prefix, ObjectLister lister, Predicate<org.apache.flink.core.fs.Path> filter,
            Clock clock, Duration lookback, Duration lateLookback, Duration discoveryInterval,
            Duration lateDiscoveryInterval, Partitioning partitioning, DiscoveryState.PathState initial,
            boolean skipExisting) {
        this.key = key;
        this.prefix = prefix;
        this.lister = lister;
        this.filter = filter;
        this.clock = clock;
        this.lookback = lookback;
        this.lateLookback = lateLookback;
        this.discoveryInterval = discoveryInterval;
        this.lateDiscoveryInterval = lateDiscoveryInterval;
        this.partitioning = partitioning;
        this.lowWaterMillis = initial.lowWaterMillis();
        initial.seenByFolder().forEach((folder, names) -> seen.put(folder, new TreeSet<>(names)));
        this.skipExisting = skipExisting;
        this.trackedObjects = initial.trackedObjects();
        this.objectInWindowAtMillis = clock.millis();
    }

    /** The key of this path in the checkpoint: its {@code input.path} item as written, without a name. */
    String key() {
        return key;
    }

    FirehosePrefix prefix() {
        return prefix;
    }

    long trackedObjects() {
        return trackedObjects;
    }

    void logStart() {
        if (partitioning == Partitioning.NONE) {
            LOG.warn("input.partitioning none: every discovery lists everything under {} and every path "
                    + "is kept in state, which grows with the bucket. Use firehose-hourly for Firehose's "
                    + "time folders.", prefix.base());
        } else {
            LOG.info("Discovering objects in the folders {} under {} ({}) from {} on: the last {} every {}, "
                    + "the last {} every {}", prefix.pattern(), prefix.base(), prefix.zone(),
                    Instant.ofEpochMilli(lowWaterMillis), HourlyWindowEnumerator.describe(lookback),
                    HourlyWindowEnumerator.describe(discoveryInterval), HourlyWindowEnumerator.describe(lateLookback),
                    HourlyWindowEnumerator.describe(lateDiscoveryInterval));
        }
    }

    /** Lists the folders of the window or, when due, of the late sweep. Worker thread: reads only volatile state. */
    HourlyWindowEnumerator.Listing discover() throws IOException {
        Instant now = clock.instant();
        Map<String, List<FileStatus>> objects = new LinkedHashMap<>();
        if (partitioning == Partitioning.NONE) {
            objects.put(NO_FOLDER, lister.listRecursively(prefix.base(), filter));
            return new HourlyWindowEnumerator.Listing(now, true, objects, null);
        }
        boolean late = nextLateSweep == null || !now.isBefore(nextLateSweep);
        Instant lowWater = Instant.ofEpochMilli(lowWaterMillis);
        Instant windowStart = now.minus(lookback);
        Instant from = late || lowWater.isAfter(windowStart) ? lowWater : windowStart;
        if (late) {
            nextLateSweep = now.plus(lateDiscoveryInterval);
        }
        try {
            for (String folder : prefix.folders(from, now).keySet()) {
                List<FileStatus> inFolder = new ArrayList<>();
                for (FileStatus status : lister.listFolder(prefix.folder(folder))) {
                    if (!status.isDir() && filter.test(status.getPath())) {
                        inFolder.add(status);
                    }
                }
                objects.put(folder, inFolder);
            }
            return new HourlyWindowEnumerator.Listing(now, late, objects, baseCheck(now));
        } catch (IOException | RuntimeException e) {
            if (late) {
                nextLateSweep = null; // the late sweep is retried with the next listing
            }
            throw e;
        }
    }

    /**
     * At most once per lookback, and only when no object was found in the window for a whole
     * lookback: what the base holds, to tell a quiet cluster from a path or zone that does not
     * match the delivery stream's prefix. One LIST.
     */
    @Nullable
    private List<String> baseCheck(Instant now) throws IOException {
        Instant quietSince = Instant.ofEpochMilli(objectInWindowAtMillis);
        if (now.isBefore(quietSince.plus(lookback)) || lastBaseCheck != null && now.isBefore(lastBaseCheck.plus(lookback))) {
            return null;
        }
        lastBaseCheck = now;
        List<String> entries = new ArrayList<>();
        for (FileStatus status : lister.listFolder(prefix.base())) {
            if (filter.test(status.getPath())) {
                entries.add(status.getPath().getName() + (status.isDir() ? "/" : ""));
            }
        }
        return entries;
    }

    /**
     * A listing that failed: the cause, not a stack trace, and at most one line a minute per path
     * (a LIST denied for hours would otherwise log one every discovery interval). Coordinator thread.
     */
    void onFailed(Throwable error) {
        listFailures.inc();
        Instant now = clock.instant();
        if (lastFailureLog != null && now.isBefore(lastFailureLog.plus(FAILURE_LOG_INTERVAL))) {
            failuresNotLogged++;
            return;
        }
        LOG.warn("Listing {} failed ({}); retrying in {}{}. No object is skipped: the low-water mark does "
                + "not move until a late sweep succeeds.", prefix, error, HourlyWindowEnumerator.describe(discoveryInterval),
                failuresNotLogged > 0 ? " (" + failuresNotLogged + " more failures since the last line)" : "");
        lastFailureLog = now;
        failuresNotLogged = 0;
    }

    /** Turns a listing into the splits of the objects not seen before. Coordinator thread. */
    List<FileSourceSplit> onDiscovered(HourlyWindowEnumerator.Listing listing) {
        lastFailureLog = null; // the next failure is news again
        failuresNotLogged = 0;
        if (newestListing == null || listing.now.isAfter(newestListing)) {
            newestListing = listing.now;
        }
        Instant lowWater = Instant.ofEpochMilli(lowWaterMillis);
        // Folders still tracked; null for none (nothing is ever forgotten there).
        Map<String, Instant> tracked = partitioning == Partitioning.NONE ? null : prefix.folders(lowWater, newestListing);
        Set<String> window = partitioning == Partitioning.NONE ? Set.of(NO_FOLDER)
                : prefix.folders(listing.now.minus(lookback), listing.now).keySet();
        List<FileSourceSplit> found = new ArrayList<>();
        int existing = 0;
        int skippedFolders = 0;
        boolean objectInWindow = false;
        for (Map.Entry<String, List<FileStatus>> entry : listing.objects.entrySet()) {
            String folder = entry.getKey();
            Instant folderEnd = tracked == null ? null : tracked.get(folder);
            if (tracked != null && folderEnd == null) {
                // Below the low-water mark: listed before a late sweep forgot it, its objects all
                // handed out then. Taking it in again would read them twice.
                skippedFolders++;
                continue;
            }
            boolean inWindow = window.contains(folder);
            objectInWindow |= inWindow && !entry.getValue().isEmpty();
            Set<String> names = seen.get(folder);
            boolean listedBefore = names != null;
            if (names == null) {
                names = new TreeSet<>();
                seen.put(folder, names);
            }
            for (FileStatus object : entry.getValue()) {
                String name = tracked == null
                        ? HourFolders.relativize(prefix.base(), object.getPath())
                        : object.getPath().getName();
                if (!names.add(name)) {
                    continue;
                }
                if (skipExisting) {
                    existing++;
                    continue;
                }
                found.add(ObjectSplits.of(object));
                if (listedBefore && !inWindow) {
                    lateObjects.inc();
                    LOG.info("Late object {}: found {} after its folder {} closed at {}, {} after the folder left "
                            + "input.lookback ({}); read now", object.getPath(),
                            HourlyWindowEnumerator.describe(Duration.between(folderEnd, listing.now)), folder, folderEnd,
                            HourlyWindowEnumerator.describe(Duration.between(folderEnd.plus(lookback), listing.now)),
                            HourlyWindowEnumerator.describe(lookback));
                }
            }
        }
        if (skippedFolders > 0) {
            LOG.debug("A listing that started before the low-water mark moved brought {} folders below it; skipped",
                    skippedFolders);
        }
        if (skipExisting) {
            LOG.info("input.start latest: {} objects already under {} are skipped", existing, prefix.base());
            skipExisting = false;
        }
        if (tracked != null && listing.late) {
            advanceLowWater(listing.now.minus(lateLookback));
        }
        if (objectInWindow) {
            objectInWindowAtMillis = listing.now.toEpochMilli();
        } else if (listing.baseEntries != null && !listing.baseEntries.isEmpty()) {
            LOG.warn("No object arrived in the folders input.path expects for the last {} ({} ... {} under {}, "
                    + "evaluated in {}), but {} holds {} entries, e.g. {}. Check input.path and "
                    + "input.partition-timezone against the delivery stream's S3 prefix and its time zone.",
                    HourlyWindowEnumerator.describe(lookback), first(window), last(window), prefix.base(), prefix.zone(),
                    prefix.base(), listing.baseEntries.size(),
                    listing.baseEntries.subList(0, Math.min(3, listing.baseEntries.size())));
        }
        trackedObjects = countTracked();
        if (!found.isEmpty()) {
            LOG.debug("Discovered {} new objects under {}", found.size(), prefix.base());
        }
        return found;
    }

    private void advanceLowWater(Instant mark) {
        if (mark.toEpochMilli() > lowWaterMillis) {
            lowWaterMillis = mark.toEpochMilli();
        }
        // Folders before the low-water mark are never listed again: their names can go.
        Set<String> keep = prefix.folders(Instant.ofEpochMilli(lowWaterMillis), newestListing).keySet();
        seen.keySet().retainAll(keep);
    }

    private long countTracked() {
        long n = 0;
        for (Set<String> names : seen.values()) {
            n += names.size();
        }
        return n;
    }

    /** This path's part of the checkpoint. */
    DiscoveryState.PathState state() {
        return new DiscoveryState.PathState(partitioning.key(), prefix.pattern(), prefix.zone().getId(),
                lowWaterMillis, seen);
    }

    /** For tests: the oldest instant whose folder the next late sweep lists. */
    Instant lowWater() {
        return Instant.ofEpochMilli(lowWaterMillis);
    }

    private static String first(Set<String> folders) {
        return folders.isEmpty() ? "-" : folders.iterator().next();
    }

    private static String last(Set<String> folders) {
        String last = "-";
        for (String f : folders) {
            last = f;
        }
        return last;
    }
}
