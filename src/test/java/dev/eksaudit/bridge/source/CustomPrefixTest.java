package dev.eksaudit.bridge.source;

import static dev.eksaudit.bridge.source.EnumeratorHarness.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * input.path as the delivery stream's custom S3 prefix, evaluated in input.partition-timezone:
 * discovery lists exactly the folders Firehose writes for the window, and reads exactly their
 * objects. The expected folders are written out by hand, not computed.
 */
class CustomPrefixTest {

    static final String HIVE = "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/";

    @TempDir java.nio.file.Path dir;
    LocalBucket bucket;

    @BeforeEach
    void setUp() {
        bucket = new LocalBucket(dir);
    }

    /** A start at {@code now} with the Hive-style prefix in {@code zone}; late sweeps every hour (the first one now). */
    private EnumeratorHarness start(String zone, String now) throws Exception {
        return EnumeratorHarness.start(bucket, bucket.root() + "/" + HIVE, new MutableClock(at(now)),
                b -> b.setPartitionTimeZone(ZoneId.of(zone)).setLateDiscoveryInterval(Duration.ofHours(1)), null);
    }

    @Test
    void hiveStyleInUtc() throws Exception {
        String a = bucket.putKey("year=2026/month=11/day=26/hour=12/eks-audit-1-2026-11-26-12-30-00-a");
        String b = bucket.putKey("year=2026/month=11/day=26/hour=15/eks-audit-1-2026-11-26-15-10-00-b");
        bucket.putKey("year=2026/month=11/day=26/hour=11/eks-audit-1-2026-11-26-11-59-00-before-start");
        bucket.putKey("2026/11/26/14/eks-audit-1-2026-11-26-14-00-00-default-layout");
        EnumeratorHarness h = start("UTC", "2026-11-26T15:20:00Z");

        assertThat(h.discover()).containsExactly("year=2026/month=11/day=26/hour=12", "year=2026/month=11/day=26/hour=13",
                "year=2026/month=11/day=26/hour=14", "year=2026/month=11/day=26/hour=15");
        assertThat(h.read()).containsExactly(a, b);
    }

    /** UTC+05:30: 12:20-15:20 UTC is 17:50-20:50 in Kolkata; one UTC hour touches two local folders. */
    @Test
    void aHalfHourZoneListsTheLocalFoldersTheUtcWindowTouches() throws Exception {
        String at1750 = bucket.putKey("year=2026/month=11/day=26/hour=17/eks-audit-1-2026-11-26-12-25-00-a");
        String at2045 = bucket.putKey("year=2026/month=11/day=26/hour=20/eks-audit-1-2026-11-26-15-15-00-b");
        bucket.putKey("year=2026/month=11/day=26/hour=12/eks-audit-1-2026-11-26-12-30-00-utc-folder");
        bucket.putKey("year=2026/month=11/day=26/hour=21/eks-audit-1-future");
        EnumeratorHarness h = start("Asia/Kolkata", "2026-11-26T15:20:00Z");

        assertThat(h.discover()).containsExactly("year=2026/month=11/day=26/hour=17", "year=2026/month=11/day=26/hour=18",
                "year=2026/month=11/day=26/hour=19", "year=2026/month=11/day=26/hour=20");
        assertThat(h.read()).containsExactly(at1750, at2045);

        // 15:31 UTC is 21:01 in Kolkata: folder 21 opened half-way through the UTC hour; 17 left the window.
        h.clock.set(at("2026-11-26T15:31:00Z"));
        String at2101 = bucket.putKey("year=2026/month=11/day=26/hour=21/eks-audit-1-2026-11-26-15-31-00-c");
        assertThat(h.discover()).containsExactly("year=2026/month=11/day=26/hour=18", "year=2026/month=11/day=26/hour=19",
                "year=2026/month=11/day=26/hour=20", "year=2026/month=11/day=26/hour=21");
        assertThat(h.read()).containsExactlyInAnyOrder(at2101, "year=2026/month=11/day=26/hour=21/eks-audit-1-future");
    }

