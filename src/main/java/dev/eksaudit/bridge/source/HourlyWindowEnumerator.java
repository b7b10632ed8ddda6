package dev.eksaudit.bridge.source;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import javax.annotation.Nullable;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.SimpleCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The continuous enumerator. Every discovery interval it lists, on the JobManager's worker thread,
 * only the folders of the lookback window ({@code [now - input.lookback, now]}, computed from the
 * clock by {@link FirehosePrefix}); every late-discovery interval that listing is a late sweep
 * instead, over {@code [low-water mark, now]}: Firehose retries a failed S3 delivery for up to
 * 24 h and then files the object under the hour of its oldest record, long after that folder left
 * the lookback window. Back on the coordinator thread the objects it has not seen become splits.
 * After a late sweep the low-water mark moves to {@code now - input.late-lookback} and the names
 * of older folders are forgotten: they are never listed again, so forgetting them cannot cause a
 * re-read, and state stays O(objects in the late window) instead of growing forever (FLINK-25672).
 *
 * <p>Listings and their results overlap: Flink starts the next periodic listing on the worker as
 * soon as the previous one returned, while its result still waits for the coordinator thread. A
 * listing may so have started from a low-water mark that a result handled meanwhile moved on. A
 * result therefore only takes in folders still at or above the current low-water mark; a folder
 * below it was listed, handed out and forgotten, and is skipped whatever a slow listing brings.
 *
 * <p>A discovery that fails (S3 throttling, a network error) is logged and retried at the next
 * interval; the low-water mark does not move, so nothing is skipped.
 *
 * <p>Exactly-once file tracking: an object becomes a split once (it is in the seen set from then
 * on); a split handed to a reader is in the reader's state at the next checkpoint, and one handed
 * out after the last checkpoint comes back through {@link #addSplitsBack}.
 */
public final class HourlyWindowEnumerator implements SplitEnumerator<FileSourceSplit, DiscoveryState> {

    private static final Logger LOG = LoggerFactory.getLogger(HourlyWindowEnumerator.class);
    private static final String NO_FOLDER = "";

    private final SplitEnumeratorContext<FileSourceSplit> context;
    private final FirehosePrefix prefix;
    private final ObjectLister lister;
    private final Predicate<org.apache.flink.core.fs.Path> filter;
    private final Clock clock;
    private final Duration lookback;
    private final Duration lateLookback;
    private final Duration discoveryInterval;
    private final Duration lateDiscoveryInterval;
    private final Partitioning partitioning;

    private final OldestFirstSplitAssigner assigner;
    /** Names of discovered objects per folder, from the low-water mark on. Coordinator thread only. */
    private final TreeMap<String, Set<String>> seen = new TreeMap<>();
    /** Readers that asked for a split when none was pending, served when discovery finds some. */
    private final LinkedHashSet<Integer> readersAwaitingSplit = new LinkedHashSet<>();
    private final Counter lateObjects = new SimpleCounter();

    /** Written on the coordinator thread (after a late sweep), read by listings on the worker thread. */
    private volatile long lowWaterMillis;
    /** When a listing last found an object in the lookback window (or the start). Coordinator writes, worker reads. */
    private volatile long objectInWindowAtMillis;
    /** The newest instant a handled listing ran at. Coordinator thread only. */
    @Nullable private Instant newestListing;
    /** {@code input.start latest}: the first discovery marks what exists as seen without reading it. */
    private boolean skipExisting;
    /** For the {@code trackedObjects} gauge, read by metric reporters on their own threads. */
    private volatile long trackedObjects;

    /** Worker thread only: when the next late sweep is due (null: now). */
    @Nullable private Instant nextLateSweep;
    /** Worker thread only: when the base was last listed for the "nothing where expected" check. */
    @Nullable private Instant lastBaseCheck;

    /**
     * @param initial state of this path to continue from: restored, or a fresh one whose low-water
     *     mark is the first instant to read
     * @param pending splits discovered but not handed out (restored)
     * @param skipExisting true for a fresh {@code latest} start only
     */
    public HourlyWindowEnumerator(
            SplitEnumeratorContext<FileSourceSplit> context,
            FirehosePrefix prefix,
            ObjectLister lister,
            Predicate<org.apache.flink.core.fs.Path> filter,
            Clock clock,
            Duration lookback,
            Duration lateLookback,
            Duration discoveryInterval,
            Duration lateDiscoveryInterval,
            Partitioning partitioning,
            DiscoveryState.PathState initial,
            List<FileSourceSplit> pending,
            boolean skipExisting) {
        this.context = context;
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
        this.assigner = new OldestFirstSplitAssigner(pending);
        this.skipExisting = skipExisting;
        this.trackedObjects = initial.trackedObjects();
        this.objectInWindowAtMillis = clock.millis();
    }

    @Override
    public void start() {
        context.metricGroup().counter("listRequests", new ListRequestCounter(lister));
        context.metricGroup().counter("lateObjects", lateObjects);
        context.metricGroup().gauge("trackedObjects", (Gauge<Long>) () -> trackedObjects);
        context.metricGroup().setUnassignedSplitsGauge(() -> (long) assigner.size());
        if (partitioning == Partitioning.NONE) {
            LOG.warn("input.partitioning none: every discovery lists everything under {} and every path "
                    + "is kept in state, which grows with the bucket. Use firehose-hourly for Firehose's "
                    + "time folders.", prefix.base());
        } else {
            LOG.info("Discovering objects in the folders {} under {} ({}) from {} on: the last {} every {}, "
                    + "the last {} every {}", prefix.pattern(), prefix.base(), prefix.zone(),
                    Instant.ofEpochMilli(lowWaterMillis), describe(lookback), describe(discoveryInterval),
                    describe(lateLookback), describe(lateDiscoveryInterval));
        }
        context.callAsync(this::discover, this::onDiscovered, 0, discoveryInterval.toMillis());
    }

    /** Lists the folders of the window or, when due, of the late sweep. Worker thread: reads only volatile state. */
    Listing discover() throws IOException {
        Instant now = clock.instant();
        Map<String, List<FileStatus>> objects = new LinkedHashMap<>();
        if (partitioning == Partitioning.NONE) {
            objects.put(NO_FOLDER, lister.listRecursively(prefix.base(), filter));
            return new Listing(now, true, objects, null);
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
            return new Listing(now, late, objects, baseCheck(now));
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

    /** Turns a listing into splits. Coordinator thread. */
    void onDiscovered(@Nullable Listing listing, @Nullable Throwable error) {
        if (error != null) {
            // One line per interval: the cause, not a stack trace.
            LOG.warn("Listing {} failed ({}); retrying in {}. No object is skipped: the low-water mark does "
                    + "not move until a late sweep succeeds.", prefix, error, describe(discoveryInterval));
            return;
        }
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
                            describe(Duration.between(folderEnd, listing.now)), folder, folderEnd,
                            describe(Duration.between(folderEnd.plus(lookback), listing.now)), describe(lookback));
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
                    describe(lookback), first(window), last(window), prefix.base(), prefix.zone(), prefix.base(),
                    listing.baseEntries.size(), listing.baseEntries.subList(0, Math.min(3, listing.baseEntries.size())));
        }
        trackedObjects = countTracked();
        if (!found.isEmpty()) {
            LOG.debug("Discovered {} new objects under {}", found.size(), prefix.base());
            assigner.addSplits(found);
        }
        assignPendingSplits();
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

    @Override
    public void handleSplitRequest(int subtaskId, @Nullable String requesterHostname) {
        readersAwaitingSplit.add(subtaskId);
        assignPendingSplits();
    }

    private void assignPendingSplits() {
        Iterator<Integer> readers = readersAwaitingSplit.iterator();
        while (readers.hasNext()) {
            int reader = readers.next();
            if (!context.registeredReaders().containsKey(reader)) {
                readers.remove(); // failed since it asked; it asks again when it comes back
                continue;
            }
            Optional<FileSourceSplit> split = assigner.next();
            if (split.isEmpty()) {
                return;
            }
            context.assignSplit(split.get(), reader);
            readers.remove();
        }
    }

    @Override
    public void addSplitsBack(List<FileSourceSplit> splits, int subtaskId) {
        // Handed out after the last checkpoint to a reader that failed: read them again. They are
        // already in the seen set (or in a folder that is never listed again): no duplicate split.
        LOG.debug("{} splits of failed reader {} return to the queue", splits.size(), subtaskId);
        assigner.addSplits(splits);
    }

    @Override
    public void addReader(int subtaskId) {
        // Readers ask for splits themselves (handleSplitRequest).
    }

    @Override
    public DiscoveryState snapshotState(long checkpointId) {
        return DiscoveryState.of(prefix.written(), pathState(), assigner.remaining());
    }

    /** This path's part of the checkpoint. */
    DiscoveryState.PathState pathState() {
        return new DiscoveryState.PathState(partitioning.key(), prefix.pattern(), prefix.zone().getId(),
                lowWaterMillis, seen);
    }

    @Override
    public void close() {
        // The context stops the periodic discovery.
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

    /** {@code 3 h}, {@code 5 h 12 min}, {@code 10 s}: how durations are written in the configuration. */
    static String describe(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s == 0) {
            return d.isZero() || d.isNegative() ? "0 s" : d.toMillis() + " ms";
        }
        StringBuilder out = new StringBuilder();
        if (s >= 3600) {
            out.append(s / 3600).append(" h");
        }
        if (s % 3600 >= 60) {
            out.append(out.length() > 0 ? " " : "").append(s % 3600 / 60).append(" min");
        }
        if (s % 60 > 0) {
            out.append(out.length() > 0 ? " " : "").append(s % 60).append(" s");
        }
        return out.toString();
    }

    /** What one discovery found: objects per folder, at the instant it started. */
    static final class Listing {
        final Instant now;
        final boolean late;
        final Map<String, List<FileStatus>> objects;
        /** What the base holds, when it was checked; null when not. */
        @Nullable final List<String> baseEntries;

        Listing(Instant now, boolean late, Map<String, List<FileStatus>> objects, @Nullable List<String> baseEntries) {
            this.now = now;
            this.late = late;
            this.objects = objects;
            this.baseEntries = baseEntries;
        }
    }

    /** {@code listRequests} as a Flink counter whose count is the lister's own. */
    private static final class ListRequestCounter implements Counter {
        private final ObjectLister lister;

        ListRequestCounter(ObjectLister lister) {
            this.lister = lister;
        }

        @Override
        public void inc() {}

        @Override
        public void inc(long n) {}

        @Override
        public void dec() {}

        @Override
        public void dec(long n) {}

        @Override
        public long getCount() {
            return lister.listRequests();
        }
    }
}
