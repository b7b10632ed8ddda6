package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.config.BridgeConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Asks each {@code falco.url} whether it answers like Falco's k8saudit webhook: an empty
 * {@code EventList} POSTed with the sink's own client, TLS settings and auth header, so the answer
 * is the one the sink would get. Falco answers 2xx before it parses, so 2xx means "reachable,
 * right path, accepted the request" (a wrong path is 404, a proxy demanding auth 401/403).
 * Used by {@code --validate} and the checks at job start; the sink never calls it.
 */
public final class FalcoProbe {

    /** Falco accepts it and raises nothing: no event inside. */
    static final byte[] EMPTY_EVENT_LIST =
            "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[]}".getBytes(StandardCharsets.UTF_8);

    private FalcoProbe() {}

    /** What one URL answered. */
    public static final class Answer {
        /** The URL without user info, query or fragment: what may be printed. */
        public final String url;
        public final boolean ok;
        /** The status and the start of Falco's answer, or the error type and message; never a header value. */
        public final String detail;

        Answer(String url, boolean ok, String detail) {
            this.url = url;
            this.ok = ok;
            this.detail = detail;
        }
    }

    /**
     * One answer per configured URL, in order; each POST is bounded by {@code falco.request-timeout}.
     *
     * @throws IOException when the client cannot be set up (e.g. an unreadable {@code falco.tls.ca-file})
     */
    public static List<Answer> probe(BridgeConfig config) throws IOException, InterruptedException {
        FalcoSinkSettings settings = FalcoSinkBuilder.fromConfig(config).validate();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "falco-probe-timer");
            t.setDaemon(true);
            return t;
        });
        List<Answer> answers = new ArrayList<>();
        try (FalcoHttpClient client = new FalcoHttpClient(settings, timer)) {
            for (URI url : settings.urls) {
                FalcoHttpClient.Result result;
                try {
                    result = client.post(url, EMPTY_EVENT_LIST).get();
                } catch (ExecutionException e) {
                    result = FalcoHttpClient.Result.error(e.getCause() instanceof Exception ? (Exception) e.getCause() : e);
                }
                answers.add(new Answer(printable(url),
                        FalcoResponseClassifier.DEFAULT.classify(result) == FalcoResponseClassifier.Verdict.DELIVERED,
                        result.describe()));
            }
        } finally {
            timer.shutdownNow();
        }
        return answers;
    }

    /** scheme://host[:port]/path: user info (a secret), query and fragment dropped. */
    static String printable(URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + (url.getRawPath() == null ? "" : url.getRawPath());
    }
}
