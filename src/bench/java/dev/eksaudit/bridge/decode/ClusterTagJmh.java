package dev.eksaudit.bridge.decode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
 * What {@code annotations.cluster_name} costs per event: the validation every event gets anyway
 * (which now also finds where the name goes), the same plus the splice, and the splice alone.
 * Events like the API server's (about 1 KB), with an {@code annotations} object or without one.
 * Run: {@code mvn -B -Pbench -DskipTests test-compile exec:exec@jmh-cluster-tag}. Score: ns per event.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ClusterTagJmh {
    private static final int EVENTS = 256;

    @Param({"annotations", "none"})
    public String shape;

    private final byte[][] events = new byte[EVENTS][];
    private final ClusterTagger.Place[] places = new ClusterTagger.Place[EVENTS];
    private final AuditEventValidator validator = new AuditEventValidator(262_144);
    private final byte[] name = ClusterTagger.quote("prod-eu");

    @Setup
    public void setup() {
        Instant t0 = Instant.parse("2026-11-26T15:00:00.123456Z");
        for (int i = 0; i < EVENTS; i++) {
            String e = FirehoseFixtures.event(new UUID(i, 42).toString(), "ResponseComplete", t0.plusMillis(i));
            if (shape.equals("none")) {
                e = FirehoseFixtures.without(e, "annotations");
            }
            events[i] = e.getBytes(StandardCharsets.UTF_8);
            places[i] = validator.validate(events[i], "k").place;
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public int validate() {
        int n = 0;
        for (byte[] e : events) {
            n += validator.validate(e, "k").event.json.length;
        }
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public int validateAndTag() {
        int n = 0;
        for (byte[] e : events) {
            AuditEventValidator.Result r = validator.validate(e, "k");
            n += ClusterTagger.tag(e, r.place, name).length;
        }
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public int tagOnly() {
        int n = 0;
        for (int i = 0; i < EVENTS; i++) {
            n += ClusterTagger.tag(events[i], places[i], name).length;
        }
        return n;
    }
}
