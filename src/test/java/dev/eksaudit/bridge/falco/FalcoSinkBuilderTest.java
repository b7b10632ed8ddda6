package dev.eksaudit.bridge.falco;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.ConfigException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class FalcoSinkBuilderTest {

    private static final URI URL = URI.create("http://falco:9765/k8s-audit");

    private static FalcoSinkBuilder valid() {
        return FalcoSink.builder().setUrls(List.of(URL));
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        FalcoSinkSettings s = valid().validate();
        assertThat(s.maxBatchEvents).isEqualTo(500);
        assertThat(s.maxBatchBytes).isEqualTo(4L << 20);
        assertThat(s.maxBodyBytes).isEqualTo(12L << 20);
        assertThat(s.maxBatchDelay).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.requestTimeout).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.connectTimeout).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.authRecheckInterval).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.initialBackoff).isEqualTo(Duration.ofMillis(200));
        assertThat(s.maxBackoff).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.maxAttempts).isZero();
        assertThat(s.maxInFlight).isEqualTo(4);
        assertThat(s.deadLetterPath).isNull();
        // AsyncSink's own timeout stays far above one POST plus one backoff.
        assertThat(s.asyncSinkTimeoutMs()).isGreaterThan(s.requestTimeout.toMillis() + s.maxBackoff.toMillis());
    }

    @Test
    void fromConfigMapsEveryKey() {
        BridgeConfig config = BridgeConfig.fromMap(Map.ofEntries(
                Map.entry("input.path", "file:///tmp/in/"),
                Map.entry("dlq.path", "file:///tmp/dlq/"),
                Map.entry("falco.url", "http://a:9765/k8s-audit, https://b:9765/k8s-audit"),
                Map.entry("falco.dry-run", "true"),
                Map.entry("falco.max-body-bytes", "8 mb"),
                Map.entry("falco.batch.max-events", "100"),
                Map.entry("falco.batch.max-bytes", "2 mb"),
                Map.entry("falco.batch.max-delay", "250 ms"),
                Map.entry("falco.request-timeout", "10 s"),
                Map.entry("falco.connect-timeout", "2 s"),
                Map.entry("falco.auth.recheck-interval", "1 min"),
                Map.entry("falco.retry.initial-backoff", "100 ms"),
                Map.entry("falco.retry.max-backoff", "5 s"),
                Map.entry("falco.retry.max-attempts", "7"),
                Map.entry("falco.max-in-flight", "3"),
                Map.entry("falco.tls.ca-file", "/etc/falco/ca.pem"),
                Map.entry("falco.auth.header-file", "/etc/falco/header")));
        FalcoSinkSettings s = FalcoSinkBuilder.fromConfig(config).validate();
        assertThat(s.urls).containsExactly(URI.create("http://a:9765/k8s-audit"), URI.create("https://b:9765/k8s-audit"));
        assertThat(s.dryRun).isTrue();
        assertThat(s.maxBodyBytes).isEqualTo(8L << 20);
        assertThat(s.maxBatchEvents).isEqualTo(100);
        assertThat(s.maxBatchBytes).isEqualTo(2L << 20);
        assertThat(s.maxBatchDelay).isEqualTo(Duration.ofMillis(250));
        assertThat(s.requestTimeout).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.connectTimeout).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.authRecheckInterval).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.initialBackoff).isEqualTo(Duration.ofMillis(100));
        assertThat(s.maxBackoff).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.maxAttempts).isEqualTo(7);
        assertThat(s.maxInFlight).isEqualTo(3);
        assertThat(s.tlsCaFile).isEqualTo("/etc/falco/ca.pem");
        assertThat(s.authHeaderFile).isEqualTo("/etc/falco/header");
        assertThat(s.deadLetterPath).isEqualTo("file:///tmp/dlq/");
    }

    @Test
    void batchBytesLeaveRoomForTheEnvelope() {
        FalcoSinkSettings s = valid().setMaxBodyBytes(4096).setMaxBatchBytes(4096).setMaxBatchEvents(10).validate();
        assertThat(s.batchBytesLimit() + FalcoBatchBody.overhead(10)).isEqualTo(4096);
    }

    @Test
    void everyBadSettingNamesItsKey() {
        assertRejected(b -> b.setUrls(List.of()), "falco.url:");
        assertRejected(b -> b.setUrls(List.of(URI.create("ftp://falco/x"))), "falco.url:");
        assertRejected(b -> b.setMaxBatchEvents(0), "falco.batch.max-events:");
        assertRejected(b -> b.setMaxBatchBytes(13L << 20), "falco.batch.max-bytes:");
        assertRejected(b -> b.setMaxBatchBytes(0), "falco.batch.max-bytes:");
        assertRejected(b -> b.setMaxBodyBytes(10), "falco.max-body-bytes:");
        assertRejected(b -> b.setMaxBatchDelay(Duration.ZERO), "falco.batch.max-delay:");
        assertRejected(b -> b.setRequestTimeout(Duration.ofSeconds(-1)), "falco.request-timeout:");
        assertRejected(b -> b.setConnectTimeout(Duration.ZERO), "falco.connect-timeout:");
        assertRejected(b -> b.setAuthRecheckInterval(Duration.ZERO), "falco.auth.recheck-interval:");
        assertRejected(b -> b.setInitialBackoff(null), "falco.retry.initial-backoff:");
        assertRejected(b -> b.setMaxBackoff(Duration.ofMillis(1)), "falco.retry.max-backoff:");
        assertRejected(b -> b.setMaxAttempts(-1), "falco.retry.max-attempts:");
        assertRejected(b -> b.setMaxInFlight(0), "falco.max-in-flight:");
        assertRejected(b -> b.setTlsCaFile(" "), "falco.tls.ca-file:");
        assertRejected(b -> b.setTlsCaFile("/ca.pem").setInsecureSkipVerify(true), "falco.tls.ca-file:");
        assertRejected(b -> b.setAuthHeaderFile(""), "falco.auth.header-file:");
        assertRejected(b -> b.setDeadLetterPath(""), "dlq.path:");
    }

    /**
     * The connection settings the HTTP client really gets: connecting is bounded by the connect
     * timeout alone (failover from a dead address in seconds), the answer by the request timeout,
     * and a pooled connection idle for a while is checked before it is used.
     */
    @Test
    void connectTimeoutIsSeparateFromTheRequestTimeout() {
        org.apache.hc.client5.http.config.ConnectionConfig c = FalcoHttpClient.connectionConfig(
                valid().setConnectTimeout(Duration.ofSeconds(2)).setRequestTimeout(Duration.ofSeconds(45)).validate());
        assertThat(c.getConnectTimeout().toMilliseconds()).isEqualTo(2_000);
        assertThat(c.getSocketTimeout().toMilliseconds()).isEqualTo(45_000);
        assertThat(c.getValidateAfterInactivity()).isEqualTo(FalcoHttpClient.VALIDATE_AFTER_INACTIVITY);
        assertThat(FalcoHttpClient.VALIDATE_AFTER_INACTIVITY.toSeconds()).isLessThan(FalcoHttpClient.IDLE_EVICTION.toSeconds());
    }

    @Test
    void dryRunNeedsNoUrl() {
        assertThat(FalcoSink.builder().setDryRun(true).build()).isNotNull();
    }

    private static void assertRejected(UnaryOperator<FalcoSinkBuilder> change, String keyPrefix) {
        assertThatThrownBy(() -> change.apply(valid()).build())
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(keyPrefix)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
