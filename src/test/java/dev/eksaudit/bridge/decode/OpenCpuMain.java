package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import dev.eksaudit.bridge.source.InProcessS3;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.core.fs.Path;

/**
 * Not a test: CPU of reading N objects of ~500 events through the in-process S3 server with the
 * head-first open (Flink's FileSystem.open) and with the listed-length open, alternating rounds.
 * Process CPU includes the S3 server in this JVM (it answers the HEADs too); thread CPU is the
 * reading thread alone. Run: {@code java -cp <test classpath> dev.eksaudit.bridge.decode.OpenCpuMain [objects] [rounds]}.
 */
public final class OpenCpuMain {
    private OpenCpuMain() {}

    public static void main(String[] args) throws Exception {
        int objects = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (InProcessS3 s3 = InProcessS3.start("audit")) {
            List<FileSourceSplit> splits = new ArrayList<>();
            for (int i = 0; i < objects; i++) {
                byte[] object = FirehoseFixtures.object(Layout.MULTI_MEMBER_GZIP, FirehoseFixtures.events(500));
                String key = "eks/2026/12/02/01/o-" + i;
                s3.putDirect("audit", key, object);
                splits.add(new FileSourceSplit(Integer.toString(i), new Path("s3://audit/" + key), 0, object.length, 0,
                        object.length));
            }
            FirehoseObjectFormat listedLength = FirehoseObjectFormat.builder().initialBackoff(Duration.ZERO).build();
            FirehoseObjectFormat headFirst = FirehoseObjectFormat.builder().initialBackoff(Duration.ZERO)
                    .opener((p, position) -> FileSystemObjectOpener.openWithHead(p.getFileSystem(), p, position))
                    .build();
            long[][] totals = new long[2][3];
            for (int round = -2; round < rounds; round++) {
                for (int mode = 0; mode < 2; mode++) {
                    FirehoseObjectFormat format = mode == 0 ? headFirst : listedLength;
                    long wall = System.nanoTime();
                    long thread = threads.getCurrentThreadCpuTime();
                    long process = os.getProcessCpuTime();
                    long records = 0;
                    for (FileSourceSplit split : splits) {
                        records += read(format, split);
                    }
                    if (records == 0) {
                        throw new IllegalStateException("nothing read");
                    }
                    if (round >= 0) {
                        totals[mode][0] += System.nanoTime() - wall;
                        totals[mode][1] += threads.getCurrentThreadCpuTime() - thread;
                        totals[mode][2] += os.getProcessCpuTime() - process;
                    }
                }
            }
            long reads = (long) objects * rounds;
            for (int mode = 0; mode < 2; mode++) {
                System.out.printf("%-14s %d objects x %d rounds: wall %.0f us/object, reader thread CPU %.0f us/object, process CPU %.0f us/object%n",
                        mode == 0 ? "HEAD + GET" : "GET only", objects, rounds, totals[mode][0] / 1e3 / reads,
                        totals[mode][1] / 1e3 / reads, totals[mode][2] / 1e3 / reads);
            }
        }
    }

    private static long read(FirehoseObjectFormat format, FileSourceSplit split) throws Exception {
        long n = 0;
        try (BulkFormat.Reader<ObjectRecord> reader = format.createReader(new Configuration(), split)) {
            BulkFormat.RecordIterator<ObjectRecord> batch;
            while ((batch = reader.readBatch()) != null) {
                org.apache.flink.connector.file.src.util.RecordAndPosition<ObjectRecord> rp;
                while ((rp = batch.next()) != null) {
                    if (rp.getRecord().isFailure()) {
                        throw new IllegalStateException(split.path() + ": " + rp.getRecord().detail);
                    }
                    n++;
                }
                batch.releaseBatch();
            }
        }
        return n;
    }
}
