package dev.eksaudit.bridge.source;

import java.io.IOException;
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
import javax.annotation.Nullable;
import dev.eksaudit.bridge.progress.ProgressRecorder;
import java.util.HashSet;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SupportsHandleExecutionAttemptSourceEvent;
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
 * The continuous enumerator, over every path of {@code input.path}: each path has its own
 * discovery ({@link PathDiscovery}: window, late sweep, low-water mark, names seen), the splits of
 * all paths share one queue and are handed out oldest first across paths. For each path: every
 * discovery interval it lists, on the JobManager's worker thread,
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
 * <p>A path whose listing fails (S3 throttling, a network error, access denied) is logged and
 * retried at the next interval; its low-water mark does not move, so nothing is skipped, and the
 * other paths are listed as usual. Each path lists only its own window's folders (or its late
 * sweep's), so a discovery costs the sum over the paths, and none lists its whole prefix.
 *
 * <p>Exactly-once file tracking: an object becomes a split once (it is in the seen set from then
 * on); a split handed to a reader is in the reader's state at the next checkpoint, and one handed
 * out after the last checkpoint comes back through {@link #addSplitsBack}.
 */
public final class HourlyWindowEnumerator
        implements SplitEnumerator<FileSourceSplit, DiscoveryState>, SupportsHandleExecutionAttemptSourceEvent {

    private static final Logger LOG = LoggerFactory.getLogger(HourlyWindowEnumerator.class);

    private final SplitEnumeratorContext<FileSourceSplit> context;
    private final ObjectLister lister;
    private final Duration discoveryInterval;
    /** One per input path, in the order of {@code input.path}. */
    private final List<PathDiscovery> paths;

    /** The splits of every path, handed out oldest first across paths. */
    private final OldestFirstSplitAssigner assigner;
    /** Readers that asked for a split when none was pending, served when discovery finds some. */
    private final LinkedHashSet<Integer> readersAwaitingSplit = new LinkedHashSet<>();
    /** The total over all paths (each path counts its own too). */
    private final Counter lateObjects = new SimpleCounter();
    private final Counter listFailures = new SimpleCounter();

    /** Writes progress records ({@code input.progress-path}); null when not configured. */
    @Nullable private final ProgressRecorder progress;
    /**
     * With progress records: the objects handed out (or held by a reader since its start) and not
     * yet reported finished, by split id. A reader reports what it holds when it starts, so this
     * is rebuilt after every restore without being part of the checkpoint.
     */
    private final Map<String, FileSourceSplit> inFlight = new LinkedHashMap<>();
    /** Readers registered and whose start report (what they hold) has arrived. */
    private final Set<Integer> readersReported = new HashSet<>();
    /** "No record yet: readers not reported" is said once. */
    private boolean unreportedLogged;

    /**
     * @param paths the discovery of each input path, restored or fresh (non-empty, distinct keys)
     * @param pending splits discovered but not handed out (restored), of the given paths only
     */
    HourlyWindowEnumerator(
            SplitEnumeratorContext<FileSourceSplit> context,
            ObjectLister lister,
            Duration discoveryInterval,
            List<PathDiscovery> paths,
            List<FileSourceSplit> pending) {
        this(context, lister, discoveryInterval, paths, pending, null);
    }

    /** @param progress writes the progress record of every checkpoint while it is taken; null for none */
    HourlyWindowEnumerator(
            SplitEnumeratorContext<FileSourceSplit> context,
            ObjectLister lister,
            Duration discoveryInterval,
            List<PathDiscovery> paths,
            List<FileSourceSplit> pending,
            @Nullable ProgressRecorder progress) {
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("no input path");
        }
        this.context = context;
        this.lister = lister;
        this.discoveryInterval = discoveryInterval;
        this.paths = List.copyOf(paths);
        this.assigner = new OldestFirstSplitAssigner(pending);
        this.progress = progress;
    }

    @Override
    public void start() {
        context.metricGroup().counter("listRequests", new ListRequestCounter(lister));
        context.metricGroup().counter("lateObjects", lateObjects);
        // A LIST that keeps failing (a bucket policy, missing credentials) is retried every
        // interval and nothing is skipped; this counter is what an alert watches.
        context.metricGroup().counter("listFailures", listFailures);
        context.metricGroup().gauge("trackedObjects", (Gauge<Long>) this::trackedObjects);
        context.metricGroup().setUnassignedSplitsGauge(() -> (long) assigner.size());
        for (PathDiscovery path : paths) {
            // Per path, as a variable (a Prometheus label): which path's late objects and state grow.
            org.apache.flink.metrics.MetricGroup group = context.metricGroup().addGroup("path", path.key());
            group.counter("lateObjects", path.lateObjects);
            group.counter("listFailures", path.listFailures);
            group.gauge("trackedObjects", (Gauge<Long>) path::trackedObjects);
            path.logStart();
        }
        if (progress != null) {
            // What an alert watches: records failing to be written, and how old the newest one is.
            context.metricGroup().counter("progressRecordsWritten", progress.writtenCounter());
            context.metricGroup().counter("progressRecordFailures", progress.failureCounter());
            context.metricGroup().gauge("progressRecordCheckpoint", (Gauge<Long>) progress::lastWritten);
        }
        context.callAsync(this::discover, this::onDiscovered, 0, discoveryInterval.toMillis());
    }

    private long trackedObjects() {
        long n = 0;
        for (PathDiscovery path : paths) {
            n += path.trackedObjects();
        }
        return n;
    }

    /**
     * Lists every path (its window or, when due, its late sweep). A path whose listing fails does
     * not hold up the others: its failure is handed on with the listings. Worker thread.
     */
    List<PathListing> discover() {
        List<PathListing> listings = new ArrayList<>(paths.size());
        for (PathDiscovery path : paths) {
            try {
                listings.add(new PathListing(path, path.discover(), null));
            } catch (IOException | RuntimeException e) {
                listings.add(new PathListing(path, null, e));
            }
        }
        return listings;
    }

    /** Turns the listings into splits. Coordinator thread. */
    void onDiscovered(@Nullable List<PathListing> listings, @Nullable Throwable error) {
        if (error != null) {
            // Not a listing error (those come per path): still one line, and the next interval runs.
            LOG.warn("Discovery failed ({}); retrying in {}", error, describe(discoveryInterval));
            return;
        }
        for (PathListing result : listings) {
            if (result.error != null) {
                result.path.onFailed(result.error);
                listFailures.inc();
                continue;
            }
            long lateBefore = result.path.lateObjects.getCount();
            List<FileSourceSplit> found = result.path.onDiscovered(result.listing);
            lateObjects.inc(result.path.lateObjects.getCount() - lateBefore);
            assigner.addSplits(found);
        }
        assignPendingSplits();
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
            if (progress != null) {
                inFlight.put(split.get().splitId(), split.get());
            }
            readers.remove();
        }
    }

    @Override
    public void addSplitsBack(List<FileSourceSplit> splits, int subtaskId) {
        // Handed out after the last checkpoint to a reader that failed: read them again. They are
        // already in the seen set (or in a folder that is never listed again): no duplicate split.
        LOG.debug("{} splits of failed reader {} return to the queue", splits.size(), subtaskId);
        assigner.addSplits(splits);
        for (FileSourceSplit split : splits) {
            inFlight.remove(split.splitId());
        }
    }

    @Override
    public void addReader(int subtaskId) {
        // Readers ask for splits themselves (handleSplitRequest). A reader registering (again,
        // after a failover) holds what it restored: unknown until its start report.
        readersReported.remove(subtaskId);
    }

    /**
     * Flink calls this one (with the sender's attempt) for an enumerator that has it. A report of
     * an attempt that failed, arriving after its successor registered, must not count: "finished"
     * from it would call done an object the new attempt reads again from its checkpoint.
     */
    @Override
    public void handleSourceEvent(int subtaskId, int attemptNumber, SourceEvent event) {
        Map<Integer, ReaderInfo> attempts = context.registeredReadersOfAttempts().get(subtaskId);
        if (event instanceof ReaderSplitsEvent
                && (attempts == null || attempts.isEmpty() || attemptNumber < java.util.Collections.max(attempts.keySet()))) {
            LOG.debug("Ignoring {} of reader {} attempt {}: not its registered attempt", event, subtaskId, attemptNumber);
            return;
        }
        handleSourceEvent(subtaskId, event);
    }

    @Override
    public void handleSourceEvent(int subtaskId, SourceEvent event) {
        if (!(event instanceof ReaderSplitsEvent) || progress == null) {
            return;
        }
        ReaderSplitsEvent report = (ReaderSplitsEvent) event;
        for (FileSourceSplit split : report.splits()) {
            if (report.isStart()) {
                inFlight.put(split.splitId(), split);
            } else {
                inFlight.remove(split.splitId());
            }
        }
        if (report.isStart()) {
            readersReported.add(subtaskId);
        }
    }

    @Override
    public DiscoveryState snapshotState(long checkpointId) {
        Map<String, DiscoveryState.PathState> states = new LinkedHashMap<>();
        for (PathDiscovery path : paths) {
            states.put(path.key(), path.state());
        }
        DiscoveryState state = new DiscoveryState(states, assigner.remaining());
        if (progress != null) {
            writeProgress(checkpointId, states);
        }
        return state;
    }

    /**
     * The record of this checkpoint: its state, with the objects not fully read (handed out and
     * not reported finished) among those to read again. Only when every reader has reported what
     * it holds; before that (the first moments after a start or restore) a record could call an
     * object done that a reader is still reading, so there is none.
     */
    private void writeProgress(long checkpointId, Map<String, DiscoveryState.PathState> states) {
        Set<Integer> registered = context.registeredReaders().keySet();
        if (registered.size() < context.currentParallelism() || !readersReported.containsAll(registered)) {
            if (!unreportedLogged) {
                LOG.info("No progress record for checkpoint {}: {} of {} readers have reported what they hold",
                        checkpointId, readersReported.size(), context.currentParallelism());
                unreportedLogged = true;
            }
            return;
        }
        List<FileSourceSplit> reread = new ArrayList<>(assigner.remaining());
        Set<String> ids = new HashSet<>();
        reread.forEach(s -> ids.add(s.splitId()));
        for (FileSourceSplit split : inFlight.values()) {
            if (ids.add(split.splitId())) {
                reread.add(split);
            }
        }
        progress.write(checkpointId, new DiscoveryState(states, reread));
    }

    /** For tests of one path: its part of the checkpoint. */
    DiscoveryState.PathState pathState() {
        if (paths.size() != 1) {
            throw new IllegalStateException(paths.size() + " paths");
        }
        return paths.get(0).state();
    }

    @Override
    public void close() {
        // The context stops the periodic discovery.
        if (progress != null) {
            progress.close();
        }
    }

    /** For tests of one path: the oldest instant whose folder the next late sweep lists. */
    Instant lowWater() {
        if (paths.size() != 1) {
            throw new IllegalStateException(paths.size() + " paths");
        }
        return paths.get(0).lowWater();
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

    /** One path's part of a discovery: its listing, or why it failed. */
    static final class PathListing {
        final PathDiscovery path;
        @Nullable final Listing listing;
        @Nullable final Throwable error;

        PathListing(PathDiscovery path, @Nullable Listing listing, @Nullable Throwable error) {
            this.path = path;
            this.listing = listing;
            this.error = error;
        }
    }

    /** What one discovery of one path found: objects per folder, at the instant it started. */
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
