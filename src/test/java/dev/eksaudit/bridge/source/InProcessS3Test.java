package dev.eksaudit.bridge.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.junit.jupiter.api.Test;

/** The test S3 server and flink-s3-fs-hadoop understand each other: write, list, read back. */
class InProcessS3Test {

    @Test
    void flinkS3FileSystemWritesListsAndReads() throws Exception {
        try (InProcessS3 s3 = InProcessS3.start("audit")) {
            s3.put("s3://audit/eks/2026/11/26/15/a", "hello".getBytes(StandardCharsets.UTF_8));
            s3.put("s3://audit/eks/2026/11/26/16/b", "world!".getBytes(StandardCharsets.UTF_8));

            Path hour = new Path("s3://audit/eks/2026/11/26/");
            FileStatus[] folders = hour.getFileSystem().listStatus(hour);
            assertThat(Arrays.stream(folders).map(f -> f.getPath().getName())).containsExactlyInAnyOrder("15", "16");

            Path b = new Path("s3://audit/eks/2026/11/26/16/b");
            try (InputStream in = b.getFileSystem().open(b)) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("world!");
            }
            assertThat(b.getFileSystem().getFileStatus(b).getLen()).isEqualTo(6);
        }
    }
}
