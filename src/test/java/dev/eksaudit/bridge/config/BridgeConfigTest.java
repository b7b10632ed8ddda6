package dev.eksaudit.bridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BridgeConfigTest {

    private static final String[] MINIMAL = {"--input.path", "s3://audit/eks/", "--falco.url", "http://falco:9765/k8s-audit"};

    @Test
    void defaultsMatchTheDocumentedContract() {
        BridgeConfig c = BridgeConfig.fromArgs(MINIMAL);
        assertThat(c.inputPath()).isEqualTo("s3://audit/eks/");
        assertThat(c.inputMode()).isEqualTo(InputMode.CONTINUOUS);
        assertThat(c.get(BridgeOptions.INPUT_DISCOVERY_INTERVAL)).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.dedupTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(c.get(BridgeOptions.DECODE_LOG_STREAM_PREFIX)).isEqualTo("kube-apiserver-audit-");
        assertThat(c.get(BridgeOptions.FALCO_DRY_RUN)).isFalse();
        assertThat(c.bytes(BridgeOptions.FALCO_MAX_EVENT_BYTES)).isEqualTo(262_144);
        assertThat(c.bytes(BridgeOptions.FALCO_MAX_BODY_BYTES)).isEqualTo(12_582_912);
        assertThat(c.bytes(BridgeOptions.FALCO_BATCH_MAX_BYTES)).isEqualTo(4 * 1024 * 1024);
        assertThat(c.get(BridgeOptions.FALCO_BATCH_MAX_EVENTS)).isEqualTo(500);
        assertThat(c.get(BridgeOptions.FALCO_MAX_IN_FLIGHT)).isEqualTo(4);
        assertThat(c.falcoUrls()).containsExactly(URI.create("http://falco:9765/k8s-audit"));
        assertThat(c.getOptional(BridgeOptions.DLQ_PATH)).isEmpty();
        assertThat(c.get(BridgeOptions.INPUT_LOOKBACK)).isEqualTo(Duration.ofHours(3));
        assertThat(c.get(BridgeOptions.INPUT_PARTITIONING)).isEqualTo("firehose-hourly");
        assertThat(c.get(BridgeOptions.INPUT_START)).isEqualTo("earliest");
        assertThat(c.getOptional(BridgeOptions.INPUT_END)).isEmpty();
    }

    @Test
    void boundedReplayTakesAStartAndAnEnd() {
        BridgeConfig c = BridgeConfig.fromArgs("--input.path", "s3://a/b/", "--falco.dry-run", "true",
                "--input.mode", "bounded", "--input.start", "2026-11-20T00:00:00Z", "--input.end", "2026-11-21T00:00:00Z");
        assertThat(c.get(BridgeOptions.INPUT_END)).isEqualTo("2026-11-21T00:00:00Z");
        assertThatThrownBy(() -> BridgeConfig.fromArgs("--input.path", "s3://a/b/", "--falco.dry-run", "true",
                "--input.mode", "bounded", "--input.start", "2026-11-21T00:00:00Z", "--input.end", "2026-11-20T00:00:00Z"))
                .hasMessage("input.end: must be after input.start (2026-11-21T00:00:00Z)");
    }

    @Test
    void parsesFlinkStyleValues() {
        BridgeConfig c = BridgeConfig.fromArgs("--input.path", "file:///data/audit/", "--input.mode", "bounded",
                "--input.discovery-interval", "2 s", "--dedup.ttl", "90 min", "--falco.dry-run", "true",
                "--falco.batch.max-bytes", "1 mb", "--falco.url", "http://a:1/k8s-audit, https://b:2/k8s-audit");
        assertThat(c.inputMode()).isEqualTo(InputMode.BOUNDED);
        assertThat(c.get(BridgeOptions.INPUT_DISCOVERY_INTERVAL)).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.dedupTtl()).isEqualTo(Duration.ofMinutes(90));
        assertThat(c.bytes(BridgeOptions.FALCO_BATCH_MAX_BYTES)).isEqualTo(1024 * 1024);
        assertThat(c.falcoUrls()).isEqualTo(List.of(URI.create("http://a:1/k8s-audit"), URI.create("https://b:2/k8s-audit")));
    }

    @Test
    void dryRunNeedsNoFalcoUrl() {
        BridgeConfig c = BridgeConfig.fromArgs("--input.path", "file:///x/", "--falco.dry-run", "true");
        assertThat(c.falcoUrls()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "missing input.path|--falco.url|http://f:9765/k8s-audit|input.path: required",
        "bad scheme|--input.path|ftp://x/|input.path: 'ftp://x/' has scheme ftp; expected s3://bucket/prefix/ or file:///abs/dir/",
        "bad mode|--input.mode|sometimes|input.mode: invalid value 'sometimes', expected one of continuous, bounded",
        "bad duration|--dedup.ttl|forever|dedup.ttl: invalid value 'forever', expected a duration such as '200 ms', '10 s' or '1 h'",
        "zero duration|--input.discovery-interval|0 s|input.discovery-interval: must be a positive duration",
        "bad boolean|--falco.dry-run|yes please|falco.dry-run: invalid value 'yes please', expected true or false",
        "unknown key|--falco.ulr|http://f:9765/|Unknown option 'falco.ulr'",
        "batch over body|--falco.batch.max-bytes|20 mb|falco.batch.max-bytes: must be between 1 byte and falco.max-body-bytes",
        "bad url|--falco.url|falco:9765|falco.url: 'falco:9765' has scheme falco; expected http(s)://host:port/path",
        "bad partitioning|--input.partitioning|daily|input.partitioning: invalid value 'daily', expected one of firehose-hourly, none",
        "bad start|--input.start|yesterday|input.start: invalid value 'yesterday', expected earliest, latest or an ISO-8601 instant",
        "end without bounded|--input.end|2026-11-21T00:00:00Z|input.end: only allowed with input.mode bounded",
        "no in-flight|--falco.max-in-flight|0|falco.max-in-flight: must be at least 1, got 0",
        "zero missing-object timeout|--input.missing-object-timeout|0 s|input.missing-object-timeout: must be a positive duration",
        "zero denied timeout|--input.denied-timeout|0 s|input.denied-timeout: must be a positive duration",
        "max backoff below initial|--input.retry.max-backoff|100 ms|input.retry.max-backoff: must be at least input.retry.initial-backoff (1 s), got 100 ms",
    })
    void rejectsWithOneLineNamingTheKey(String name, String key, String value, String message) {
        String[] args = name.equals("missing input.path")
                ? new String[] {key, value}
                : concat(MINIMAL, key, value);
        assertThatThrownBy(() -> BridgeConfig.fromArgs(args))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    /** A password in falco.url would be logged and exported as the sink's "url" metric label. */
    @Test
    void aFalcoUrlWithUserInfoIsRefusedWithoutRepeatingTheSecret() {
        assertThatThrownBy(() -> BridgeConfig.fromArgs("--input.path", "s3://a/b/",
                "--falco.url", "http://bridge:s3cr3t@falco:9765/k8s-audit"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("falco.url: 'http://falco:9765/k8s-audit' has user info")
                .hasMessageContaining("falco.auth.header-file")
                .hasMessageNotContaining("s3cr3t")
                .hasMessageNotContaining("\n");
    }

    @Test
    void falcoUrlIsRequiredUnlessDryRun() {
        assertThatThrownBy(() -> BridgeConfig.fromArgs("--input.path", "s3://a/b/"))
                .hasMessageStartingWith("falco.url: required");
    }

    @Test
    void argumentsMustBeKeyValuePairs() {
        assertThatThrownBy(() -> BridgeConfig.fromArgs("--input.path"))
                .hasMessage("input.path: missing value after --input.path");
        assertThatThrownBy(() -> BridgeConfig.fromArgs("input.path", "s3://a/"))
                .hasMessageStartingWith("Unexpected argument 'input.path'");
    }

    @Test
    void helpListsEveryOptionWithItsDefault() {
        String help = BridgeConfig.help();
        for (var option : BridgeOptions.ALL) {
            assertThat(help).contains("--" + option.key()).contains(BridgeConfig.description(option));
        }
        assertThat(help).doesNotContain("Description@");
        assertThat(help).contains("default 10 s").contains("default 1 h").contains("default continuous")
                .contains("default kube-apiserver-audit-");
    }

    @Test
    void readmeDocumentsEveryOptionWithItsDefault() throws Exception {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
        for (var option : BridgeOptions.ALL) {
            assertThat(readme).as(option.key())
                    .contains("| `" + option.key() + "` | `" + BridgeConfig.defaultText(option) + "` |");
        }
    }

    private static String[] concat(String[] base, String... more) {
        String[] out = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, out, base.length, more.length);
        return out;
    }
}
