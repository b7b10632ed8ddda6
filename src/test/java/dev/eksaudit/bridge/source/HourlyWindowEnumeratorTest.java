package dev.eksaudit.bridge.source;

import static dev.eksaudit.bridge.source.EnumeratorHarness.at;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Continuous discovery over the hourly layout, driven by an injected clock. */
class HourlyWindowEnumeratorTest {

    /** 15:20 UTC: with a 3 h lookback the window is the hour folders 12, 13, 14 and 15. */
    static final Instant NOW = at("2026-11-26T15:20:00Z");
    static final List<String> WINDOW = List.of("2026/11/26/12", "2026/11/26/13", "2026/11/26/14", "2026/11/26/15");

    @TempDir java.nio.file.Path dir;
    LocalBucket bucket;
    MutableClock clock;

    @BeforeEach
    void setUp() {
        bucket = new LocalBucket(dir);
        clock = new MutableClock(NOW);
    }

    @Test
    void listsOnlyTheHourFoldersOfTheWindow() throws Exception {
        List<String> inWindow = new ArrayList<>();
        for (Instant t = at("2026-11-20T00:30:00Z"); t.isBefore(NOW); t = t.plus(Duration.ofHours(1))) {
            String key = bucket.put(t);
            if (!t.isBefore(at("2026-11-26T12:00:00Z"))) {
                inWindow.add(key);
            }
        }
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, b -> b);

