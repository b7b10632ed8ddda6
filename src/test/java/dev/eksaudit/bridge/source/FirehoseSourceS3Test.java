package dev.eksaudit.bridge.source;

import static dev.eksaudit.bridge.source.EnumeratorHarness.at;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
