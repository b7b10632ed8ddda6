package dev.eksaudit.bridge.source;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.connector.file.src.FileSourceSplit;

/**
 * One enumerator as the JobManager runs it, with an injected clock, a bucket in a temp dir and
 * one reader (subtask 0) that takes every split it is offered.
 */
final class EnumeratorHarness {
    static final Duration LOOKBACK = Duration.ofHours(3);

    final LocalBucket bucket;
    final MutableClock clock;
    final RecordingLister lister;
    final TestingEnumeratorContext context = new TestingEnumeratorContext();
    final FirehoseSource source;
    final SplitEnumerator<FileSourceSplit, DiscoveryState> enumerator;
    private int consumed;

    private EnumeratorHarness(LocalBucket bucket, MutableClock clock, RecordingLister lister,
            FirehoseSource source, DiscoveryState restored) throws IOException {
        this.bucket = bucket;
        this.clock = clock;
        this.lister = lister;
        this.source = source;
        context.registerReader(0);
        this.enumerator = restored == null
                ? source.createEnumerator(context)
                : source.restoreEnumerator(context, restored);
        enumerator.start();
    }

    /** A fresh start with the given source settings (lookback 3 h unless changed). */
    static EnumeratorHarness start(LocalBucket bucket, MutableClock clock,
            UnaryOperator<FirehoseSource.Builder> settings) throws IOException {
        return start(bucket, clock, settings, null);
    }

    /** A start from a checkpoint (null: fresh). */
    static EnumeratorHarness start(LocalBucket bucket, MutableClock clock,
            UnaryOperator<FirehoseSource.Builder> settings, DiscoveryState restored) throws IOException {
        return start(bucket, bucket.root().toString(), clock, settings, restored);
    }

    /**
     * A start with an {@code input.path} below the bucket's root as written, e.g.
     * {@code bucket.root() + "/year=!{timestamp:yyyy}/.../"} (null restored: fresh).
     */
    static EnumeratorHarness start(LocalBucket bucket, String inputPath, MutableClock clock,
            UnaryOperator<FirehoseSource.Builder> settings, DiscoveryState restored) throws IOException {
        RecordingLister lister = new RecordingLister(bucket.root());
        FirehoseSource source = settings.apply(FirehoseSource.builder(inputPath, new PathPerObjectFormat())
                        .setLookback(LOOKBACK)
                        .setDiscoveryInterval(Duration.ofSeconds(10))
                        .setClock(clock)
                        .setObjectLister(lister))
                .build();
        return new EnumeratorHarness(bucket, clock, lister, source, restored);
    }

    /** One discovery; returns the folders it listed. */
    List<String> discover() {
        lister.takeListed();
        context.runDiscovery();
        return lister.takeListed();
    }

    /** The reader asks until nothing is left; returns the keys it got since the last call. */
    List<String> read() {
        int before;
        do {
            before = context.assignedTo(0).size();
            enumerator.handleSplitRequest(0, "localhost");
        } while (context.assignedTo(0).size() > before);
        List<FileSourceSplit> all = context.assignedTo(0);
        List<String> keys = new ArrayList<>();
        for (FileSourceSplit split : all.subList(consumed, all.size())) {
            keys.add(bucket.keyOf(split));
        }
        consumed = all.size();
        return keys;
    }

    /** Discovery, then everything it found read. */
    List<String> discoverAndRead() {
        discover();
        return read();
    }

    /** A checkpoint as it is stored and read back. */
    DiscoveryState checkpoint() throws Exception {
        DiscoveryStateSerializer serializer = new DiscoveryStateSerializer();
        byte[] bytes = serializer.serialize(enumerator.snapshotState(1L));
        return serializer.deserialize(serializer.getVersion(), bytes);
    }

    /** The size of a checkpoint in bytes. */
    int checkpointBytes() throws Exception {
        return new DiscoveryStateSerializer().serialize(enumerator.snapshotState(1L)).length;
    }

    /** The {@code lateObjects} counter. */
    long lateObjects() {
        return ((org.apache.flink.metrics.Counter) context.metrics().get("lateObjects")).getCount();
    }

    static Instant at(String iso) {
        return Instant.parse(iso);
    }

}
