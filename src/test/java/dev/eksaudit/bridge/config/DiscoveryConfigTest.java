package dev.eksaudit.bridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The discovery keys that cannot work fail at start with one line naming the key. */
class DiscoveryConfigTest {

    private static Map<String, String> base(String... more) {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("input.path", "s3://audit/eks/");
        map.put("falco.dry-run", "true");
        for (int i = 0; i < more.length; i += 2) {
            map.put(more[i], more[i + 1]);
        }
        return map;
    }

    @Test
    void defaultsAndACustomPrefixInAZoneAreAccepted() {
        BridgeConfig config = BridgeConfig.fromMap(base("input.path",
                "s3://audit/eks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/",
                "input.partition-timezone", "Asia/Kolkata"));
        assertThat(config.get(BridgeOptions.INPUT_LATE_LOOKBACK)).hasHours(25);
        assertThat(config.get(BridgeOptions.INPUT_LATE_DISCOVERY_INTERVAL)).hasMinutes(5);
        assertThat(config.get(BridgeOptions.INPUT_PARTITION_TIMEZONE)).isEqualTo("Asia/Kolkata");
    }

    @Test
    void aLookbackShorterThanFirehosesBufferPlusOneIntervalFails() {
        assertThatThrownBy(() -> BridgeConfig.fromMap(base("input.lookback", "15 min")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.lookback: must be at least 15 min 10 s (Firehose's longest buffer interval, 15 min, "
                        + "plus input.discovery-interval), got 15 min");
        // A bounded replay does not discover continuously: no constraint.
        BridgeConfig.fromMap(base("input.lookback", "15 min", "input.mode", "bounded"));
    }

    @Test
    void aLateLookbackShorterThanTheLookbackFails() {
        assertThatThrownBy(() -> BridgeConfig.fromMap(base("input.lookback", "6 h", "input.late-lookback", "5 h")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.late-lookback: must be at least input.lookback (6 h), got 5 h");
    }

    @Test
    void anUnknownZoneFailsNamingTheKey() {
        assertThatThrownBy(() -> BridgeConfig.fromMap(base("input.partition-timezone", "Mars/Olympus")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.partition-timezone: invalid value 'Mars/Olympus', expected a zone id such as UTC, "
                        + "Asia/Kolkata or America/New_York");
    }

    @Test
    void aPrefixThatCannotBeListedFailsNamingInputPath() {
        assertThatThrownBy(() -> BridgeConfig.fromMap(base("input.path", "s3://audit/eks/!{timestamp:yyyy-MM-dd-HH-mm}/")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("input.path: !{timestamp:yyyy-MM-dd-HH-mm} uses 'm', a unit finer than an hour");
        assertThatThrownBy(() -> BridgeConfig.fromMap(base("input.path", "s3://audit/!{firehose:random-string}/!{timestamp:yyyy}/")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("input.path: !{firehose:random-string} is not allowed");
        assertThatThrownBy(() -> BridgeConfig.fromMap(base("input.path", "http://audit/eks/!{timestamp:yyyy}/")))
                .isInstanceOf(ConfigException.class)
                // The item as written (InputPaths checks every item's scheme first), on one line.
                .hasMessageStartingWith("input.path: 'http://audit/eks/!{timestamp:yyyy}/' has scheme http; expected s3://")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> BridgeConfig.fromMap(base("input.path", "s3://audit/eks/!{timestamp:yyyy}/",
                        "input.partitioning", "none")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("input.path: !{timestamp:...} folders need input.partitioning firehose-hourly, not none");
    }
}
