package dev.eksaudit.bridge.source;

import static dev.eksaudit.bridge.source.EnumeratorHarness.at;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.config.InputMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.Boundedness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code input.mode bounded}: replay the hour folders of a time range, then finish. */
class BoundedReplayTest {

    @TempDir java.nio.file.Path dir;
    LocalBucket bucket;
    MutableClock clock;
    List<String> inRange;

    @BeforeEach
    void history() throws Exception {
        bucket = new LocalBucket(dir);
        clock = new MutableClock(at("2026-11-26T15:20:00Z"));
        inRange = new ArrayList<>();
        for (Instant t = at("2026-11-19T00:10:00Z"); t.isBefore(at("2026-11-21T00:00:00Z")); t = t.plus(Duration.ofMinutes(30))) {
            String key = bucket.put(t);
            if (!t.isBefore(at("2026-11-20T00:00:00Z")) && t.isBefore(at("2026-11-20T06:00:00Z"))) {
                inRange.add(key);
            }
        }
        // Delivered late into the last hour of the range: it belongs to the range.
        inRange.add(bucket.put(at("2026-11-20T05:59:00Z"), at("2026-11-20T06:12:00Z")));
    }

    @Test
    void replaysExactlyTheRangeThenSignalsNoMoreSplits() throws Exception {
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, b -> b
                .setMode(InputMode.BOUNDED)
                .setStart(StartPosition.parse("2026-11-20T00:00:00Z"))
                .setEnd(at("2026-11-20T06:00:00Z")));
        assertThat(h.source.getBoundedness()).isEqualTo(Boundedness.BOUNDED);
        assertThat(h.lister.takeListed()).containsExactly("2026/11/20/00", "2026/11/20/01", "2026/11/20/02",
                "2026/11/20/03", "2026/11/20/04", "2026/11/20/05");
        h.context.registerReader(1);

        h.enumerator.handleSplitRequest(1, null);
        assertThat(h.context.hasNoMoreSplits(1)).isFalse();
        List<String> read = new ArrayList<>(h.read());
        read.add(0, bucket.keyOf(h.context.assignedTo(1).get(0)));

        assertThat(read).containsExactlyInAnyOrderElementsOf(inRange).doesNotHaveDuplicates();
        assertThat(h.context.assignmentOrder()).extracting(bucket::keyOf).isSorted();
        assertThat(h.context.hasNoMoreSplits(0)).isTrue();
        assertThat(h.context.hasNoMoreSplits(1)).isFalse();
        h.enumerator.handleSplitRequest(1, null);
        assertThat(h.context.hasNoMoreSplits(1)).isTrue();
    }

    @Test
    void aRestoredReplayContinuesWithoutListingAgain() throws Exception {
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, b -> b
                .setMode(InputMode.BOUNDED)
                .setStart(StartPosition.parse("2026-11-20T00:00:00Z"))
                .setEnd(at("2026-11-20T06:00:00Z")));
        for (int i = 0; i < 5; i++) {
            h.enumerator.handleSplitRequest(0, null);
        }
        List<String> first = h.context.assignedTo(0).stream().map(bucket::keyOf).toList();
        DiscoveryState checkpoint = h.checkpoint();
        assertThat(checkpoint.pendingSplits()).hasSize(inRange.size() - 5);

        EnumeratorHarness restored = EnumeratorHarness.start(bucket, clock, b -> b
                .setMode(InputMode.BOUNDED)
                .setStart(StartPosition.parse("2026-11-20T00:00:00Z"))
                .setEnd(at("2026-11-20T06:00:00Z")), checkpoint);
        assertThat(restored.lister.listRequests()).isZero();
        List<String> rest = restored.read();
        assertThat(restored.context.hasNoMoreSplits(0)).isTrue();
        List<String> all = new ArrayList<>(first);
        all.addAll(rest);
        assertThat(all).containsExactlyInAnyOrderElementsOf(inRange).doesNotHaveDuplicates();
    }

    @Test
    void earliestWithoutEndReplaysTheLookbackWindow() throws Exception {
        String old = bucket.put(at("2026-11-26T11:50:00Z"));
        String recent = bucket.put(at("2026-11-26T12:05:00Z"));
        String now = bucket.put(at("2026-11-26T15:19:00Z"));
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, b -> b.setMode(InputMode.BOUNDED));

        assertThat(h.read()).containsExactly(recent, now).doesNotContain(old);
        assertThat(h.context.hasNoMoreSplits(0)).isTrue();
    }
}
