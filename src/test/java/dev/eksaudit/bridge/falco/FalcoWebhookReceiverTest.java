package dev.eksaudit.bridge.falco;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The receiver keeps Falco's webhook contract (FORMATS.md section 3): other tests rely on it. */
class FalcoWebhookReceiverTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private static final String EVENT = "{\"kind\":\"Event\",\"auditID\":\"%s\",\"stage\":\"ResponseComplete\","
            + "\"stageTimestamp\":\"2026-11-26T10:00:00.123456Z\"}";

    private static HttpResponse<String> post(FalcoWebhookReceiver r, String type, String body) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(r.url()).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersLikeFalco() throws Exception {
        try (FalcoWebhookReceiver r = FalcoWebhookReceiver.start(FalcoWebhookReceiver.Options.defaults().bodyLimit(1000))) {
            assertThat(r.url().toString()).matches("http://127\\.0\\.0\\.1:\\d+/k8s-audit");
            HttpResponse<String> get = CLIENT.send(HttpRequest.newBuilder(r.url()).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(405);
            HttpResponse<String> text = post(r, "text/plain", String.format(EVENT, "a"));
            assertThat(text.statusCode()).isEqualTo(400);
            assertThat(text.body()).isEqualTo("wrong Content Type");
            HttpResponse<String> big = post(r, "application/json", "[" + "1,".repeat(600) + "1]");
            assertThat(big.statusCode()).isEqualTo(400);
            assertThat(big.body()).isEqualTo("bad request: http: request body too large");
            assertThat(r.events()).isEmpty();

            // 200 before parsing, even for garbage; what Falco would drop is counted as dropped.
            assertThat(post(r, "application/json; charset=utf-8", "{not json").statusCode()).isEqualTo(200);
            assertThat(post(r, "application/json", "{\"kind\":\"Pod\"}").statusCode()).isEqualTo(200);
            assertThat(post(r, "application/json", String.format(EVENT, "bad").replace("2026-11-26T10:00:00.123456Z", "yesterday"))
                    .statusCode()).isEqualTo(200);
            assertThat(post(r, "application/json", String.format(EVENT, "a")).statusCode()).isEqualTo(200);
            assertThat(post(r, "application/json", "{\"kind\":\"EventList\",\"items\":[" + String.format(EVENT, "b") + ","
                    + String.format(EVENT, "a") + "]}").statusCode()).isEqualTo(200);
            assertThat(post(r, "application/json", "[" + String.format(EVENT, "c") + "]").statusCode()).isEqualTo(200);
            r.awaitEventCount(4, Duration.ofSeconds(10));
            assertThat(r.eventKeys()).containsExactly("a/ResponseComplete", "b/ResponseComplete", "a/ResponseComplete",
                    "c/ResponseComplete");
            assertThat(r.droppedCount()).isEqualTo(3);
            assertThat(r.requestCount()).isEqualTo(9);
        }
    }

    @Test
    void awaitFailsWithCountsAtTheDeadline() {
        try (FalcoWebhookReceiver r = FalcoWebhookReceiver.start()) {
            assertThatThrownBy(() -> r.awaitEventCount(1, Duration.ofMillis(100)))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("got 0");
        }
    }

    @Test
    void stopRefusesAndRestartComesBackOnTheSamePort() throws Exception {
        try (FalcoWebhookReceiver r = FalcoWebhookReceiver.start()) {
            var url = r.url();
            r.stop();
            assertThatThrownBy(() -> post(r, "application/json", String.format(EVENT, "a")))
                    .isInstanceOf(ConnectException.class);
            r.restart();
            assertThat(r.url()).isEqualTo(url);
            assertThat(post(r, "application/json", String.format(EVENT, "a")).statusCode()).isEqualTo(200);
            r.awaitEventCount(1, Duration.ofSeconds(10));
        }
    }

    @Test
    void httpsModeServesACertificateSignedByItsCa() throws Exception {
        try (FalcoWebhookReceiver r = FalcoWebhookReceiver.start(FalcoWebhookReceiver.Options.defaults().https(true))) {
            assertThat(r.url().getScheme()).isEqualTo("https");
            assertThat(java.nio.file.Files.readString(r.caFile())).startsWith("-----BEGIN CERTIFICATE-----");
            var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(FalcoTls.caKeyStore(r.caFile().toString()));
            ctx.init(null, tmf.getTrustManagers(), null);
            HttpClient tls = HttpClient.newBuilder().sslContext(ctx).build();
            HttpResponse<String> ok = tls.send(HttpRequest.newBuilder(r.url()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(String.format(EVENT, "t"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            r.awaitEventCount(1, Duration.ofSeconds(10));
        }
    }

    @Test
    void faultModesAnswerLikeProxiesInFrontOfFalco() throws Exception {
        try (FalcoWebhookReceiver r = FalcoWebhookReceiver.start(
                FalcoWebhookReceiver.Options.defaults().rejectBodiesContaining("<script>", 403))) {
            assertThat(post(r, "application/json", String.format(EVENT, "<script>")).statusCode()).isEqualTo(403);
            assertThat(post(r, "application/json", String.format(EVENT, "a")).statusCode()).isEqualTo(200);
            r.answerAll(401, "Unauthorized");
            assertThat(post(r, "application/json", String.format(EVENT, "b")).statusCode()).isEqualTo(401);
            r.answerNormally();
            r.requireHeader("Authorization", "Bearer new");
            assertThat(post(r, "application/json", String.format(EVENT, "c")).statusCode()).isEqualTo(401);
            HttpResponse<String> withToken = CLIENT.send(HttpRequest.newBuilder(r.url()).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer new").POST(HttpRequest.BodyPublishers.ofString(String.format(EVENT, "d")))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(withToken.statusCode()).isEqualTo(200);
            r.awaitEventCount(2, Duration.ofSeconds(10));
            // Only what was answered 200 is recorded.
            assertThat(r.eventKeys()).containsExactly("a/ResponseComplete", "d/ResponseComplete");
            assertThat(r.answered(403)).isEqualTo(1);
            assertThat(r.answered(401)).isEqualTo(2);
            assertThat(r.answered(200)).isEqualTo(2);
        }
    }

    @Test
    void certificateForAnotherNameFailsTheHostNameCheck() throws Exception {
        try (FalcoWebhookReceiver r = FalcoWebhookReceiver.start(
                FalcoWebhookReceiver.Options.defaults().certificateFor("falco.other.example"))) {
            var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(FalcoTls.caKeyStore(r.caFile().toString()));
            ctx.init(null, tmf.getTrustManagers(), null);
            HttpClient tls = HttpClient.newBuilder().sslContext(ctx).build();
            // Trusted CA, wrong name: the JDK's own client refuses it too.
            assertThatThrownBy(() -> tls.send(HttpRequest.newBuilder(r.url()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(String.format(EVENT, "t"))).build(),
                    HttpResponse.BodyHandlers.ofString()))
                    .hasRootCauseInstanceOf(java.security.cert.CertificateException.class);
            assertThat(r.requestCount()).isZero();
        }
    }
}
