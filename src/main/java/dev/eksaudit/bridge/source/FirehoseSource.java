package dev.eksaudit.bridge.source;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.BridgeOptions;
import dev.eksaudit.bridge.config.InputMode;
import dev.eksaudit.bridge.decode.FirehoseObjectFormat;
import dev.eksaudit.bridge.config.InputPaths;
import dev.eksaudit.bridge.decode.ObjectRecord;
import dev.eksaudit.bridge.decode.ReaderClosing;
import dev.eksaudit.bridge.decode.StorageRetryMetrics;
import dev.eksaudit.bridge.progress.ProgressFiles;
import dev.eksaudit.bridge.progress.ProgressRecord;
import dev.eksaudit.bridge.progress.ProgressRecorder;
import dev.eksaudit.bridge.progress.ProgressStart;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.FileSourceSplitSerializer;
import org.apache.flink.connector.file.src.impl.FileSourceReader;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source of S3 objects written by Firehose. It is Flink's FileSource with the enumerator
 * replaced: Flink's own {@link FileSourceReader} reads whole-object {@link FileSourceSplit}s with
 * the given {@link BulkFormat} (and checkpoints its position inside an object), while discovery
 * lists only the hour folders of a lookback window ({@link HourlyWindowEnumerator}) or, in bounded
 * mode, of a time range ({@link BoundedRangeEnumerator}), for every path of {@code input.path}. A
 * restore matches the checkpoint's paths to the given ones ({@link PathRestore}).
 */
