package dev.eksaudit.bridge.falco;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManager;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * POSTs bodies with httpclient5's async client (one per writer, so a writer's connections and
 * threads go away with it). Never fails a future: every outcome, including errors, is a
 * {@link Result} the writer classifies.
 */
final class FalcoHttpClient implements AutoCloseable {

    /** Falco's error answers are one short line; more is never needed for a dead letter. */
    static final int BODY_EXCERPT_BYTES = 200;

    private final CloseableHttpAsyncClient client;
    private final ScheduledExecutorService timer;
    private final Duration requestTimeout;
    private final FalcoAuthHeader authHeader;

    FalcoHttpClient(FalcoSinkSettings s, ScheduledExecutorService timer) throws IOException {
        this.timer = timer;
        this.requestTimeout = s.requestTimeout;
        this.authHeader = s.authHeaderFile == null ? null : new FalcoAuthHeader(s.authHeaderFile);
        Timeout timeout = Timeout.of(s.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        ClientTlsStrategyBuilder tls = ClientTlsStrategyBuilder.create()
                .setSslContext(FalcoTls.context(s.tlsCaFile, s.insecureSkipVerify));
        if (s.insecureSkipVerify) {
            tls.setHostnameVerifier(NoopHostnameVerifier.INSTANCE);
        }
        PoolingAsyncClientConnectionManager connections = PoolingAsyncClientConnectionManagerBuilder.create()
                .setTlsStrategy(tls.build())
                .setMaxConnTotal(Math.max(2, s.maxInFlight * 2))
                .setMaxConnPerRoute(Math.max(2, s.maxInFlight * 2))
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(timeout)
                        .setSocketTimeout(timeout)
                        .build())
                .build();
        this.client = HttpAsyncClients.custom()
                .setConnectionManager(connections)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(timeout)
                        .setConnectionRequestTimeout(timeout)
                        .build())
                // Retries are the writer's (with backoff and attempt counting), never hidden ones.
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .build();
        client.start();
    }

    CompletableFuture<Result> post(URI url, byte[] body) {
        CompletableFuture<Result> result = new CompletableFuture<>();
        SimpleRequestBuilder request = SimpleRequestBuilder.post(url).setBody(body, ContentType.APPLICATION_JSON);
        if (authHeader != null) {
            try {
                String[] header = authHeader.current();
                request.addHeader(header[0], header[1]);
            } catch (IOException e) {
                result.complete(Result.error(e));
                return result;
            }
        }
        SimpleHttpRequest req = request.build();
        Future<SimpleHttpResponse> call;
        try {
            call = client.execute(req, new FutureCallback<SimpleHttpResponse>() {
                @Override
                public void completed(SimpleHttpResponse response) {
                    byte[] bytes = response.getBodyBytes();
                    String excerpt = bytes == null
                            ? ""
                            : new String(bytes, 0, Math.min(bytes.length, BODY_EXCERPT_BYTES), StandardCharsets.UTF_8);
                    result.complete(Result.status(response.getCode(), excerpt));
                }

                @Override
                public void failed(Exception e) {
                    result.complete(Result.error(e));
                }

                @Override
                public void cancelled() {
                    result.complete(Result.error(new IOException("request timed out after " + requestTimeout)));
                }
            });
        } catch (RuntimeException e) {
            // e.g. the client is shutting down: an outcome like any other, retried by the writer.
            result.complete(Result.error(e));
            return result;
        }
        // The client's timeouts are per phase; this bounds the whole request so a checkpoint
        // never waits on a trickling connection.
        ScheduledFuture<?> deadline =
                timer.schedule(() -> call.cancel(true), requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((r, e) -> deadline.cancel(false));
        return result;
    }

    @Override
    public void close() {
        // GRACEFUL: an IMMEDIATE close from a non-reactor thread races the reactor's own event loop
        // (ConcurrentModificationException logged by httpcore). In-flight requests were already
        // finished or abandoned by AsyncSink when the writer closes.
        client.initiateShutdown();
        try {
            client.awaitShutdown(TimeValue.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close(CloseMode.IMMEDIATE);
    }

    /** A status with the start of the body, or the error that prevented one. */
    static final class Result {
        final int status;
        final String bodyExcerpt;
        final Exception error;

        private Result(int status, String bodyExcerpt, Exception error) {
            this.status = status;
            this.bodyExcerpt = bodyExcerpt;
            this.error = error;
        }

        static Result status(int status, String bodyExcerpt) {
            return new Result(status, bodyExcerpt, null);
        }

        static Result error(Exception error) {
            return new Result(-1, "", error);
        }

        boolean ok() {
            return error == null && status >= 200 && status < 300;
        }

        /** Falco's answer to a body over webhookMaxBatchSize; smaller bodies will pass. */
        boolean bodyTooLarge() {
            return status == 400 && bodyExcerpt.contains("request body too large")
                    || status == 413;
        }

        /** Timeouts, refused or reset connections, overload answers: worth another try. */
        boolean retryable() {
            return error != null || status == 408 || status == 429 || status >= 500;
        }

        /** For logs and dead letters: status or error type, never request content. */
        String describe() {
            if (error != null) {
                String message = error.getMessage();
                return error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
            }
            return "HTTP " + status + (bodyExcerpt.isEmpty() ? "" : ": " + bodyExcerpt.trim());
        }
    }
}
