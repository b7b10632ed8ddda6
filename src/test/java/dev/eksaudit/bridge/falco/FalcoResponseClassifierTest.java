package dev.eksaudit.bridge.falco;

import static dev.eksaudit.bridge.falco.FalcoResponseClassifier.Verdict.DELIVERED;
import static dev.eksaudit.bridge.falco.FalcoResponseClassifier.Verdict.ENDPOINT_FAILING;
import static dev.eksaudit.bridge.falco.FalcoResponseClassifier.Verdict.REJECTED;
import static dev.eksaudit.bridge.falco.FalcoResponseClassifier.Verdict.RETRY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.falco.FalcoResponseClassifier.Verdict;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CancellationException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.junit.jupiter.api.Test;

/** Every class of answer the Falco contract (FORMATS.md section 3) and proxies in front of it give. */
class FalcoResponseClassifierTest {

    private static Verdict status(int status, String body) {
        return FalcoResponseClassifier.DEFAULT.classify(FalcoHttpClient.Result.status(status, body));
    }

    private static Verdict error(Exception e) {
        return FalcoResponseClassifier.DEFAULT.classify(FalcoHttpClient.Result.error(e));
    }

    @Test
    void twoHundredsAreDelivered() {
        for (int s : new int[] {200, 201, 202, 204}) {
            assertThat(status(s, "")).as("%s", s).isEqualTo(DELIVERED);
        }
    }

    @Test
    void overloadAndTransportFailuresAreRetried() {
        for (int s : new int[] {408, 429, 500, 502, 503, 504, 599}) {
            assertThat(status(s, "busy")).as("%s", s).isEqualTo(RETRY);
        }
        assertThat(error(new ConnectException("Connection refused"))).isEqualTo(RETRY);
        assertThat(error(new SocketTimeoutException("connect timed out"))).isEqualTo(RETRY);
        assertThat(error(new ConnectionClosedException("Connection reset"))).isEqualTo(RETRY);
        assertThat(error(new IOException("request timed out after PT30S"))).isEqualTo(RETRY);
        assertThat(error(new CancellationException())).isEqualTo(RETRY);
        // A TLS error that is not a handshake failure (an alert mid-stream) is a transport error.
        assertThat(error(new SSLException("Connection reset"))).isEqualTo(RETRY);
    }

    @Test
    void endpointProblemsAreNeverRejections() {
        for (int s : new int[] {401, 404, 405, 407}) {
            assertThat(status(s, "")).as("%s", s).isEqualTo(ENDPOINT_FAILING);
        }
        assertThat(status(400, "wrong Content Type")).isEqualTo(ENDPOINT_FAILING);
        assertThat(error(new SSLHandshakeException("PKIX path building failed"))).isEqualTo(ENDPOINT_FAILING);
        // Wrapped, as the reactor hands it over.
        assertThat(error(new IOException("handshake", new SSLPeerUnverifiedException("Certificate for <127.0.0.1> "
                + "doesn't match any of the subject alternative names: [falco.other.example]"))))
                .isEqualTo(ENDPOINT_FAILING);
    }

    @Test
    void answersThatCanDependOnTheEventsAreRejections() {
        for (int s : new int[] {400, 403, 413, 422}) {
            assertThat(status(s, "no")).as("%s", s).isEqualTo(REJECTED);
        }
        assertThat(status(400, "bad request: http: request body too large")).isEqualTo(REJECTED);
    }

    @Test
    void anythingUnknownIsHeldNotLost() {
        for (int s : new int[] {100, 301, 302, 410, 415, 451}) {
            assertThat(status(s, "")).as("%s", s).isEqualTo(ENDPOINT_FAILING);
        }
    }

    @Test
    void theFirstRuleThatKnowsWins() {
        FalcoResponseClassifier chain = FalcoResponseClassifier.createChain(
                r -> r.status == 403 ? ENDPOINT_FAILING : null, r -> r.status >= 400 ? REJECTED : null);
        assertThat(chain.classify(FalcoHttpClient.Result.status(403, ""))).isEqualTo(ENDPOINT_FAILING);
        assertThat(chain.classify(FalcoHttpClient.Result.status(400, ""))).isEqualTo(REJECTED);
        assertThat(chain.classify(FalcoHttpClient.Result.status(302, ""))).isEqualTo(ENDPOINT_FAILING);
    }
}
