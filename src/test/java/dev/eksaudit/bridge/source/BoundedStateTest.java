package dev.eksaudit.bridge.source;

import static dev.eksaudit.bridge.source.EnumeratorHarness.at;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The point of the custom enumerator (FLINK-25672): 5,000 objects over 48 simulated hours with a
 * 3 h lookback, and the checkpointed state holds exactly the window's objects the whole time,
 * while every object is read exactly once.
 */
class BoundedStateTest {

    static final int OBJECTS = 5_000;
    static final Duration STEP = Duration.ofMinutes(10);
    static final int STEPS = 48 * 6;

    @TempDir java.nio.file.Path dir;

    @Test
    void stateHoldsOnlyTheWindowsObjectsOver48Hours() throws Exception {
        LocalBucket bucket = new LocalBucket(dir);
        Instant start = at("2026-11-24T00:00:00Z");
        MutableClock clock = new MutableClock(start);
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, b -> b);

        Map<String, Long> hourOfKey = new HashMap<>();
        List<String> read = new ArrayList<>();
        List<Integer> trackedPerStep = new ArrayList<>();
        List<Integer> bytesPerStep = new ArrayList<>();
        List<Integer> listsPerStep = new ArrayList<>();
        int written = 0;
        for (int step = 0; step < STEPS; step++) {
            Instant now = clock.instant();
            int due = (int) ((long) (step + 1) * OBJECTS / STEPS) - written;
            for (int i = 0; i < due; i++) {
                // Every 7th object arrives late in the previous hour's folder (up to ~15 min late).
                boolean late = written % 7 == 0 && now.minus(Duration.ofMinutes(15)).isBefore(startOfHour(now));
                Instant folder = late ? now.minus(Duration.ofMinutes(15)) : now;
                String key = bucket.put(folder, now.plusSeconds(i));
                hourOfKey.put(key, HourFolders.hourOf(folder));
                written++;
            }
            listsPerStep.add(h.discover().size());
            read.addAll(h.read());

            DiscoveryState state = h.checkpoint();
            long windowStart = HourFolders.hourOf(now.minus(EnumeratorHarness.LOOKBACK));
            Set<String> expected = hourOfKey.entrySet().stream()
                    .filter(e -> e.getValue() >= windowStart)
                    .map(Map.Entry::getKey)
                    .collect(Collectors.toSet());
            assertThat(state.trackedKeys()).as("state at %s", now).isEqualTo(expected);
            assertThat(state.pendingSplits()).isEmpty();
            trackedPerStep.add(state.trackedObjects());
            bytesPerStep.add(h.checkpointBytes());
            clock.advance(STEP);
        }

        assertThat(written).isEqualTo(OBJECTS);
        assertThat(read).hasSize(OBJECTS).doesNotHaveDuplicates();
        assertThat(new HashSet<>(read)).isEqualTo(hourOfKey.keySet());

        // Flat: the second day's state is no bigger than the first day's (after the window filled).
        int firstDayMax = bytesPerStep.subList(6 * 6, 24 * 6).stream().max(Integer::compare).orElseThrow();
        int secondDayMax = bytesPerStep.subList(24 * 6, STEPS).stream().max(Integer::compare).orElseThrow();
        assertThat(secondDayMax).isLessThanOrEqualTo(firstDayMax + firstDayMax / 20);
        // At most 4 hour folders plus the late ones: ~105 objects an hour, never the 5,000 in the bucket.
        assertThat(trackedPerStep.stream().max(Integer::compare).orElseThrow()).isLessThanOrEqualTo(5 * 105);
        // LISTs per discovery: the window's hours (one more right after an hour boundary), whatever the history.
        assertThat(listsPerStep).containsOnly(4, 5);
        assertThat(listsPerStep.subList(42 * 6, 48 * 6)).isEqualTo(listsPerStep.subList(6 * 6, 12 * 6));
    }

    private static Instant startOfHour(Instant t) {
        return HourFolders.startOf(HourFolders.hourOf(t));
    }
}
