package dev.eksaudit.bridge.source;

import static dev.eksaudit.bridge.source.EnumeratorHarness.at;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;

/**
 * On the S3 API (through flink-s3-fs-hadoop), a prefix nothing was written to yet is not an
 * error: the job waits, and reads the first objects once Firehose writes them.
 */
class FirehoseSourceS3Test {

    @Test
    void anEmptyBucketIsNoErrorAndTheFirstObjectsAreFound() throws Exception {
        try (InProcessS3 s3 = InProcessS3.start("audit")) {
            MutableClock clock = new MutableClock(at("2026-11-26T15:20:00Z"));
            FileSystemObjectLister lister = new FileSystemObjectLister();
            FirehoseSource source = FirehoseSource.builder(new Path("s3://audit/eks/"), new PathPerObjectFormat())
                    .setClock(clock)
                    .setObjectLister(lister)
                    .build();
            TestingEnumeratorContext context = new TestingEnumeratorContext();
            context.registerReader(0);
            SplitEnumerator<FileSourceSplit, DiscoveryState> enumerator = source.createEnumerator(context);
            enumerator.start();

            context.runDiscovery();
            enumerator.handleSplitRequest(0, null);
            assertThat(context.assignedTo(0)).isEmpty();
            assertThat(lister.listRequests()).isEqualTo(4);

            clock.advance(Duration.ofSeconds(10));
            s3.put("s3://audit/eks/2026/11/26/15/eks-audit-1-2026-11-26-15-20-05-a", bytes("a"));
            s3.put("s3://audit/eks/2026/11/26/14/eks-audit-1-2026-11-26-14-59-58-b", bytes("b"));
            s3.put("s3://audit/eks/processing-failed/2026/11/26/15/eks-audit-1-x", bytes("x"));
            context.runDiscovery();
            enumerator.handleSplitRequest(0, null);

            assertThat(context.assignedTo(0)).extracting(s -> s.path().toString()).containsExactly(
                    "s3://audit/eks/2026/11/26/14/eks-audit-1-2026-11-26-14-59-58-b",
                    "s3://audit/eks/2026/11/26/15/eks-audit-1-2026-11-26-15-20-05-a");
            assertThat(context.assignedTo(0)).extracting(FileSourceSplit::length).containsExactly(1L, 1L);
        }
    }

    /**
     * On S3: objects Firehose delivers 5 h and 23 h late into their old hour folder are missed by
     * the lookback window, found by the next late sweep, read exactly once and counted.
     */
    @Test
    void objectsDelivered5And23HoursLateAreReadOnceAndCounted() throws Exception {
        try (InProcessS3 s3 = InProcessS3.start("audit")) {
            MutableClock clock = new MutableClock(at("2026-11-26T15:20:00Z"));
            FirehoseSource source = FirehoseSource.builder(new Path("s3://audit/eks/"), new PathPerObjectFormat())
                    .setClock(clock)
                    .setObjectLister(new FileSystemObjectLister())
                    .build();
            TestingEnumeratorContext context = new TestingEnumeratorContext();
            context.registerReader(0);
            SplitEnumerator<FileSourceSplit, DiscoveryState> enumerator = source.createEnumerator(context);
            enumerator.start();
            String onTime = "s3://audit/eks/2026/11/26/15/eks-audit-1-2026-11-26-15-10-00-a";
            s3.put(onTime, bytes("a"));
            assertThat(discoverAndRead(context, enumerator)).containsExactly(onTime);

            // 20:20: Firehose finally delivers an object of 15:00 after 5 h of retries.
            clock.set(at("2026-11-26T20:20:00Z"));
            assertThat(discoverAndRead(context, enumerator)).isEmpty(); // a late sweep, before it arrived
            clock.advance(Duration.ofSeconds(5));
            String late5h = "s3://audit/eks/2026/11/26/15/eks-audit-1-2026-11-26-15-20-00-b";
            s3.put(late5h, bytes("b"));
            clock.advance(Duration.ofSeconds(5));
            assertThat(discoverAndRead(context, enumerator)).isEmpty(); // the window, 17:00 on
            clock.set(at("2026-11-26T20:25:10Z"));
            assertThat(discoverAndRead(context, enumerator)).containsExactly(late5h);
            assertThat(lateObjects(context)).isEqualTo(1);

            // The next day at 14:20: one more object of 15:00, 23 h late.
            clock.set(at("2026-11-27T14:20:00Z"));
            assertThat(discoverAndRead(context, enumerator)).isEmpty();
            String late23h = "s3://audit/eks/2026/11/26/15/eks-audit-1-2026-11-26-15-40-00-c";
            s3.put(late23h, bytes("c"));
            clock.advance(Duration.ofSeconds(10));
            assertThat(discoverAndRead(context, enumerator)).isEmpty();
            clock.set(at("2026-11-27T14:25:10Z"));
            assertThat(discoverAndRead(context, enumerator)).containsExactly(late23h);
            clock.set(at("2026-11-27T14:31:00Z"));
            assertThat(discoverAndRead(context, enumerator)).isEmpty();

            assertThat(context.assignedTo(0)).extracting(sp -> sp.path().toString())
                    .containsExactly(onTime, late5h, late23h);
            assertThat(lateObjects(context)).isEqualTo(2);
        }
    }

