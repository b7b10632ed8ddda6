package dev.eksaudit.bridge.source;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock the test moves by hand: simulated days pass in microseconds. Safe to read from the
 * enumerator's thread while the test moves it, and serializable for a source a MiniCluster runs:
 * the copy Flink deserializes in this JVM (the JobManager's) is this clock, so moving it here moves
 * the job's time.
 */
final class MutableClock extends Clock implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Clocks that were serialized, by id, so their copies resolve to them. */
    private static final Map<Long, MutableClock> SERIALIZED = new ConcurrentHashMap<>();
    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final AtomicReference<Instant> now;
    /** How far every reading moves the clock; zero for a clock that moves only by hand. */
    private final Duration tick;

    MutableClock(Instant start) {
        this(start, Duration.ZERO);
    }

    private MutableClock(Instant start, Duration tick) {
        this.now = new AtomicReference<>(start);
        this.tick = tick;
    }

    /** A clock that reads {@code start}, then one {@code step} later at every further reading. */
    static MutableClock ticking(Instant start, Duration step) {
        return new MutableClock(start, step);
    }

    void advance(Duration d) {
        now.updateAndGet(t -> t.plus(d));
    }

    void set(Instant instant) {
        now.set(instant);
    }

    @Override
    public Instant instant() {
        return now.getAndUpdate(t -> t.plus(tick));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        SERIALIZED.put(id, this);
        out.defaultWriteObject();
    }

    private Object readResolve() {
        return SERIALIZED.getOrDefault(id, this);
    }
}
