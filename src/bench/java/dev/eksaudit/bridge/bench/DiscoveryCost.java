package dev.eksaudit.bridge.bench;

import dev.eksaudit.bridge.decode.FirehoseObjectFormat;
import dev.eksaudit.bridge.source.DiscoveryState;
import dev.eksaudit.bridge.source.DiscoveryStateSerializer;
import dev.eksaudit.bridge.source.FileSystemObjectLister;
import dev.eksaudit.bridge.source.FirehoseSource;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.PendingSplitsCheckpoint;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
import org.apache.flink.core.fs.Path;

/**
 * Item 5: LIST requests per discovery and checkpointed enumerator state, for a bucket holding 1, 30
 * and 365 days of hourly folders, FirehoseSource (3 h lookback) against the stock continuous
 * FileSource on the same bucket. A LIST is one folder listing (one {@code listStatus}; on S3 one
 * LIST request per 1,000 keys).
 */
final class DiscoveryCost {
    static final int OBJECTS_PER_HOUR = 2;
    private static final DateTimeFormatter FOLDER = DateTimeFormatter.ofPattern("yyyy/MM/dd/HH/").withZone(ZoneOffset.UTC);

    static final class Row {
        int days;
        long objects;
        long oursListsFirst;
        long oursListsSteady;
        long oursStateBytes;
        long stockListsFirst;
        long stockListsSteady;
        long stockStateBytes;
        double oursMillis;
        double stockMillis;
    }

    static List<Row> run(java.nio.file.Path dir, int[] days) throws Exception {
        List<Row> rows = new ArrayList<>();
        Instant now = Instant.parse("2026-11-26T15:30:00Z");
        for (int d : days) {
            Corpus.deleteTree(dir);
            long objects = writeBucket(dir, now, d);
            Path root = new Path(dir.toUri());
            Row row = new Row();
            row.days = d;
            row.objects = objects;
            ours(root, now, row);
            stock(root, row);
            rows.add(row);
        }
        Corpus.deleteTree(dir);
        return rows;
    }

    /** {@code days} x 24 hour folders ending at {@code now}'s hour, two tiny objects each. */
    private static long writeBucket(java.nio.file.Path dir, Instant now, int days) throws IOException {
        long n = 0;
        Instant hour = now.truncatedTo(java.time.temporal.ChronoUnit.HOURS);
        for (int h = 0; h < days * 24; h++) {
            Instant t = hour.minus(Duration.ofHours(h));
            java.nio.file.Path folder = dir.resolve(FOLDER.format(t));
            Files.createDirectories(folder);
            for (int i = 0; i < OBJECTS_PER_HOUR; i++) {
                Files.write(folder.resolve("eks-audit-1-" + h + "-" + i), new byte[] {'{', '}'});
                n++;
            }
        }
        return n;
    }

    private static void ours(Path root, Instant now, Row row) throws Exception {
        FileSystemObjectLister lister = new FileSystemObjectLister();
        FirehoseSource source = FirehoseSource.builder(root, new FirehoseObjectFormat())
                .setLookback(Duration.ofHours(3))
                .setDiscoveryInterval(Duration.ofSeconds(10))
                .setClock(Clock.fixed(now, ZoneOffset.UTC))
                .setObjectLister(lister)
                .build();
        BenchEnumeratorContext<FileSourceSplit> ctx = new BenchEnumeratorContext<>();
        SplitEnumerator<FileSourceSplit, DiscoveryState> e = source.createEnumerator(ctx);
        e.start();
        long t0 = System.nanoTime();
        ctx.runDiscovery();
        row.oursMillis = (System.nanoTime() - t0) / 1e6;
        row.oursListsFirst = lister.listRequests();
        e.handleSplitRequest(0, "localhost");
        drain(e, ctx);
        ctx.runDiscovery();
        row.oursListsSteady = lister.listRequests() - row.oursListsFirst;
        row.oursStateBytes = new DiscoveryStateSerializer().serialize(e.snapshotState(1L)).length;
        e.close();
    }

    private static void stock(Path root, Row row) throws Exception {
        AtomicLong lists = new AtomicLong();
        // Flink's NonSplittingRecursiveEnumerator calls listStatus once for the root and once per
        // folder its filter accepts: counting accepted folders counts its LISTs.
        FileSource<String> source = FileSource
                .forRecordStreamFormat(new org.apache.flink.connector.file.src.reader.TextLineInputFormat(), root)
                .monitorContinuously(Duration.ofSeconds(10))
                .setFileEnumerator(() -> new NonSplittingRecursiveEnumerator(p -> {
                    if (Files.isDirectory(java.nio.file.Path.of(p.toUri()))) {
                        lists.incrementAndGet();
                    }
                    return !p.getName().startsWith(".") && !p.getName().startsWith("_");
                }))
                .build();
        BenchEnumeratorContext<FileSourceSplit> ctx = new BenchEnumeratorContext<>();
        SplitEnumerator<FileSourceSplit, PendingSplitsCheckpoint<FileSourceSplit>> e = source.createEnumerator(ctx);
        e.start();
        long t0 = System.nanoTime();
        ctx.runDiscovery();
        row.stockMillis = (System.nanoTime() - t0) / 1e6;
        row.stockListsFirst = lists.get();
        drain(e, ctx);
        ctx.runDiscovery();
        row.stockListsSteady = lists.get() - row.stockListsFirst;
        row.stockStateBytes = source.getEnumeratorCheckpointSerializer().serialize(e.snapshotState(1L)).length;
        e.close();
    }

    private static void drain(SplitEnumerator<FileSourceSplit, ?> e, BenchEnumeratorContext<FileSourceSplit> ctx) {
        long before;
        int guard = 0;
        do {
            before = ctx.assigned;
            e.handleSplitRequest(0, "localhost");
        } while (ctx.assigned > before && ++guard < 1_000_000);
    }
}