    /**
     * New York falls back on 2026-11-01 at 06:00 UTC: 01:00-02:00 EDT and 01:00-02:00 EST are both
     * folder hour=01, two UTC hours in one folder, listed once.
     */
    @Test
    void aDaylightSavingFallBackListsTheRepeatedLocalHourOnce() throws Exception {
        String edt = bucket.putKey("year=2026/month=11/day=01/hour=01/eks-audit-1-2026-11-01-05-30-00-edt");
        String est = bucket.putKey("year=2026/month=11/day=01/hour=01/eks-audit-1-2026-11-01-06-30-00-est");
        String late = bucket.putKey("year=2026/month=11/day=01/hour=02/eks-audit-1-2026-11-01-07-10-00-c");
        bucket.putKey("year=2026/month=10/day=31/hour=23/eks-audit-1-2026-11-01-03-59-00-before");
        EnumeratorHarness h = start("America/New_York", "2026-11-01T07:30:00Z");

        // 04:30-07:30 UTC: 00:30 EDT to 02:30 EST.
        assertThat(h.discover()).containsExactly("year=2026/month=11/day=01/hour=00", "year=2026/month=11/day=01/hour=01",
                "year=2026/month=11/day=01/hour=02");
        assertThat(h.read()).containsExactly(edt, est, late);
    }

    /** Berlin springs forward on 2026-03-29 at 01:00 UTC: 02:00 local never exists, and is never listed. */
    @Test
    void aDaylightSavingSpringForwardSkipsTheMissingLocalHour() throws Exception {
        String cet = bucket.putKey("year=2026/month=03/day=29/hour=01/eks-audit-1-2026-03-29-00-30-00-cet");
        String cest = bucket.putKey("year=2026/month=03/day=29/hour=03/eks-audit-1-2026-03-29-01-10-00-cest");
        EnumeratorHarness h = start("Europe/Berlin", "2026-03-29T02:20:00Z");

        // 23:20-02:20 UTC: 00:20 CET to 04:20 CEST.
        assertThat(h.discover()).containsExactly("year=2026/month=03/day=29/hour=00", "year=2026/month=03/day=29/hour=01",
                "year=2026/month=03/day=29/hour=03", "year=2026/month=03/day=29/hour=04");
        assertThat(h.read()).containsExactly(cet, cest);
    }

    @Test
    void aPathWithoutExpressionsKeepsTheDefaultFoldersInTheGivenZone() {
        FirehosePrefix prefix = FirehosePrefix.parse("s3://audit/eks", ZoneId.of("Asia/Kolkata"));
        assertThat(prefix.base()).hasToString("s3://audit/eks");
        assertThat(prefix.folder(prefix.folderOf(at("2026-11-26T15:20:00Z")))).hasToString("s3://audit/eks/2026/11/26/20");
        assertThat(FirehosePrefix.parse("s3://audit/eks/", ZoneId.of("UTC")).folderOf(at("2026-11-26T15:20:00Z")))
                .isEqualTo("2026/11/26/15");
    }

