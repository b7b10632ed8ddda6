package dev.eksaudit.bridge.bench;

import dev.eksaudit.bridge.decode.FirehoseFixtures;
import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH micro-benchmark of the reference decode (item 1) per Firehose layout: one object of 500
 * corpus-like events, gunzip + Jackson. Run: {@code mvn -B -Pbench -DskipTests test-compile exec:exec@jmh}.
 * Score is objects per second; x 500 for events per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LayoutDecodeJmh {

    @Param({"MULTI_MEMBER_GZIP", "DOUBLE_GZIP", "ENVELOPES", "EVENTS"})
    public String layout;

    private byte[] object;
    private final ReferenceDecode decoder = new ReferenceDecode();

    @Setup
    public void setup() {
        Random random = new Random(42);
        List<String> events = new ArrayList<>();
        for (int i = 0; i < Corpus.EVENTS_PER_OBJECT; i++) {
            events.add(Corpus.event(random, Instant.parse("2026-11-20T00:00:00Z").plusMillis(i)));
        }
        object = FirehoseFixtures.object(Layout.valueOf(layout), events);
    }

    @Benchmark
    public long decodeObject() throws IOException {
        decoder.decodeObject(object, null);
        return decoder.events;
    }
}
