package dev.eksaudit.bridge.bench;

import dev.eksaudit.bridge.decode.DecodeHotLoops;
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
 * The decoder's hot loops that issue 14 changed, one object of 500 corpus-like events each:
 * framing (layout c: envelopes, i.e. escaped JSON in strings; layout d: bare events), envelopes to
 * message bytes, the validator's check of each event (with the event scanner and with Jackson only)
 * and the stageTimestamp check. {@code mvn -B -Pbench -DskipTests test-compile
 * exec:exec@jmh-hot}; score in operations per second (an operation is one object, or one timestamp).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HotLoopsJmh {

    @Param({"ENVELOPES", "EVENTS"})
    public String layout;

    private byte[] object;
    private byte[] envelopes;
    private List<byte[]> eventBytes;

    @Setup
    public void setup() {
        Random random = new Random(42);
        List<String> events = new ArrayList<>();
        for (int i = 0; i < Corpus.EVENTS_PER_OBJECT; i++) {
            events.add(Corpus.event(random, Instant.parse("2026-11-20T00:00:00Z").plusMillis(i)));
        }
        object = FirehoseFixtures.object(Layout.valueOf(layout), events);
        envelopes = FirehoseFixtures.object(Layout.ENVELOPES, events);
        eventBytes = new ArrayList<>();
        for (String e : events) {
            eventBytes.add(e.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Benchmark
    public long frame() throws IOException {
        return DecodeHotLoops.frame(object);
    }

    @Benchmark
    public long envelopesToMessages() throws IOException {
        return DecodeHotLoops.messages(envelopes);
    }

    /** The validator's check of an object's 500 events, as the decoder runs it. */
    @Benchmark
    public long validate() {
        return DecodeHotLoops.validate(eventBytes, true);
    }

    /** The same with Jackson's token stream only (how it was before the event scanner). */
    @Benchmark
    public long validateJackson() {
        return DecodeHotLoops.validate(eventBytes, false);
    }

    @Benchmark
    public long stageTimestamp() {
        return DecodeHotLoops.stageTimestamp("2026-11-20T10:15:30.123456Z");
    }
}