    @Test
    void aPatternThatCannotBeListedFailsNamingInputPath() {
        ZoneId utc = ZoneId.of("UTC");
        assertThatThrownBy(() -> FirehosePrefix.parse("s3://b/eks/!{timestamp:yyyy/MM/dd/HH/mm}/", utc))
                .hasMessage("input.path: !{timestamp:yyyy/MM/dd/HH/mm} uses 'm', a unit finer than an hour; only "
                        + "folders of an hour or coarser are supported (y, M, d, H, ...)");
        assertThatThrownBy(() -> FirehosePrefix.parse("s3://b/eks/!{timestamp:yyyy}/!{firehose:random-string}/", utc))
                .hasMessageStartingWith("input.path: !{firehose:random-string} is not allowed: Firehose fills it with a "
                        + "random string or an error type, so the folders to list cannot be computed");
        assertThatThrownBy(() -> FirehosePrefix.parse("s3://b/!{partitionKeyFromQuery:cluster}/!{timestamp:yyyy}/", utc))
                .hasMessageStartingWith("input.path: !{partitionKeyFromQuery:cluster} is not allowed: dynamic partition keys");
        assertThatThrownBy(() -> FirehosePrefix.parse("s3://b/eks/!{timestamp:yyyy-MM-dd-HH}", utc))
                .hasMessageStartingWith("input.path: must end with '/' after the last !{timestamp:...} folder");
        assertThatThrownBy(() -> FirehosePrefix.parse("s3://b/eks/!{timestamp:yyyy/", utc))
                .hasMessageStartingWith("input.path: an expression is not closed");
        assertThatThrownBy(() -> FirehosePrefix.parse("s3://b/eks/!{timestamp:yyyy{{}/", utc))
                .hasMessageStartingWith("input.path: !{timestamp:yyyy{{} is not a valid DateTimeFormatter pattern");
        // Quoted letters are text, not units: 'm' in a literal is fine.
        assertThat(FirehosePrefix.parse("s3://b/eks/!{timestamp:'m'yyyy}/", utc).folderOf(at("2026-11-26T15:20:00Z")))
                .isEqualTo("m2026");
    }

    /**
     * A prefix or zone that does not match the delivery stream reads nothing; after a whole
     * lookback without an object where expected, one extra LIST of the base shows it holds
     * objects, and one WARN names both keys (not again within the next lookback).
     */
    @Test
    void aPathWithObjectsButNoneWhereExpectedWarnsOncePerLookback() throws Exception {
        bucket.putKey("2026/11/26/14/eks-audit-1-2026-11-26-14-00-00-default-layout");
        try (LogLines log = LogLines.of(HourlyWindowEnumerator.class)) {
            EnumeratorHarness h = start("UTC", "2026-11-26T15:20:00Z");
            assertThat(h.discoverAndRead()).isEmpty();
            h.clock.set(at("2026-11-26T18:19:00Z"));
            assertThat(h.discover()).doesNotContain(base()); // the base is not listed before a whole lookback passed
            assertThat(log.at(Level.WARN)).isEmpty();

            h.clock.set(at("2026-11-26T18:20:00Z"));
            List<String> listed = h.discover();
            assertThat(listed).containsOnlyOnce(base());
            assertThat(log.at(Level.WARN)).hasSize(1);
            assertThat(log.at(Level.WARN).get(0))
                    .startsWith("No object arrived in the folders input.path expects for the last 3 h")
                    .contains("2026/")
                    .endsWith("Check input.path and input.partition-timezone against the delivery stream's S3 prefix "
                            + "and its time zone.");

            h.clock.advance(Duration.ofHours(1));
            assertThat(h.discover()).doesNotContain(base());
            assertThat(log.at(Level.WARN)).hasSize(1);
            assertThat(h.read()).isEmpty();
        }
    }

    /** How the recording lister names the base (the root itself). */
    private String base() {
        return FirehosePrefix.parse(bucket.root() + "/" + HIVE, ZoneId.of("UTC")).base().toString();
    }

    @Test
    void noWarningWhileObjectsArriveWhereExpected() throws Exception {
        try (LogLines log = LogLines.of(HourlyWindowEnumerator.class)) {
            EnumeratorHarness h = start("UTC", "2026-11-26T15:20:00Z");
            for (int i = 0; i < 8; i++) {
                bucket.putKey("year=2026/month=11/day=26/hour=" + (15 + i / 2) + "/eks-audit-1-" + i);
                assertThat(h.discover()).doesNotContain(base());
                h.clock.advance(Duration.ofMinutes(30));
            }
            assertThat(h.read()).hasSize(8);
            assertThat(log.at(Level.WARN)).isEmpty();
        }
    }
}
