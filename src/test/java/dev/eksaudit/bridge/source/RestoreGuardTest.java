package dev.eksaudit.bridge.source;

import static dev.eksaudit.bridge.source.EnumeratorHarness.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eksaudit.bridge.config.ConfigException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint records each input path with its partitioning, folder pattern and time zone; a
 * restore with another one stops at start with one line naming the key, both values and what to
 * do, instead of matching no name and reading everything under the path again.
 */
class RestoreGuardTest {

    static final Instant NOW = at("2026-11-26T15:20:00Z");
    static final String HIVE = "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/";

    @TempDir java.nio.file.Path dir;
    LocalBucket bucket;
    MutableClock clock;

    @BeforeEach
    void setUp() {
        bucket = new LocalBucket(dir.resolve("a"));
        clock = new MutableClock(NOW);
    }

    @Test
    void anotherPathFailsNamingInputPathAndBothValues() throws Exception {
        bucket.put(at("2026-11-26T14:00:00Z"));
        DiscoveryState checkpoint = EnumeratorHarness.start(bucket, clock, b -> b).checkpoint();
        LocalBucket other = new LocalBucket(dir.resolve("b"));

        assertThatThrownBy(() -> EnumeratorHarness.start(other, clock, b -> b, checkpoint))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.path: the savepoint was taken reading " + bucket.root() + ", this job is given "
                        + other.root() + "; keep input.path " + bucket.root() + ", or start without the savepoint "
                        + "and with input.start=<instant> (e.g. when the old path stopped) to read the new one");
    }

    @Test
    void anotherFolderPatternBelowTheSameBaseFailsNamingInputPath() throws Exception {
        DiscoveryState checkpoint = EnumeratorHarness.start(bucket, clock, b -> b).checkpoint();

        assertThatThrownBy(() -> EnumeratorHarness.start(bucket, bucket.root() + "/" + HIVE, clock, b -> b, checkpoint))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("input.path: the savepoint was taken reading " + bucket.root() + ", this job is given "
                        + bucket.root() + "/" + HIVE + ";")
                .hasMessageNotContaining("\n");
    }

    @Test
    void changedPartitioningFailsNamingInputPartitioningInBothDirections() throws Exception {
        bucket.put(at("2026-11-26T14:00:00Z"));
        DiscoveryState hourly = EnumeratorHarness.start(bucket, clock, b -> b).checkpoint();
        DiscoveryState flat = EnumeratorHarness.start(bucket, clock, b -> b.setPartitioning(Partitioning.NONE)).checkpoint();

        assertThatThrownBy(() -> EnumeratorHarness.start(bucket, clock, b -> b.setPartitioning(Partitioning.NONE), hourly))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.partitioning: the savepoint was taken with firehose-hourly, this job is given none; "
                        + "keep input.partitioning firehose-hourly, or start without the savepoint and with "
                        + "input.start=<instant> (its names match nothing in the other layout: everything would be read again)");
        assertThatThrownBy(() -> EnumeratorHarness.start(bucket, clock, b -> b, flat))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("input.partitioning: the savepoint was taken with none, this job is given "
                        + "firehose-hourly; keep input.partitioning none,");
    }

    @Test
    void changedTimeZoneFailsNamingInputPartitionTimezone() throws Exception {
        DiscoveryState checkpoint = EnumeratorHarness.start(bucket, clock, b -> b).checkpoint();

        assertThatThrownBy(() -> EnumeratorHarness.start(bucket, clock,
                        b -> b.setPartitionTimeZone(ZoneId.of("Europe/Berlin")), checkpoint))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.partition-timezone: the savepoint was taken with UTC, this job is given Europe/Berlin; "
                        + "keep input.partition-timezone UTC, or start without the savepoint and with "
                        + "input.start=<instant> (other folders would be listed from the old mark)");
        // The same zone under another name is the same zone.
        EnumeratorHarness.start(bucket, clock, b -> b.setPartitionTimeZone(ZoneId.of("Z")), checkpoint);
    }

    @Test
    void theSamePathWithOrWithoutATrailingSlashRestores() throws Exception {
        String old = bucket.put(at("2026-11-26T14:00:00Z"));
        EnumeratorHarness first = EnumeratorHarness.start(bucket, clock, b -> b);
        assertThat(first.discoverAndRead()).containsExactly(old);
        DiscoveryState checkpoint = first.checkpoint();

        clock.advance(Duration.ofSeconds(10));
        String fresh = bucket.put(clock.instant());
        EnumeratorHarness restored = EnumeratorHarness.start(bucket, bucket.root() + "/", clock, b -> b, checkpoint);
        assertThat(restored.discoverAndRead()).containsExactly(fresh);
    }

    /** The version-1 resource (its names are in 2026/11/26/12 and 13) continues where it left off. */
    @Test
    void aVersion1CheckpointRestoresIntoTheDefaultLayoutAndReadsNothingTwice() throws Exception {
        String a = bucket.putKey("2026/11/26/12/eks-audit-1-2026-11-26-12-04-05-0f8e8a4c-6a8e-4b8e-9c61-3f1c2d7e9a10");
        String b = bucket.putKey("2026/11/26/12/eks-audit-1-2026-11-26-12-19-44-5b2d0c1e-7f3a-4c8d-a1e2-9d8c7b6a5f40");
        String c = bucket.putKey("2026/11/26/13/eks-audit-1-2026-11-26-13-00-12-c3d4e5f6-0a1b-4c2d-8e9f-a0b1c2d3e4f5.gz");
        String fresh = bucket.put(at("2026-11-26T13:30:00Z"));
        DiscoveryState v1 = version1("v1-firehose-hourly.bin");

        EnumeratorHarness h = EnumeratorHarness.start(bucket, clock, x -> x, v1);
        assertThat(h.discover()).containsExactlyElementsOf(HourlyWindowEnumeratorTest.WINDOW);
        // The two splits pending in the old state (objects on s3://audit/eks/), then the one new object.
        assertThat(h.read()).containsExactlyInAnyOrder(
                "s3://audit/eks/2026/11/26/13/eks-audit-1-2026-11-26-13-00-12-c3d4e5f6-0a1b-4c2d-8e9f-a0b1c2d3e4f5.gz",
                fresh,
                "s3://audit/eks/2026/11/26/14/eks-audit-1-2026-11-26-14-10-00-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")
                .doesNotContain(a, b, c);
        assertThat(h.checkpoint().paths()).containsOnlyKeys(bucket.root().toString());
    }

    @Test
    void aVersion1CheckpointRefusesACustomPrefixAndAnotherPartitioning() throws Exception {
        DiscoveryState hourly = version1("v1-firehose-hourly.bin");
        DiscoveryState flat = version1("v1-partitioning-none.bin");

        assertThatThrownBy(() -> EnumeratorHarness.start(bucket, bucket.root() + "/" + HIVE, clock, b -> b, hourly))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.path: the savepoint was taken with the folders " + FirehosePrefix.DEFAULT_PATTERN
                        + " below the path, this job is given " + bucket.root() + "/" + HIVE + " (folders " + HIVE
                        + "); keep the old folders, or start without the savepoint and with input.start=<instant>");
        assertThatThrownBy(() -> EnumeratorHarness.start(bucket, clock, b -> b, flat))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("input.partitioning: the savepoint was taken with none, this job is given firehose-hourly;");
    }

    private static DiscoveryState version1(String name) throws Exception {
        try (InputStream in = RestoreGuardTest.class.getResourceAsStream("/discovery-state/" + name)) {
            return new DiscoveryStateSerializer().deserialize(1, in.readAllBytes());
        }
    }
}
