package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What peeling the gzip layers costs per event (issue 14): one object of 600 events (a gzip member
 * per CloudWatch Logs record of 3 events, about 200 members) in layout (a), and the same under
 * Firehose's own gzip, layout (b), read through {@link DecompressingInputStream} in the framer's
 * 64 KB reads. {@code reader=inflater} is the member reader on one Inflater per layer;
 * {@code reader=commons-compress} is the one it replaced ({@code CommonsCompressGzipOracle}, test
 * tree): a GzipCompressorInputStream per member behind BufferedInputStreams. Run:
 * {@code mvn -B -Pbench -DskipTests test-compile exec:exec@jmh-gzip}. Score: ns per event.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GzipMembersJmh {
    private static final int EVENTS = 600;
    private static final int VERIFY_LIMIT = FirehoseObjectFormat.DEFAULT_VERIFY_MEMBER_BYTES;

    @Param({"MULTI_MEMBER_GZIP", "DOUBLE_GZIP"})
    public String layout;

    @Param({"inflater", "commons-compress"})
    public String reader;

    private byte[] object;
    private final byte[] buf = new byte[64 * 1024];

    @Setup
    public void setup() {
        Instant t0 = Instant.parse("2026-11-26T15:00:00.123456Z");
        List<String> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            events.add(FirehoseFixtures.event(new UUID(i, 42).toString(), "ResponseComplete", t0.plusMillis(i)));
        }
        object = FirehoseFixtures.object(Layout.valueOf(layout), events);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long decompress() throws IOException {
        InputStream raw = new ByteArrayInputStream(object);
        long total = 0;
        try (InputStream in = reader.equals("inflater")
                ? new DecompressingInputStream(raw, VERIFY_LIMIT)
                : new CommonsCompressGzipOracle(raw, VERIFY_LIMIT)) {
            int n;
            while ((n = in.read(buf, 0, buf.length)) >= 0) {
                total += n;
            }
        }
        return total;
    }
}