        assertThat(h.discover()).containsExactlyElementsOf(WINDOW);
        assertThat(h.lister.listRequests()).isEqualTo(4);
        assertThat(h.read()).containsExactlyElementsOf(inWindow).hasSize(3);
    }

    @Test
    void aLateObjectInAWindowHourIsFoundOnce() throws Exception {
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, b -> b);
        assertThat(h.discoverAndRead()).isEmpty();

        // Firehose delivers into the 14:00 folder at 15:20:05 (buffering, retries).
        clock.advance(Duration.ofSeconds(10));
        String late = bucket.put(at("2026-11-26T14:59:00Z"), clock.instant());

        assertThat(h.discoverAndRead()).containsExactly(late);
        clock.advance(Duration.ofSeconds(10));
        assertThat(h.discoverAndRead()).isEmpty();
    }

    @Test
    void anHourOlderThanTheWindowIsListedOnlyByTheLateSweepAndALateObjectIsReadOnceAndCounted() throws Exception {
        String beforeStart = bucket.put(at("2026-11-26T11:59:00Z"), NOW);
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, b -> b);

        // The first discovery is a late sweep from the start (15:20 minus the 3 h lookback): 11 is
        // before the job's start and never listed.
        assertThat(h.discover()).containsExactlyElementsOf(WINDOW);
        assertThat(h.read()).doesNotContain(beforeStart).isEmpty();

        // 16:05:10, a regular discovery: the window 13:05 to 16:05. An object Firehose delivers now
        // into the 12:00 folder is not seen by it.
        clock.set(at("2026-11-26T16:05:00Z"));
        assertThat(h.discover()).first().isEqualTo("2026/11/26/12"); // the late sweep due since 15:25
        clock.advance(Duration.ofSeconds(10));
        String lateIn12 = bucket.put(at("2026-11-26T12:30:00Z"), clock.instant());
        assertThat(h.discover()).containsExactly("2026/11/26/13", "2026/11/26/14", "2026/11/26/15", "2026/11/26/16");
        assertThat(h.read()).isEmpty();
        assertThat(h.lateObjects()).isZero();

        // 16:10:05: the next late sweep (every 5 min) lists 12 again and reads it, once.
        clock.set(at("2026-11-26T16:10:05Z"));
        try (LogLines log = LogLines.of(HourlyWindowEnumerator.class)) {
            assertThat(h.discover()).containsExactly("2026/11/26/12", "2026/11/26/13", "2026/11/26/14",
                    "2026/11/26/15", "2026/11/26/16");
            assertThat(log.at(org.apache.logging.log4j.Level.INFO)).containsExactly("Late object "
                    + new org.apache.flink.core.fs.Path(bucket.root(), lateIn12) + ": found 3 h 10 min 5 s after its "
                    + "folder 2026/11/26/12 closed at 2026-11-26T13:00:00Z, 10 min 5 s after the folder left "
                    + "input.lookback (3 h); read now");
        }
        assertThat(h.read()).containsExactly(lateIn12);
        assertThat(h.lateObjects()).isEqualTo(1);
        clock.set(at("2026-11-26T16:16:00Z"));
        assertThat(h.discover()).first().isEqualTo("2026/11/26/12");
        assertThat(h.read()).isEmpty();
        assertThat(h.lateObjects()).isEqualTo(1);
    }

    @Test
    void listRequestsPerDiscoveryDoNotDependOnHistory() throws Exception {
        LocalBucket oneDay = new LocalBucket(dir.resolve("one-day"));
        LocalBucket thirtyDays = new LocalBucket(dir.resolve("thirty-days"));
        for (Instant t = NOW.minus(Duration.ofDays(30)); t.isBefore(NOW); t = t.plus(Duration.ofHours(1))) {
            thirtyDays.put(t);
            if (!t.isBefore(NOW.minus(Duration.ofDays(1)))) {
                oneDay.put(t);
            }
        }
        List<Long> perDiscoveryOneDay = listRequestsPerDiscovery(oneDay);
        List<Long> perDiscoveryThirtyDays = listRequestsPerDiscovery(thirtyDays);

        assertThat(perDiscoveryThirtyDays).isEqualTo(perDiscoveryOneDay).containsOnly(4L);
    }

    private List<Long> listRequestsPerDiscovery(LocalBucket b) throws Exception {
        MutableClock c = new MutableClock(NOW);
        EnumeratorHarness h = EnumeratorHarness.start(b, c, x -> x);
        List<Long> counts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long before = h.lister.listRequests();
            h.discoverAndRead();
            counts.add(h.lister.listRequests() - before);
            c.advance(Duration.ofMinutes(7));
        }
        return counts;
    }

    @Test
    void restoreAfterASixHourOutageReadsEveryMissedObjectExactlyOnce() throws Exception {
        List<String> beforeOutage = new ArrayList<>();
        for (Instant t = at("2026-11-26T12:10:00Z"); t.isBefore(NOW); t = t.plus(Duration.ofMinutes(20))) {
            beforeOutage.add(bucket.put(t));
        }
        EnumeratorHarness running = EnumeratorHarness.start(bucket, clock, b -> b);
        assertThat(running.discoverAndRead()).containsExactlyElementsOf(beforeOutage);

        // Written after the last discovery, before the checkpoint the job will restore from.
        clock.advance(Duration.ofSeconds(5));
        List<String> missed = new ArrayList<>();
        missed.add(bucket.put(clock.instant()));
        DiscoveryState checkpoint = running.checkpoint();

        // Down from 15:20 to 21:30: more than twice the lookback. Firehose keeps writing,
        // including objects that land late in an earlier hour folder.
        for (Instant t = at("2026-11-26T15:40:00Z"); t.isBefore(at("2026-11-26T21:30:00Z")); t = t.plus(Duration.ofMinutes(20))) {
            missed.add(bucket.put(t));
        }
        missed.add(bucket.put(at("2026-11-26T16:59:00Z"), at("2026-11-26T17:14:00Z")));
        clock.set(at("2026-11-26T21:30:00Z"));

        EnumeratorHarness restored = EnumeratorHarness.start(bucket, clock, b -> b, checkpoint);
        List<String> listed = restored.discover();
        assertThat(listed).first().isEqualTo("2026/11/26/12");
        assertThat(listed).last().isEqualTo("2026/11/26/21");
        assertThat(restored.read()).containsExactlyInAnyOrderElementsOf(missed).doesNotContainAnyElementsOf(beforeOutage);

        // Back to normal: the window is the lookback again, and nothing is read twice.
        clock.advance(Duration.ofSeconds(10));
        assertThat(restored.discover()).containsExactly("2026/11/26/18", "2026/11/26/19", "2026/11/26/20", "2026/11/26/21");
        assertThat(restored.read()).isEmpty();
    }

    @Test
    void latestReadsOnlyObjectsThatAppearAfterStart() throws Exception {
        bucket.put(at("2026-11-26T13:10:00Z"));
        bucket.put(at("2026-11-26T15:10:00Z"));
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, b -> b.setStart(StartPosition.latest()));
        assertThat(h.discoverAndRead()).isEmpty();

        clock.advance(Duration.ofSeconds(10));
        String fresh = bucket.put(clock.instant());
        String lateIntoAnEarlierHour = bucket.put(at("2026-11-26T14:58:00Z"), clock.instant());
        assertThat(h.discoverAndRead()).containsExactly(lateIntoAnEarlierHour, fresh);
    }

    @Test
    void anIsoStartInstantReadsFromItsHourFolderOn() throws Exception {
        bucket.put(at("2026-11-25T09:50:00Z"));
        String sameHourBeforeInstant = bucket.put(at("2026-11-25T10:05:00Z"));
        String afterInstant = bucket.put(at("2026-11-25T22:00:00Z"));
        String inWindow = bucket.put(at("2026-11-26T15:00:00Z"));
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock,
                b -> b.setStart(StartPosition.parse("2026-11-25T10:30:00Z")));

        List<String> listed = h.discover();
        assertThat(listed).hasSize(30).first().isEqualTo("2026/11/25/10");
        assertThat(h.read()).containsExactly(sameHourBeforeInstant, afterInstant, inWindow);

        clock.advance(Duration.ofSeconds(10));
        assertThat(h.discover()).containsExactlyElementsOf(WINDOW);
    }

    @Test
    void objectsAreAssignedOldestFirstByHourThenKey() throws Exception {
        String h15b = bucket.putKey("2026/11/26/15/b");
        String h13z = bucket.putKey("2026/11/26/13/z");
        String h15a = bucket.putKey("2026/11/26/15/a");
        String h12y = bucket.putKey("2026/11/26/12/y");
        String h14x = bucket.putKey("2026/11/26/14/x");
        String h13a = bucket.putKey("2026/11/26/13/a");
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, b -> b);
        h.context.registerReader(1);
        h.discover();

        // Two readers asking in turn get the oldest pending object each time.
        for (int i = 0; i < 3; i++) {
            h.enumerator.handleSplitRequest(0, null);
            h.enumerator.handleSplitRequest(1, null);
        }
        assertThat(h.context.assignmentOrder()).extracting(bucket::keyOf)
                .containsExactly(h12y, h13a, h13z, h14x, h15a, h15b);
    }

    @Test
    void aMissingPrefixIsNoErrorAndObjectsAreFoundOnceTheyAppear() throws Exception {
        LocalBucket empty = new LocalBucket(dir.resolve("not-created-yet"));
        EnumeratorHarness h = EnumeratorHarness.start(empty, clock, b -> b);
        assertThat(h.discover()).containsExactlyElementsOf(WINDOW);
        assertThat(h.read()).isEmpty();

        clock.advance(Duration.ofSeconds(10));
        String first = empty.put(clock.instant());
        // The reader that asked while nothing was there gets the object as soon as it is found.
        h.discover();
        assertThat(h.context.assignedTo(0)).extracting(empty::keyOf).containsExactly(first);
    }

    @Test
    void aFailedListingIsRetriedAndSkipsNothing() throws Exception {
        String object = bucket.put(at("2026-11-26T12:40:00Z"));
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, b -> b);
        h.lister.failNext(1);
        assertThat(h.discoverAndRead()).isEmpty();

        // Next discovery past 16:00: the window would start at 13:00, but no listing succeeded yet.
        clock.set(at("2026-11-26T16:10:00Z"));
        assertThat(h.discover()).first().isEqualTo("2026/11/26/12");
        assertThat(h.read()).containsExactly(object);
    }

    @Test
    void splitsOfAFailedReaderAreReadAgainAndSurviveACheckpoint() throws Exception {
        String a = bucket.put(at("2026-11-26T13:00:00Z"));
        String b = bucket.put(at("2026-11-26T14:00:00Z"));
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, x -> x);
        h.discover();
        h.enumerator.handleSplitRequest(0, null);
        assertThat(h.context.assignedTo(0)).extracting(bucket::keyOf).containsExactly(a);

        h.enumerator.addSplitsBack(List.copyOf(h.context.assignedTo(0)), 0);
        DiscoveryState checkpoint = h.checkpoint();
        assertThat(checkpoint.pendingSplits()).extracting(bucket::keyOf).containsExactly(a, b);

        EnumeratorHarness restored = EnumeratorHarness.start(bucket, clock, x -> x, checkpoint);
        clock.advance(Duration.ofSeconds(10));
        assertThat(restored.discoverAndRead()).containsExactly(a, b);
    }

    @Test
    void noPartitioningListsRecursivelyAndKeepsEveryPath() throws Exception {
        String flat = bucket.putKey("flat-object");
        String nested = bucket.putKey("some/custom/prefix/object.gz");
        String hourly = bucket.putKey("2020/01/01/00/very-old");
        bucket.putKey("processing-failed/2026/11/26/15/failed");
        bucket.putKey("_temporary/part");
        bucket.putKey("some/.hidden");
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, b -> b.setPartitioning(Partitioning.NONE));

        assertThat(h.discover()).doesNotContain("processing-failed", "_temporary");
        assertThat(h.read()).containsExactlyInAnyOrder(flat, nested, hourly);

        clock.advance(Duration.ofDays(2));
        String later = bucket.putKey("some/later");
        assertThat(h.discoverAndRead()).containsExactly(later);
        assertThat(h.checkpoint().trackedKeys()).containsExactlyInAnyOrder(flat, nested, hourly, later);
    }

    @Test
    void publishesListRequestsAndTrackedObjectsMetrics() throws Exception {
        bucket.put(at("2026-11-26T13:00:00Z"));
        bucket.put(at("2026-11-26T15:00:00Z"));
        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, b -> b);
        h.discover();

        assertThat(h.context.periodMillis()).isEqualTo(10_000);
        assertThat(((Counter) h.context.metrics().get("listRequests")).getCount()).isEqualTo(4);
        assertThat(((Gauge<?>) h.context.metrics().get("trackedObjects")).getValue()).isEqualTo(2L);
        assertThat(((Gauge<?>) h.context.metrics().get("unassignedSplits")).getValue()).isEqualTo(2L);
        assertThat(((Counter) h.context.metrics().get("lateObjects")).getCount()).isZero();
    }
}
