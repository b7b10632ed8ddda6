package dev.eksaudit.bridge.source;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
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
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The continuous enumerator. Every discovery interval it lists, on the JobManager's worker thread,
 * only the hour folders {@code YYYY/MM/dd/HH/} from the low-water hour to the current hour (hour
 * folder paths are computed from the clock), and, back on the coordinator thread, turns the
 * objects it has not seen into splits. Then the low-water hour moves to {@code now - lookback} and
 * the names of older hours are forgotten: they are never listed again, so forgetting them cannot
 * cause a re-read, and state stays O(objects in the window) instead of growing forever
 * (FLINK-25672).
 *
 * <p>A discovery that fails (S3 throttling, a network error) is logged and retried at the next
 * interval; the low-water hour does not move, so nothing is skipped.
 *
 * <p>Exactly-once file tracking: an object becomes a split once (it is in the seen set from
 * then on); a split handed to a reader is in the reader's state at the next checkpoint, and one
 * handed out after the last checkpoint comes back through {@link #addSplitsBack}.
 */
public final class HourlyWindowEnumerator implements SplitEnumerator<FileSourceSplit, DiscoveryState> {

    private static final Logger LOG = LoggerFactory.getLogger(HourlyWindowEnumerator.class);

    private final SplitEnumeratorContext<FileSourceSplit> context;
    private final Path root;
    private final ObjectLister lister;
    private final Predicate<Path> filter;
    private final Clock clock;
    private final Duration lookback;
    private final Duration discoveryInterval;
    private final Partitioning partitioning;

    private final OldestFirstSplitAssigner assigner;
    /** Names of discovered objects per hour, from the low-water hour on. Coordinator thread only. */
    private final TreeMap<Long, Set<String>> seen = new TreeMap<>();
    /** Readers that asked for a split when none was pending, served when discovery finds some. */
    private final LinkedHashSet<Integer> readersAwaitingSplit = new LinkedHashSet<>();

    /** Written on the coordinator thread, read by discoveries on the worker thread. */
    private volatile long lowWaterHour;
    /** {@code input.start latest}: the first discovery marks what exists as seen without reading it. */
    private boolean skipExisting;
    /** For the {@code trackedObjects} gauge, read by metric reporters on their own threads. */
    private volatile long trackedObjects;

    /**
     * @param initial state to continue from: restored, or a fresh one whose low-water hour is the
     *     first hour to read
     * @param skipExisting true for a fresh {@code latest} start only
     */
    public HourlyWindowEnumerator(
            SplitEnumeratorContext<FileSourceSplit> context,
            Path root,
            ObjectLister lister,
            Predicate<Path> filter,
            Clock clock,
            Duration lookback,
            Duration discoveryInterval,
            Partitioning partitioning,
            DiscoveryState initial,
            boolean skipExisting) {
        this.context = context;
        this.root = root;
        this.lister = lister;
        this.filter = filter;
        this.clock = clock;
        this.lookback = lookback;
        this.discoveryInterval = discoveryInterval;
        this.partitioning = partitioning;
        this.lowWaterHour = initial.lowWaterHour();
        initial.seenByHour().forEach((hour, names) -> seen.put(hour, new TreeSet<>(names)));
        this.assigner = new OldestFirstSplitAssigner(initial.pendingSplits());
        this.skipExisting = skipExisting;
        this.trackedObjects = initial.trackedObjects();
    }

    @Override
    public void start() {
        context.metricGroup().counter("listRequests", new ListRequestCounter(lister));
        context.metricGroup().gauge("trackedObjects", (Gauge<Long>) () -> trackedObjects);
        context.metricGroup().setUnassignedSplitsGauge(() -> (long) assigner.size());
        if (partitioning == Partitioning.NONE) {
            LOG.warn("input.partitioning none: every discovery lists everything under {} and every path "
                    + "is kept in state, which grows with the bucket. Use firehose-hourly for Firehose's "
                    + "YYYY/MM/dd/HH/ layout.", root);
        } else {
            LOG.info("Discovering objects under {} every {} in the hour folders from {} on (lookback {})",
                    root, discoveryInterval, HourFolders.name(lowWaterHour), lookback);
        }
        context.callAsync(this::discover, this::onDiscovered, 0, discoveryInterval.toMillis());
    }

    /** Lists the window's hour folders. Worker thread: touches no enumerator state but the low-water hour. */
    Listing discover() throws IOException {
        Instant now = clock.instant();
        Map<Long, List<FileStatus>> objects = new TreeMap<>();
        if (partitioning == Partitioning.NONE) {
            objects.put(HourFolders.NO_HOUR, lister.listRecursively(root, filter));
            return new Listing(now, objects);
        }
        long last = HourFolders.hourOf(now);
        for (long hour = lowWaterHour; hour <= last; hour++) {
            List<FileStatus> inHour = new ArrayList<>();
            for (FileStatus status : lister.listFolder(HourFolders.folder(root, hour))) {
                if (!status.isDir() && filter.test(status.getPath())) {
                    inHour.add(status);
                }
            }
            objects.put(hour, inHour);
        }
        return new Listing(now, objects);
    }

    /** Turns a listing into splits. Coordinator thread. */
    void onDiscovered(@Nullable Listing listing, @Nullable Throwable error) {
        if (error != null) {
            LOG.warn("Listing {} failed; retrying in {}. No object is skipped: the window does not move "
                    + "until a listing succeeds.", root, discoveryInterval, error);
            return;
        }
        List<FileSourceSplit> found = new ArrayList<>();
        int existing = 0;
        for (Map.Entry<Long, List<FileStatus>> hour : listing.objects.entrySet()) {
            for (FileStatus object : hour.getValue()) {
                String name = hour.getKey() == HourFolders.NO_HOUR
                        ? HourFolders.relativize(root, object.getPath())
                        : object.getPath().getName();
                if (seen.computeIfAbsent(hour.getKey(), h -> new TreeSet<>()).add(name)) {
                    if (skipExisting) {
                        existing++;
                    } else {
                        found.add(ObjectSplits.of(object));
                    }
                }
            }
        }
        if (skipExisting) {
            LOG.info("input.start latest: {} objects already under {} are skipped", existing, root);
            skipExisting = false;
        }
        if (partitioning == Partitioning.FIREHOSE_HOURLY) {
            advanceLowWater(HourFolders.hourOf(listing.now.minus(lookback)));
        }
        trackedObjects = countTracked();
        if (!found.isEmpty()) {
            LOG.debug("Discovered {} new objects under {}", found.size(), root);
            assigner.addSplits(found);
        }
        assignPendingSplits();
    }

    private void advanceLowWater(long hour) {
        if (hour > lowWaterHour) {
            lowWaterHour = hour;
        }
        // Hours before the low-water hour are never listed again: their names can go.
        seen.headMap(lowWaterHour).clear();
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
        // already in the seen set (or in an hour that is never listed again): no duplicate split.
        LOG.debug("{} splits of failed reader {} return to the queue", splits.size(), subtaskId);
        assigner.addSplits(splits);
    }

    @Override
    public void addReader(int subtaskId) {
        // Readers ask for splits themselves (handleSplitRequest).
    }

    @Override
    public DiscoveryState snapshotState(long checkpointId) {
        return new DiscoveryState(lowWaterHour, seen, assigner.remaining());
    }

    @Override
    public void close() {
        // The context stops the periodic discovery.
    }

    /** For tests: the oldest hour the next discovery lists. */
    long lowWaterHour() {
        return lowWaterHour;
    }

    /** What one discovery found: objects per hour folder, at the instant it started. */
    static final class Listing {
        final Instant now;
        final Map<Long, List<FileStatus>> objects;

        Listing(Instant now, Map<Long, List<FileStatus>> objects) {
            this.now = now;
            this.objects = objects;
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
