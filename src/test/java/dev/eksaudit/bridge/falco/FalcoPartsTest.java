package dev.eksaudit.bridge.falco;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.base.sink.writer.RequestEntryWrapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small pieces of the sink, each on its own. */
class FalcoPartsTest {

    @TempDir
    Path tmp;

    private static FalcoRequestEntry entry(String id, String json, int attempts) {
        return new FalcoRequestEntry(id, "ResponseComplete", "key/" + id, json.getBytes(StandardCharsets.UTF_8), attempts);
    }

    @Test
    void bodyIsAnEventListOfTheExactBytes() throws IOException {
        // Odd spacing and key order survive: the bytes are concatenated, never re-encoded.
        List<FalcoRequestEntry> batch = List.of(entry("a", "{ \"kind\":\"Event\", \"auditID\":\"a\" }", 0),
                entry("b", "{\"auditID\":\"b\",\"kind\":\"Event\",\"x\":\"\\u00e9\"}", 0));
        String body = new String(FalcoBatchBody.build(batch), StandardCharsets.UTF_8);
        assertThat(body).isEqualTo("{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":["
                + "{ \"kind\":\"Event\", \"auditID\":\"a\" },{\"auditID\":\"b\",\"kind\":\"Event\",\"x\":\"\\u00e9\"}]}");
        JsonNode parsed = FalcoTestEvents.JSON.readTree(body);
        assertThat(parsed.path("items")).hasSize(2);
        assertThat(body.length()).isEqualTo(FalcoBatchBody.overhead(2) + batch.get(0).json().length + batch.get(1).json().length);
    }

    @Test
    void stateSerializerRoundTripsEveryField() throws IOException {
        ArrayDeque<RequestEntryWrapper<FalcoRequestEntry>> entries = new ArrayDeque<>();
        FalcoRequestEntry a = entry("a", "{\"k\":1}", 3);
        FalcoRequestEntry nulls = new FalcoRequestEntry(null, null, null, new byte[] {'{', '}'}, 0);
        entries.add(new RequestEntryWrapper<>(a, a.json().length));
        entries.add(new RequestEntryWrapper<>(nulls, 2));
        FalcoStateSerializer serializer = new FalcoStateSerializer();
        BufferedRequestState<FalcoRequestEntry> back =
                serializer.deserialize(serializer.getVersion(), serializer.serialize(new BufferedRequestState<>(entries)));
        assertThat(back.getBufferedRequestEntries()).extracting(RequestEntryWrapper::getRequestEntry)
                .containsExactly(a, nulls);
        assertThat(back.getBufferedRequestEntries()).extracting(RequestEntryWrapper::getSize).containsExactly(7L, 2L);
    }

    @Test
    void aClusterNameStillToSpliceIsInTheBodyTheLengthAndTheCheckpointedBytes() throws IOException {
        String plain = "{\"kind\":\"Event\",\"auditID\":\"a\",\"annotations\":null,\"verb\":\"get\"}";
        String tagged = "{\"kind\":\"Event\",\"auditID\":\"a\",\"annotations\":{\"cluster_name\":\"blue\"},\"verb\":\"get\"}";
        dev.eksaudit.bridge.decode.AuditEvent event = new dev.eksaudit.bridge.decode.AuditEvent(
                "a", "ResponseComplete", 0L, "key/a", plain.getBytes(StandardCharsets.UTF_8));
        event.spliceAt = plain.indexOf("null");
        event.spliceCut = 4;
        event.splice = "{\"cluster_name\":\"blue\"}".getBytes(StandardCharsets.UTF_8);
        FalcoRequestEntry entry = new FalcoElementConverter().apply(event, null);
        byte[] expected = tagged.getBytes(StandardCharsets.UTF_8);
        assertThat(event.falcoJson()).isEqualTo(expected);
        assertThat(entry.json()).isEqualTo(expected);
        assertThat(entry.length()).isEqualTo(expected.length);
        assertThat(entry.failedOnce().json()).isEqualTo(expected);
        FalcoRequestEntry other = entry("b", "{\"auditID\":\"b\"}", 0);
        assertThat(new String(FalcoBatchBody.build(List.of(other, entry, other)), StandardCharsets.UTF_8))
                .isEqualTo("{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":["
                        + "{\"auditID\":\"b\"}," + tagged + ",{\"auditID\":\"b\"}]}");
        // A checkpoint holds the spliced bytes, in the layout it always had.
        ArrayDeque<RequestEntryWrapper<FalcoRequestEntry>> entries = new ArrayDeque<>();
        entries.add(new RequestEntryWrapper<>(entry, entry.length()));
        FalcoStateSerializer serializer = new FalcoStateSerializer();
        FalcoRequestEntry back = serializer.deserialize(serializer.getVersion(),
                serializer.serialize(new BufferedRequestState<>(entries))).getBufferedRequestEntries().get(0).getRequestEntry();
        assertThat(back.json()).isEqualTo(expected);
        assertThat(back).isEqualTo(entry);
        assertThat(back.cluster()).isEqualTo("blue");
    }

    @Test
    void backoffGrowsToItsCeilingWithFullJitter() {
        FalcoBackoff backoff = new FalcoBackoff(Duration.ofMillis(200), Duration.ofSeconds(30));
        assertThat(backoff.ceilingMs(1)).isEqualTo(200);
        assertThat(backoff.ceilingMs(2)).isEqualTo(400);
        assertThat(backoff.ceilingMs(8)).isEqualTo(25_600);
        assertThat(backoff.ceilingMs(9)).isEqualTo(30_000);
        assertThat(backoff.ceilingMs(1000)).isEqualTo(30_000);
        for (int i = 0; i < 1000; i++) {
            assertThat(backoff.delayMs(3)).isBetween(0L, 800L);
        }
    }

    @Test
    void endpointsRoundRobinAndSkipAFailedUrl() {
        URI a = URI.create("http://a/k8s-audit");
        URI b = URI.create("http://b/k8s-audit");
        URI c = URI.create("http://c/k8s-audit");
        FalcoEndpoints endpoints = new FalcoEndpoints(List.of(a, b, c), new FalcoBackoff(Duration.ofSeconds(1), Duration.ofSeconds(10)));
        assertThat(List.of(endpoints.next(0), endpoints.next(0), endpoints.next(0), endpoints.next(0)))
                .containsExactly(a, b, c, a);
        endpoints.failed(b, 0);
        assertThat(List.of(endpoints.next(10), endpoints.next(10), endpoints.next(10))).containsExactly(c, a, c);
        assertThat(endpoints.anyUp(10)).isTrue();
        // Back after its quarantine.
        assertThat(List.of(endpoints.next(1000), endpoints.next(1000))).contains(b);
        endpoints.failed(a, 2000);
        endpoints.failed(b, 2000);
        endpoints.failed(b, 2000);
        endpoints.failed(c, 2000);
        assertThat(endpoints.anyUp(2001)).isFalse();
        // All down: the one back first is still tried.
        assertThat(endpoints.next(2001)).isIn(a, c);
        endpoints.succeeded(b);
        assertThat(endpoints.next(2001)).isEqualTo(b);
    }

    @Test
    void authHeaderIsReReadWhenTheFileChanges() throws IOException {
        Path file = tmp.resolve("falco-header");
        Files.writeString(file, "\nX-Token:  one \n");
        FalcoAuthHeader header = new FalcoAuthHeader(file.toString());
        assertThat(header.current()).containsExactly("X-Token", "one");
        assertThat(header.refresh()).as("unchanged").isFalse();
        // Same length, newer modification time.
        Files.writeString(file, "X-Token: two\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
        assertThat(header.current()).as("only refresh() reads").containsExactly("X-Token", "one");
        assertThat(header.refresh()).isTrue();
        assertThat(header.current()).containsExactly("X-Token", "two");
        Files.writeString(file, "s3cr3t-without-name\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 10000));
        assertThatThrownBy(header::refresh).isInstanceOf(IOException.class)
                .hasMessageContaining("falco.auth.header-file")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));
        // A bad new version keeps the last good one in use.
        assertThat(header.current()).containsExactly("X-Token", "two");
    }

    @Test
    void caFileWithNoCertificateIsRefused() throws IOException {
        Path pem = tmp.resolve("falco-empty.pem");
        Files.writeString(pem, "not a certificate");
        assertThatThrownBy(() -> FalcoTls.context(pem.toString(), false)).isInstanceOf(IOException.class)
                .hasMessageContaining("falco.tls.ca-file");
    }

    @Test
    void aUrlThatRejectsEveryLoneEventIsAnEndpointProblemUntilItSucceeds() {
        URI a = URI.create("http://a/k8s-audit");
        URI b = URI.create("http://b/k8s-audit");
        FalcoEndpoints endpoints = new FalcoEndpoints(List.of(a, b), new FalcoBackoff(Duration.ofSeconds(1), Duration.ofSeconds(10)), 3);
        for (int i = 0; i < 3; i++) {
            assertThat(endpoints.rejectsEverything(a)).isFalse();
            assertThat(endpoints.loneRejection(a)).as("rejection %s may be a dead letter", i + 1).isTrue();
        }
        // The fourth in a row with no success in between: not a dead letter, and from now on not split.
        assertThat(endpoints.loneRejection(a)).isFalse();
        assertThat(endpoints.rejectsEverything(a)).isTrue();
        assertThat(endpoints.rejectsEverything(b)).isFalse();
        endpoints.endpointFailing(a);
        assertThat(endpoints.failing(a)).isTrue();
        assertThat(endpoints.failing(b)).isFalse();
        // One success resets both: a WAF that rejects a few events among many never reaches the bound.
        endpoints.succeeded(a);
        assertThat(endpoints.failing(a)).isFalse();
        assertThat(endpoints.rejectsEverything(a)).isFalse();
        assertThat(endpoints.loneRejection(a)).isTrue();
    }

    @Test
    void logThrottleAdmitsOneLinePerKeyAndInterval() {
        FalcoLogThrottle throttle = new FalcoLogThrottle(60_000);
        assertThat(throttle.admit("endpoint http://a", 0)).isZero();
        assertThat(throttle.admit("endpoint http://a", 59_999)).isEqualTo(-1);
        assertThat(throttle.admit("endpoint http://b", 59_999)).isZero();
        assertThat(throttle.admit("endpoint http://a", 59_999)).isEqualTo(-1);
        // The next line says how many were skipped.
        assertThat(throttle.admit("endpoint http://a", 60_000)).isEqualTo(2);
        assertThat(throttle.admit("endpoint http://a", 60_001)).isEqualTo(-1);
    }

    /** A pooled connection left idle is closed by the client, before a load balancer can close it under a POST. */
    @Test
    void idleConnectionsAreEvicted() throws Exception {
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try (FalcoWebhookReceiver receiver = FalcoWebhookReceiver.start();
                FalcoHttpClient client = new FalcoHttpClient(FalcoSink.builder().setUrls(List.of(receiver.url())).validate(),
                        timer, org.apache.hc.core5.util.TimeValue.ofMilliseconds(1000))) {
            byte[] body = FalcoBatchBody.build(List.of(entry("a", "{\"kind\":\"Event\"}", 0)));
            assertThat(client.post(receiver.url(), body).get().status).isEqualTo(200);
            // The connection goes back to the pool just after the answer completes the future.
            long released = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(900);
            while (client.idleConnections() == 0 && System.nanoTime() < released) {
                Thread.sleep(5);
            }
            assertThat(client.idleConnections()).as("kept alive after the POST").isEqualTo(1);
            long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (client.idleConnections() > 0 && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            assertThat(client.idleConnections()).as("evicted after 1 s idle").isZero();
            // And the next POST simply opens a new one.
            assertThat(client.post(receiver.url(), body).get().status).isEqualTo(200);
        } finally {
            timer.shutdownNow();
        }
    }
}