public final class FirehoseSource
        implements Source<ObjectRecord, FileSourceSplit, DiscoveryState>, ResultTypeQueryable<ObjectRecord> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FirehoseSource.class);

    /** Firehose's longest buffer interval: an object lands in its folder up to this long after the folder's time. */
    static final Duration FIREHOSE_MAX_BUFFER = Duration.ofMinutes(15);

    /** One per item of {@code input.path}, in its order; their bases neither repeat nor nest. */
    private final List<FirehosePrefix> prefixes;
    private final BulkFormat<ObjectRecord, FileSourceSplit> format;
    private final InputMode mode;
    private final Duration discoveryInterval;
    private final Duration lookback;
    private final Duration lateDiscoveryInterval;
    private final Duration lateLookback;
    private final Partitioning partitioning;
    private final StartPosition start;
    @Nullable private final Instant end;
    private final Clock clock;
    private final ObjectLister lister;
    private final Predicate<Path> filter;
    /** {@code input.progress-path}; null when no progress records are written. */
    @Nullable private final String progressPath;
    /** {@code input.start-from}, read at build time: the state a first start begins with (serialized); null for none. */
    @Nullable private final byte[] startFrom;

    private FirehoseSource(Builder b, List<FirehosePrefix> prefixes, @Nullable byte[] startFrom) {
        this.prefixes = List.copyOf(prefixes);
        this.format = b.format;
        this.mode = b.mode;
        this.discoveryInterval = b.discoveryInterval;
        this.lookback = b.lookback;
        this.lateDiscoveryInterval = b.lateDiscoveryInterval;
        this.lateLookback = b.lateLookback;
        this.partitioning = b.partitioning;
        this.start = b.start;
        this.end = b.end;
        this.clock = b.clock;
        this.lister = b.lister;
        this.filter = b.filter;
        this.progressPath = b.progressPath;
        this.startFrom = startFrom;
    }

    /** A source over {@code root} (an {@code input.path} without expressions) reading objects with {@code format}. */
    public static Builder builder(Path root, BulkFormat<ObjectRecord, FileSourceSplit> format) {
        return new Builder(List.of(root.toString()), format);
    }

    /** A source over an {@code input.path} as written, {@code !{timestamp:...}} expressions included. */
    public static Builder builder(String inputPath, BulkFormat<ObjectRecord, FileSourceSplit> format) {
        return new Builder(List.of(inputPath), format);
    }

    /**
     * A source over several paths (the items of {@code input.path}, without their names), each
     * discovered on its own; as written, {@code !{timestamp:...}} expressions included.
     */
    public static Builder builder(List<String> inputPaths, BulkFormat<ObjectRecord, FileSourceSplit> format) {
        return new Builder(inputPaths, format);
    }

    /** The source as configured by the {@code input.*} options: every path of {@code input.path}. */
    public static FirehoseSource fromConfig(BridgeConfig config, BulkFormat<ObjectRecord, FileSourceSplit> format) {
        return builder(config, format).build();
    }

    /** A builder set up by the {@code input.*} options (tests change the clock or lister). */
    public static Builder builder(BridgeConfig config, BulkFormat<ObjectRecord, FileSourceSplit> format) {
        List<String> uris = new ArrayList<>();
        for (InputPaths.InputPath path : config.inputPaths().all()) {
            // The name is no part of the path's identity: renaming a cluster keeps its state.
            uris.add(path.uri);
        }
        Builder b = builder(uris, format)
                .setMode(config.inputMode())
                .setDiscoveryInterval(config.get(BridgeOptions.INPUT_DISCOVERY_INTERVAL))
                .setLookback(config.get(BridgeOptions.INPUT_LOOKBACK))
                .setLateDiscoveryInterval(config.get(BridgeOptions.INPUT_LATE_DISCOVERY_INTERVAL))
                .setLateLookback(config.get(BridgeOptions.INPUT_LATE_LOOKBACK))
                .setPartitioning(Partitioning.parse(config.get(BridgeOptions.INPUT_PARTITIONING)))
                .setPartitionTimeZone(ZoneId.of(config.get(BridgeOptions.INPUT_PARTITION_TIMEZONE).trim()))
                .setStart(StartPosition.parse(config.get(BridgeOptions.INPUT_START)));
        config.getOptional(BridgeOptions.INPUT_END).map(Instant::parse).ifPresent(b::setEnd);
        config.getOptional(BridgeOptions.INPUT_PROGRESS_PATH).ifPresent(b::setProgressPath);
        config.getOptional(BridgeOptions.INPUT_START_FROM).map(ProgressStart::load).ifPresent(b::setStartFrom);
        return b;
    }

    /** The paths this source reads, parsed, in the order of {@code input.path}. */
    public List<FirehosePrefix> prefixes() {
        return prefixes;
    }

    @Override
    public Boundedness getBoundedness() {
        return mode == InputMode.BOUNDED ? Boundedness.BOUNDED : Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<ObjectRecord, FileSourceSplit> createReader(SourceReaderContext readerContext) {
        ObjectAgeFormat.Age age = new ObjectAgeFormat.Age(clock);
        readerContext.metricGroup().gauge("objectAgeMs", age);
        // storageRetries and objectsBlocked live on the reader's group too; the format is the one
        // that sees storage errors, so it gets them bound here, on the TaskManager.
        ReaderClosing closing = new ReaderClosing();
        BulkFormat<ObjectRecord, FileSourceSplit> readerFormat = format instanceof FirehoseObjectFormat
                ? ((FirehoseObjectFormat) format).withMetrics(StorageRetryMetrics.register(readerContext.metricGroup()))
                        .withClosing(closing)
                : format;
        return new FirehoseSourceReader(readerContext, new ObjectAgeFormat(readerFormat, age), progressPath != null, closing);
    }

    @Override
    public SplitEnumerator<FileSourceSplit, DiscoveryState> createEnumerator(
            SplitEnumeratorContext<FileSourceSplit> context) throws IOException {
        if (mode == InputMode.BOUNDED) {
            List<FileSourceSplit> splits = new ArrayList<>();
            for (FirehosePrefix prefix : prefixes) {
                splits.addAll(listRange(prefix));
            }
            return new BoundedRangeEnumerator(context, boundedStates(), splits);
        }
        if (startFrom != null) {
            // A first start of a job continuing another one (input.start-from): as if restored from
            // its checkpoint. A failover before this job's first checkpoint starts here again.
            return continuous(context, new DiscoveryStateSerializer().deserialize(DiscoveryStateSerializer.VERSION, startFrom));
        }
        List<PathDiscovery> paths = new ArrayList<>();
        for (FirehosePrefix prefix : prefixes) {
            paths.add(fresh(prefix));
        }
        return new HourlyWindowEnumerator(context, lister, discoveryInterval, paths, List.of(), recorder());
    }

    @Nullable
    private ProgressRecorder recorder() {
        return progressPath == null ? null : new ProgressRecorder(new ProgressFiles(new Path(progressPath)), clock);
    }

    /** A path discovered for the first time: from {@code input.start}. */
    private PathDiscovery fresh(FirehosePrefix prefix) {
        Instant first = start.kind() == StartPosition.Kind.INSTANT ? start.instant() : clock.instant().minus(lookback);
        long lowWater = partitioning == Partitioning.NONE ? DiscoveryState.NO_LOW_WATER : first.toEpochMilli();
        return discovery(prefix, pathState(prefix, lowWater, Map.of()), start.kind() == StartPosition.Kind.LATEST);
    }

    private PathDiscovery discovery(FirehosePrefix prefix, DiscoveryState.PathState initial, boolean skipExisting) {
        return new PathDiscovery(prefix.written(), prefix, lister, filter, clock, lookback, lateLookback,
                discoveryInterval, lateDiscoveryInterval, partitioning, initial, skipExisting);
    }

    private DiscoveryState.PathState pathState(FirehosePrefix prefix, long lowWater, Map<String, Set<String>> seen) {
        return new DiscoveryState.PathState(partitioning.key(), prefix.pattern(), prefix.zone().getId(), lowWater, seen);
    }

    private Map<String, DiscoveryState.PathState> boundedStates() {
        Map<String, DiscoveryState.PathState> states = new LinkedHashMap<>();
        for (FirehosePrefix prefix : prefixes) {
            states.put(prefix.written(), pathState(prefix, DiscoveryState.NO_LOW_WATER, Map.of()));
        }
        return states;
    }

    @Override
    public SplitEnumerator<FileSourceSplit, DiscoveryState> restoreEnumerator(
            SplitEnumeratorContext<FileSourceSplit> context, DiscoveryState checkpoint) throws IOException {
        if (mode == InputMode.BOUNDED) {
            PathRestore restore = PathRestore.of(checkpoint, prefixes, partitioning);
            // The range was listed at the first start; only a path added since is listed now.
            List<FileSourceSplit> splits = new ArrayList<>(restore.pendingSplits());
            for (FirehosePrefix prefix : prefixes) {
                if (restore.stateOf(prefix) == null) {
                    LOG.info("input.path {} is new since the checkpoint: replaying its range from input.start {}",
                            prefix.written(), start);
                    splits.addAll(listRange(prefix));
                }
            }
            return new BoundedRangeEnumerator(context, boundedStates(), splits);
        }
        return continuous(context, checkpoint);
    }

    /** The continuous enumerator from a checkpoint (or a progress record's state). */
    private SplitEnumerator<FileSourceSplit, DiscoveryState> continuous(
            SplitEnumeratorContext<FileSourceSplit> context, DiscoveryState checkpoint) {
        PathRestore restore = PathRestore.of(checkpoint, prefixes, partitioning);
        List<PathDiscovery> paths = new ArrayList<>();
        for (FirehosePrefix prefix : prefixes) {
            DiscoveryState.PathState restored = restore.stateOf(prefix);
            if (restored == null) {
                PathDiscovery added = fresh(prefix);
                LOG.info("input.path {} is new since the checkpoint: discovered from input.start {} ({} on)",
                        prefix.written(), start, start.kind() == StartPosition.Kind.LATEST ? "objects written from now"
                                : "folders from " + added.lowWater());
                paths.add(added);
                continue;
            }
            // The restored low-water mark is where the job left off: listing resumes there however
            // long the job was down, so an outage longer than the late lookback loses nothing. (It is
            // never moved earlier, e.g. when input.late-lookback was raised: the names of older
            // folders are gone, and listing those folders again would read their objects twice.)
            if (partitioning == Partitioning.FIREHOSE_HOURLY && restored.lowWaterMillis() == DiscoveryState.NO_LOW_WATER) {
                // State written in bounded mode: it has no mark to resume from (and listing from the
                // beginning of time is no option), so start at the window.
                Instant windowStart = clock.instant().minus(lookback);
                LOG.warn("Restored state of {} has no low-water mark (written in input.mode bounded); listing from {} on",
                        prefix.written(), windowStart);
                restored = pathState(prefix, windowStart.toEpochMilli(), Map.of());
            }
            paths.add(discovery(prefix, pathState(prefix, restored.lowWaterMillis(), restored.seenByFolder()), false));
        }
        return new HourlyWindowEnumerator(context, lister, discoveryInterval, paths, restore.pendingSplits(), recorder());
    }

    /** Bounded mode: the objects of the folders of one path from the start to the end, listed once. */
    private List<FileSourceSplit> listRange(FirehosePrefix prefix) throws IOException {
        List<FileSourceSplit> splits = new ArrayList<>();
        if (start.kind() == StartPosition.Kind.LATEST) {
            LOG.warn("input.mode bounded with input.start latest reads nothing: give an instant to replay from");
            return splits;
        }
        if (partitioning == Partitioning.NONE) {
            LOG.warn("input.partitioning none: input.start and input.end need time folders; reading "
                    + "every object under {}", prefix.base());
            for (FileStatus object : lister.listRecursively(prefix.base(), filter)) {
                splits.add(ObjectSplits.of(object));
            }
            return splits;
        }
        Instant now = clock.instant();
        Instant from = start.kind() == StartPosition.Kind.INSTANT ? start.instant() : now.minus(lookback);
        // input.end is exclusive: an end on a folder boundary does not take in that folder.
        Instant to = end != null ? end.minusNanos(1) : now;
        Set<String> folders = prefix.folders(from, to).keySet();
        for (String folder : folders) {
            for (FileStatus object : lister.listFolder(prefix.folder(folder))) {
                if (!object.isDir() && filter.test(object.getPath())) {
                    splits.add(ObjectSplits.of(object));
                }
            }
        }
        LOG.info("Replaying {} objects from the folders {} to {} under {}", splits.size(),
                folders.isEmpty() ? "-" : folders.iterator().next(),
                folders.isEmpty() ? "-" : new ArrayList<>(folders).get(folders.size() - 1), prefix.base());
        return splits;
    }

    @Override
    public SimpleVersionedSerializer<FileSourceSplit> getSplitSerializer() {
        return FileSourceSplitSerializer.INSTANCE;
    }

    @Override
    public SimpleVersionedSerializer<DiscoveryState> getEnumeratorCheckpointSerializer() {
        return new DiscoveryStateSerializer();
    }

    @Override
    public TypeInformation<ObjectRecord> getProducedType() {
        return format.getProducedType();
    }

    /** Builds a {@link FirehoseSource}; defaults are those of the {@code input.*} options. */
    public static final class Builder {
        private final List<String> inputPaths;
        private final BulkFormat<ObjectRecord, FileSourceSplit> format;
        private InputMode mode = BridgeOptions.INPUT_MODE.defaultValue();
        private Duration discoveryInterval = BridgeOptions.INPUT_DISCOVERY_INTERVAL.defaultValue();
        private Duration lookback = BridgeOptions.INPUT_LOOKBACK.defaultValue();
        private Duration lateDiscoveryInterval = BridgeOptions.INPUT_LATE_DISCOVERY_INTERVAL.defaultValue();
        private Duration lateLookback = BridgeOptions.INPUT_LATE_LOOKBACK.defaultValue();
        private Partitioning partitioning = Partitioning.parse(BridgeOptions.INPUT_PARTITIONING.defaultValue());
        private ZoneId zone = ZoneId.of(BridgeOptions.INPUT_PARTITION_TIMEZONE.defaultValue());
        private StartPosition start = StartPosition.parse(BridgeOptions.INPUT_START.defaultValue());
        @Nullable private Instant end;
        private Clock clock = Clock.systemUTC();
        private ObjectLister lister = new FileSystemObjectLister();
        private Predicate<Path> filter = new FirehoseFileFilter();
        @Nullable private String progressPath;
        @Nullable private ProgressRecord startFrom;

        private Builder(List<String> inputPaths, BulkFormat<ObjectRecord, FileSourceSplit> format) {
            this.inputPaths = List.copyOf(inputPaths);
            this.format = Objects.requireNonNull(format, "format");
        }

        /** {@code input.mode}: continuous (keep discovering) or bounded (replay a range, then finish). */
        public Builder setMode(InputMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** {@code input.discovery-interval}. */
        public Builder setDiscoveryInterval(Duration interval) {
            this.discoveryInterval = positive(interval, BridgeOptions.INPUT_DISCOVERY_INTERVAL.key());
            return this;
        }

        /** {@code input.lookback}: how far back each discovery lists. */
        public Builder setLookback(Duration lookback) {
            this.lookback = positive(lookback, BridgeOptions.INPUT_LOOKBACK.key());
            return this;
        }

        /** {@code input.late-discovery-interval}: how often a discovery is a late sweep. */
        public Builder setLateDiscoveryInterval(Duration interval) {
            this.lateDiscoveryInterval = positive(interval, BridgeOptions.INPUT_LATE_DISCOVERY_INTERVAL.key());
            return this;
        }

        /** {@code input.late-lookback}: how far back a late sweep lists, and how long names are kept. */
        public Builder setLateLookback(Duration lateLookback) {
            this.lateLookback = positive(lateLookback, BridgeOptions.INPUT_LATE_LOOKBACK.key());
            return this;
        }

        /** {@code input.partitioning}. */
        public Builder setPartitioning(Partitioning partitioning) {
            this.partitioning = Objects.requireNonNull(partitioning, "partitioning");
            return this;
        }

        /** {@code input.partition-timezone}: where the folders' timestamps are evaluated (Firehose's CustomTimeZone). */
        public Builder setPartitionTimeZone(ZoneId zone) {
            this.zone = Objects.requireNonNull(zone, "zone");
            return this;
        }

        /** {@code input.start}; used on a first start only (and as the range's start in bounded mode). */
        public Builder setStart(StartPosition start) {
            this.start = Objects.requireNonNull(start, "start");
            return this;
        }

        /** {@code input.end}, exclusive; bounded mode only. */
        public Builder setEnd(@Nullable Instant end) {
            this.end = end;
            return this;
        }

        /** The clock that decides which folders are in the window; tests inject one. Must be serializable on a cluster. */
        public Builder setClock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How folders are listed; default: Flink's file system for the path's scheme. */
        public Builder setObjectLister(ObjectLister lister) {
            this.lister = Objects.requireNonNull(lister, "lister");
            return this;
        }

        /** Which paths are objects to read; default {@link FirehoseFileFilter}. */
        public Builder setFileFilter(Predicate<Path> filter) {
            this.filter = Objects.requireNonNull(filter, "filter");
            return this;
        }

        /** {@code input.progress-path}: where every checkpoint leaves its progress record; null for none. */
        public Builder setProgressPath(@Nullable String progressPath) {
            this.progressPath = progressPath;
            return this;
        }

        /** {@code input.start-from}, loaded: what a first start begins with instead of {@code input.start}. */
        public Builder setStartFrom(@Nullable ProgressRecord record) {
            this.startFrom = record;
            return this;
        }

        /** @throws IllegalArgumentException with one line naming the key of a setting that cannot work */
        public FirehoseSource build() {
            if (inputPaths.isEmpty()) {
                throw new IllegalArgumentException("input.path: no path given");
            }
            List<FirehosePrefix> prefixes = new ArrayList<>();
            for (String inputPath : inputPaths) {
                FirehosePrefix prefix = FirehosePrefix.parse(inputPath, zone);
                for (FirehosePrefix other : prefixes) {
                    if (PathRestore.sameBase(other.written(), prefix.written())) {
                        throw new IllegalArgumentException("input.path: '" + other.written() + "' and '"
                                + prefix.written() + "' are below the same location; give it once");
                    }
                }
                if (partitioning == Partitioning.NONE && inputPath.contains("!{")) {
                    throw new IllegalArgumentException("input.path: !{timestamp:...} folders need input.partitioning "
                            + "firehose-hourly, not none");
                }
                prefixes.add(prefix);
            }
            if (end != null && mode != InputMode.BOUNDED) {
                throw new IllegalArgumentException("input.end: only allowed with input.mode bounded");
            }
            if (end != null && start.kind() == StartPosition.Kind.INSTANT && !end.isAfter(start.instant())) {
                throw new IllegalArgumentException("input.end: must be after input.start (" + start + ")");
            }
            if (mode == InputMode.CONTINUOUS && partitioning == Partitioning.FIREHOSE_HOURLY) {
                checkWindows(lookback, discoveryInterval, lateLookback);
            }
            if (!(filter instanceof java.io.Serializable)) {
                throw new IllegalArgumentException("the file filter must be serializable");
            }
            if ((progressPath != null || startFrom != null) && mode != InputMode.CONTINUOUS) {
                throw new IllegalArgumentException((progressPath != null ? BridgeOptions.INPUT_PROGRESS_PATH
                        : BridgeOptions.INPUT_START_FROM).key() + ": only allowed with input.mode continuous");
            }
            return new FirehoseSource(this, prefixes, startFrom == null ? null : startState(startFrom, prefixes));
        }

        /** The record's state, checked against the given paths now: a mismatch stops the start, not the enumerator. */
        private byte[] startState(ProgressRecord record, List<FirehosePrefix> prefixes) {
            try {
                PathRestore.of(record.state(), prefixes, partitioning);
            } catch (dev.eksaudit.bridge.config.ConfigException e) {
                throw new dev.eksaudit.bridge.config.ConfigException(BridgeOptions.INPUT_START_FROM.key()
                        + " (the record of checkpoint " + record.checkpointId() + ") does not fit: "
                        + e.getMessage().replace("the savepoint", "the record"));
            }
            try {
                return new DiscoveryStateSerializer().serialize(record.state());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private static Duration positive(Duration d, String key) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(key + ": must be a positive duration, got " + d);
            }
            return d;
        }
    }

    /**
     * The windows of a continuous job that can work, or one line naming the key: an object lands up
     * to Firehose's longest buffer (15 min) after its folder's time and is seen at the next
     * discovery, so a shorter lookback misses objects every hour; a late lookback shorter than the
     * lookback would forget names the window still lists, and read their objects again.
     */
    public static void checkWindows(Duration lookback, Duration discoveryInterval, Duration lateLookback) {
        Duration least = FIREHOSE_MAX_BUFFER.plus(discoveryInterval);
        if (lookback.compareTo(least) < 0) {
            throw new IllegalArgumentException(BridgeOptions.INPUT_LOOKBACK.key() + ": must be at least "
                    + HourlyWindowEnumerator.describe(least) + " (Firehose's longest buffer interval, 15 min, plus "
                    + BridgeOptions.INPUT_DISCOVERY_INTERVAL.key() + "), got " + HourlyWindowEnumerator.describe(lookback));
        }
        if (lateLookback.compareTo(lookback) < 0) {
            throw new IllegalArgumentException(BridgeOptions.INPUT_LATE_LOOKBACK.key() + ": must be at least "
                    + BridgeOptions.INPUT_LOOKBACK.key() + " (" + HourlyWindowEnumerator.describe(lookback) + "), got "
                    + HourlyWindowEnumerator.describe(lateLookback));
        }
    }
}
