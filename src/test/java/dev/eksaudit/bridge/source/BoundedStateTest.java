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
import org.apache.flink.metrics.Counter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The point of the custom enumerator (FLINK-25672), with late objects: 5,000 objects over 48
 * simulated hours with a 3 h lookback and a 25 h late lookback swept every 30 min, plus objects
 * Firehose delivers 5 h and 23 h late into their old hour folders. Every object is read exactly
 * once, the late ones are counted, and the checkpointed state holds exactly the late window's
 * objects the whole time.
 */
class BoundedStateTest {

    static final int OBJECTS = 5_000;
    static final Duration STEP = Duration.ofMinutes(10);
    static final int STEPS = 48 * 6;
    static final Duration LATE_LOOKBACK = Duration.ofHours(25);
    static final Duration LATE_INTERVAL = Duration.ofMinutes(30);

    @TempDir java.nio.file.Path dir;

    @Test
    void stateHoldsOnlyTheLateWindowsObjectsOver48HoursAndLateObjectsAreReadOnce() throws Exception {
        LocalBucket bucket = new LocalBucket(dir);
        Instant start = at("2026-11-24T00:00:00Z");
        MutableClock clock = new MutableClock(start);
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock,
                b -> b.setLateLookback(LATE_LOOKBACK).setLateDiscoveryInterval(LATE_INTERVAL));

        Map<String, Long> hourOfKey = new HashMap<>();
        List<String> read = new ArrayList<>();
        List<String> late = new ArrayList<>();
        Set<String> awaitingLateSweep = new HashSet<>();
        List<Integer> trackedPerStep = new ArrayList<>();
        List<Integer> bytesPerStep = new ArrayList<>();
        List<Integer> regularLists = new ArrayList<>();
        List<Integer> lateLists = new ArrayList<>();
        Instant lowWater = start.minus(EnumeratorHarness.LOOKBACK);
        int written = 0;
        for (int step = 0; step < STEPS; step++) {
            Instant now = clock.instant();
            int due = (int) ((long) (step + 1) * OBJECTS / STEPS) - written;
            for (int i = 0; i < due; i++) {
                // Every 7th object arrives late in the previous hour's folder (up to ~15 min late).
                boolean previousHour = written % 7 == 0 && now.minus(Duration.ofMinutes(15)).isBefore(startOfHour(now));
                Instant folder = previousHour ? now.minus(Duration.ofMinutes(15)) : now;
                String key = bucket.put(folder, now.plusSeconds(i));
                hourOfKey.put(key, HourFolders.hourOf(folder));
                written++;
            }
            // Every 6 h a delivery that Firehose retried for 5 h; from the second day one retried for 23 h.
            if (step >= 36 && step % 36 == 7) {
                late.add(putLate(bucket, hourOfKey, now, Duration.ofHours(5)));
                awaitingLateSweep.add(late.get(late.size() - 1));
            }
            if (step >= 24 * 6 && step % 36 == 25) {
                late.add(putLate(bucket, hourOfKey, now, Duration.ofHours(23)));
                awaitingLateSweep.add(late.get(late.size() - 1));
            }
            boolean lateSweep = step % 3 == 0; // every 30 min, the first discovery included
            List<String> listed = h.discover();
            (lateSweep ? lateLists : regularLists).add(listed.size());
            List<String> got = h.read();
            if (lateSweep) {
                assertThat(got).as("at %s", now).containsAll(awaitingLateSweep);
                awaitingLateSweep.clear();
            } else {
                assertThat(got).as("at %s", now).noneMatch(awaitingLateSweep::contains);
            }
            read.addAll(got);
            if (lateSweep && now.minus(LATE_LOOKBACK).isAfter(lowWater)) {
                lowWater = now.minus(LATE_LOOKBACK);
            }

            DiscoveryState state = h.checkpoint();
            long firstHour = HourFolders.hourOf(lowWater);
            Set<String> expected = hourOfKey.entrySet().stream()
                    .filter(e -> e.getValue() >= firstHour && !awaitingLateSweep.contains(e.getKey()))
                    .map(Map.Entry::getKey)
                    .collect(Collectors.toSet());
            assertThat(state.trackedKeys()).as("state at %s", now).isEqualTo(expected);
            assertThat(state.pendingSplits()).isEmpty();
            trackedPerStep.add(state.trackedObjects());
            bytesPerStep.add(h.checkpointBytes());
            clock.advance(STEP);
        }

        assertThat(written).isEqualTo(OBJECTS);
        assertThat(late).hasSize(7 + 4);
        assertThat(read).hasSize(OBJECTS + late.size()).doesNotHaveDuplicates().containsAll(late);
        assertThat(new HashSet<>(read)).isEqualTo(hourOfKey.keySet());
        assertThat(((Counter) h.context.metrics().get("lateObjects")).getCount()).isEqualTo(late.size());

        // Flat once the late window filled (after 28 h): the last 10 hours' state is no bigger than the 10 before.
        int before = bytesPerStep.subList(28 * 6, 38 * 6).stream().max(Integer::compare).orElseThrow();
        int after = bytesPerStep.subList(38 * 6, STEPS).stream().max(Integer::compare).orElseThrow();
        assertThat(after).isLessThanOrEqualTo(before + before / 20);
        // At most 27 hour folders of ~105 objects, never the 5,000 in the bucket.
        assertThat(trackedPerStep.stream().max(Integer::compare).orElseThrow()).isLessThanOrEqualTo(27 * 105 + late.size());
        // LISTs per discovery: the window's 4 hour folders, whatever the
        // history; a late sweep lists the late window's 26 or 27 once it has filled.
        assertThat(regularLists).containsOnly(4);
        assertThat(lateLists.subList(29 * 2, lateLists.size())).containsOnly(26, 27);
        System.out.printf("48 h: %d objects read, %d late; state at most %d objects, %d bytes%n", read.size(),
                late.size(), trackedPerStep.stream().max(Integer::compare).orElseThrow(),
                bytesPerStep.stream().max(Integer::compare).orElseThrow());
    }

    private static String putLate(LocalBucket bucket, Map<String, Long> hourOfKey, Instant now, Duration late)
            throws Exception {
        Instant folder = now.minus(late);
        String key = bucket.put(folder, now);
        hourOfKey.put(key, HourFolders.hourOf(folder));
        return key;
    }

    private static Instant startOfHour(Instant t) {
        return HourFolders.startOf(HourFolders.hourOf(t));
    }
}
