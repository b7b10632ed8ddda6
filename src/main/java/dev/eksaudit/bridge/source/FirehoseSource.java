package dev.eksaudit.bridge.source;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.BridgeOptions;
import dev.eksaudit.bridge.config.InputMode;
import dev.eksaudit.bridge.decode.FirehoseObjectFormat;
import dev.eksaudit.bridge.decode.ObjectRecord;
import dev.eksaudit.bridge.decode.StorageRetryMetrics;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * mode, of a time range ({@link BoundedRangeEnumerator}).
 */
public final class FirehoseSource
        implements Source<ObjectRecord, FileSourceSplit, DiscoveryState>, ResultTypeQueryable<ObjectRecord> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FirehoseSource.class);

    private final Path root;
    private final BulkFormat<ObjectRecord, FileSourceSplit> format;
    private final InputMode mode;
    private final Duration discoveryInterval;
    private final Duration lookback;
    private final Partitioning partitioning;
    private final StartPosition start;
    @Nullable private final Instant end;
    private final Clock clock;
    private final ObjectLister lister;
    private final Predicate<Path> filter;

    private FirehoseSource(Builder b) {
        this.root = b.root;
        this.format = b.format;
        this.mode = b.mode;
        this.discoveryInterval = b.discoveryInterval;
        this.lookback = b.lookback;
        this.partitioning = b.partitioning;
        this.start = b.start;
        this.end = b.end;
        this.clock = b.clock;
        this.lister = b.lister;
        this.filter = b.filter;
    }

    /** A source over {@code root} (the {@code input.path}) reading objects with {@code format}. */
    public static Builder builder(Path root, BulkFormat<ObjectRecord, FileSourceSplit> format) {
        return new Builder(root, format);
    }

    /** The source as configured by the {@code input.*} options. */
    public static FirehoseSource fromConfig(BridgeConfig config, BulkFormat<ObjectRecord, FileSourceSplit> format) {
        Builder b = builder(new Path(config.inputPath()), format)
                .setMode(config.inputMode())
                .setDiscoveryInterval(config.get(BridgeOptions.INPUT_DISCOVERY_INTERVAL))
                .setLookback(config.get(BridgeOptions.INPUT_LOOKBACK))
                .setPartitioning(Partitioning.parse(config.get(BridgeOptions.INPUT_PARTITIONING)))
                .setStart(StartPosition.parse(config.get(BridgeOptions.INPUT_START)));
        config.getOptional(BridgeOptions.INPUT_END).map(Instant::parse).ifPresent(b::setEnd);
        return b.build();
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
        BulkFormat<ObjectRecord, FileSourceSplit> readerFormat = format instanceof FirehoseObjectFormat
                ? ((FirehoseObjectFormat) format).withMetrics(StorageRetryMetrics.register(readerContext.metricGroup()))
                : format;
        return new FileSourceReader<>(readerContext, new ObjectAgeFormat(readerFormat, age), readerContext.getConfiguration());
    }

    @Override
    public SplitEnumerator<FileSourceSplit, DiscoveryState> createEnumerator(
            SplitEnumeratorContext<FileSourceSplit> context) throws IOException {
        if (mode == InputMode.BOUNDED) {
            return new BoundedRangeEnumerator(context, listRange());
        }
        Instant now = clock.instant();
        long firstHour = start.kind() == StartPosition.Kind.INSTANT
                ? HourFolders.hourOf(start.instant())
                : HourFolders.hourOf(now.minus(lookback));
        DiscoveryState fresh = new DiscoveryState(
                partitioning == Partitioning.NONE ? HourFolders.NO_HOUR : firstHour, Map.of(), List.of());
        return continuous(context, fresh, start.kind() == StartPosition.Kind.LATEST);
    }

    @Override
    public SplitEnumerator<FileSourceSplit, DiscoveryState> restoreEnumerator(
            SplitEnumeratorContext<FileSourceSplit> context, DiscoveryState checkpoint) {
        if (mode == InputMode.BOUNDED) {
            return new BoundedRangeEnumerator(context, checkpoint.pendingSplits());
        }
        // The restored low-water hour is where the job left off: listing resumes there however
        // long the job was down, so an outage longer than the lookback loses nothing. (It is never
        // moved earlier, e.g. when input.lookback was raised: the names of older hours are gone,
        // and listing those hours again would read their objects twice.)
        if (partitioning == Partitioning.FIREHOSE_HOURLY && checkpoint.lowWaterHour() == HourFolders.NO_HOUR) {
            // State written with input.partitioning none or in bounded mode: it has no hour to
            // resume from (and listing from the beginning of time is no option), so start at the window.
            long windowStart = HourFolders.hourOf(clock.instant().minus(lookback));
            LOG.warn("Restored state has no low-water hour (written with input.partitioning none or "
                    + "input.mode bounded); listing from {} on", HourFolders.name(windowStart));
            checkpoint = new DiscoveryState(windowStart, Map.of(), checkpoint.pendingSplits());
        }
        return continuous(context, checkpoint, false);
    }

    private HourlyWindowEnumerator continuous(
            SplitEnumeratorContext<FileSourceSplit> context, DiscoveryState initial, boolean skipExisting) {
        return new HourlyWindowEnumerator(context, root, lister, filter, clock, lookback, discoveryInterval,
                partitioning, initial, skipExisting);
    }

    /** Bounded mode: the objects of the hour folders from the start to the end, listed once. */
    private List<FileSourceSplit> listRange() throws IOException {
        List<FileSourceSplit> splits = new ArrayList<>();
        if (start.kind() == StartPosition.Kind.LATEST) {
            LOG.warn("input.mode bounded with input.start latest reads nothing: give an instant to replay from");
            return splits;
        }
        if (partitioning == Partitioning.NONE) {
            LOG.warn("input.partitioning none: input.start and input.end need the hourly layout; reading "
                    + "every object under {}", root);
            for (FileStatus object : lister.listRecursively(root, filter)) {
                splits.add(ObjectSplits.of(object));
            }
            return splits;
        }
        Instant now = clock.instant();
        Instant from = start.kind() == StartPosition.Kind.INSTANT ? start.instant() : now.minus(lookback);
        long firstHour = HourFolders.hourOf(from);
        // input.end is exclusive: an end on an hour boundary does not take in that hour's folder.
        long lastHour = end != null ? HourFolders.hourOf(end.minusNanos(1)) : HourFolders.hourOf(now);
        for (long hour = firstHour; hour <= lastHour; hour++) {
            for (FileStatus object : lister.listFolder(HourFolders.folder(root, hour))) {
                if (!object.isDir() && filter.test(object.getPath())) {
                    splits.add(ObjectSplits.of(object));
                }
            }
        }
        LOG.info("Replaying {} objects from the hour folders {} to {} under {}", splits.size(),
                HourFolders.name(firstHour), lastHour >= firstHour ? HourFolders.name(lastHour) : "-", root);
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
        private final Path root;
        private final BulkFormat<ObjectRecord, FileSourceSplit> format;
        private InputMode mode = BridgeOptions.INPUT_MODE.defaultValue();
        private Duration discoveryInterval = BridgeOptions.INPUT_DISCOVERY_INTERVAL.defaultValue();
        private Duration lookback = BridgeOptions.INPUT_LOOKBACK.defaultValue();
        private Partitioning partitioning = Partitioning.parse(BridgeOptions.INPUT_PARTITIONING.defaultValue());
        private StartPosition start = StartPosition.parse(BridgeOptions.INPUT_START.defaultValue());
        @Nullable private Instant end;
        private Clock clock = Clock.systemUTC();
        private ObjectLister lister = new FileSystemObjectLister();
        private Predicate<Path> filter = new FirehoseFileFilter();

        private Builder(Path root, BulkFormat<ObjectRecord, FileSourceSplit> format) {
            this.root = Objects.requireNonNull(root, "root");
            this.format = Objects.requireNonNull(format, "format");
        }

        /** {@code input.mode}: continuous (keep discovering) or bounded (replay a range, then finish). */
        public Builder setMode(InputMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** {@code input.discovery-interval}. */
        public Builder setDiscoveryInterval(Duration interval) {
            this.discoveryInterval = positive(interval, "discovery interval");
            return this;
        }

        /** {@code input.lookback}: how far back each discovery lists. */
        public Builder setLookback(Duration lookback) {
            this.lookback = positive(lookback, "lookback");
            return this;
        }

        /** {@code input.partitioning}. */
        public Builder setPartitioning(Partitioning partitioning) {
            this.partitioning = Objects.requireNonNull(partitioning, "partitioning");
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

        /** The clock that decides which hours are in the window; tests inject one. Must be serializable on a cluster. */
        public Builder setClock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How folders are listed; default: Flink's file system for the root's scheme. */
        public Builder setObjectLister(ObjectLister lister) {
            this.lister = Objects.requireNonNull(lister, "lister");
            return this;
        }

        /** Which paths are objects to read; default {@link FirehoseFileFilter}. */
        public Builder setFileFilter(Predicate<Path> filter) {
            this.filter = Objects.requireNonNull(filter, "filter");
            return this;
        }

        public FirehoseSource build() {
            if (end != null && mode != InputMode.BOUNDED) {
                throw new IllegalArgumentException("input.end: only allowed with input.mode bounded");
            }
            if (end != null && start.kind() == StartPosition.Kind.INSTANT && !end.isAfter(start.instant())) {
                throw new IllegalArgumentException("input.end: must be after input.start (" + start + ")");
            }
            if (!(filter instanceof java.io.Serializable)) {
                throw new IllegalArgumentException("the file filter must be serializable");
            }
            return new FirehoseSource(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}