    /** On S3, keys with '=' (Hive style) in a half-hour zone: exactly the local folders of the window. */
    @Test
    void aHiveStylePrefixInAsiaKolkataOnS3() throws Exception {
        try (InProcessS3 s3 = InProcessS3.start("audit")) {
            MutableClock clock = new MutableClock(at("2026-11-26T15:20:00Z"));
            FileSystemObjectLister lister = new FileSystemObjectLister();
            FirehoseSource source = FirehoseSource.builder("s3://audit/eks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/"
                            + "day=!{timestamp:dd}/hour=!{timestamp:HH}/", new PathPerObjectFormat())
                    .setPartitionTimeZone(java.time.ZoneId.of("Asia/Kolkata"))
                    .setClock(clock)
                    .setObjectLister(lister)
                    .build();
            String at1755 = "s3://audit/eks/year=2026/month=11/day=26/hour=17/eks-audit-1-2026-11-26-12-25-00-a";
            String at2049 = "s3://audit/eks/year=2026/month=11/day=26/hour=20/eks-audit-1-2026-11-26-15-19-00-b";
            s3.put(at1755, bytes("a"));
            s3.put(at2049, bytes("b"));
            s3.put("s3://audit/eks/year=2026/month=11/day=26/hour=16/eks-audit-1-2026-11-26-11-29-00-before", bytes("x"));
            s3.put("s3://audit/eks/2026/11/26/15/eks-audit-1-2026-11-26-15-10-00-utc-default", bytes("y"));
            TestingEnumeratorContext context = new TestingEnumeratorContext();
            context.registerReader(0);
            SplitEnumerator<FileSourceSplit, DiscoveryState> enumerator = source.createEnumerator(context);
            enumerator.start();

            assertThat(discoverAndRead(context, enumerator)).containsExactly(at1755, at2049);
            assertThat(lister.listRequests()).isEqualTo(4); // hour=17, 18, 19, 20
        }
    }

    private static List<String> discoverAndRead(TestingEnumeratorContext context,
            SplitEnumerator<FileSourceSplit, DiscoveryState> enumerator) {
        int before = context.assignedTo(0).size();
        context.runDiscovery();
        int n;
        do {
            n = context.assignedTo(0).size();
            enumerator.handleSplitRequest(0, null);
        } while (context.assignedTo(0).size() > n);
        List<String> keys = new ArrayList<>();
        for (FileSourceSplit split : context.assignedTo(0).subList(before, context.assignedTo(0).size())) {
            keys.add(split.path().toString());
        }
        return keys;
    }

    private static long lateObjects(TestingEnumeratorContext context) {
        return ((org.apache.flink.metrics.Counter) context.metrics().get("lateObjects")).getCount();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
