package dev.eksaudit.bridge.falco;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.flink.util.concurrent.ExecutorThreadFactory;
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
import org.apache.hc.client5.http.ssl.DefaultHostnameVerifier;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs bodies with httpclient5's async client (one per writer, so a writer's connections and
 * threads go away with it). Never fails a future: every outcome, including errors, is a
 * {@link Result} the writer classifies.
 */
final class FalcoHttpClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FalcoHttpClient.class);

    /** Falco's error answers are one short line; more is never needed for a dead letter. */
    static final int BODY_EXCERPT_BYTES = 200;
    /** Idle pooled connections are closed after this. */
    static final TimeValue IDLE_EVICTION = TimeValue.ofSeconds(30);
    /** A pooled connection idle for longer is checked before it carries a POST. */
    static final TimeValue VALIDATE_AFTER_INACTIVITY = TimeValue.ofSeconds(2);

    private final CloseableHttpAsyncClient client;
    private final PoolingAsyncClientConnectionManager connections;
    private final ScheduledExecutorService timer;
    private final Duration requestTimeout;
    private final FalcoAuthHeader authHeader;
    private final ScheduledExecutorService headerRefresh;
    private final FalcoLogThrottle logThrottle = new FalcoLogThrottle(FalcoSinkWriter.LOG_INTERVAL_MS);

    FalcoHttpClient(FalcoSinkSettings s, ScheduledExecutorService timer) throws IOException {
        this(s, timer, IDLE_EVICTION);
    }

    FalcoHttpClient(FalcoSinkSettings s, ScheduledExecutorService timer, TimeValue idleEviction) throws IOException {
        this.timer = timer;
        this.requestTimeout = s.requestTimeout;
        this.authHeader = s.authHeaderFile == null ? null : new FalcoAuthHeader(s.authHeaderFile);
        Timeout timeout = Timeout.of(s.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        this.connections = PoolingAsyncClientConnectionManagerBuilder.create()
                .setTlsStrategy(tlsStrategy(s))
                .setMaxConnTotal(Math.max(2, s.maxInFlight * 2))
                .setMaxConnPerRoute(Math.max(2, s.maxInFlight * 2))
                .setDefaultConnectionConfig(connectionConfig(s))
                .build();
        this.client = HttpAsyncClients.custom()
                .setConnectionManager(connections)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(timeout)
                        .setConnectionRequestTimeout(timeout)
                        .build())
                // Closed before a load balancer's idle timeout (ALB: 60 s) can close them under us:
                // the next POST on such a connection would fail and quarantine a healthy URL.
                .evictIdleConnections(idleEviction)
                .evictExpiredConnections()
                // Retries are the writer's (with backoff and attempt counting), never hidden ones.
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .build();
        client.start();
        if (authHeader != null) {
            // Its own thread, never an I/O thread or the writer's worker: reading an s3:// header is
            // a blocking request that may hang on S3's retries, and backoffs must not wait for it.
            ScheduledThreadPoolExecutor refresh = new ScheduledThreadPoolExecutor(1, new ExecutorThreadFactory("falco-auth-header"));
            long every = s.authRecheckInterval.toMillis();
            refresh.scheduleWithFixedDelay(this::refreshHeader, every, every, TimeUnit.MILLISECONDS);
            this.headerRefresh = refresh;
        } else {
            this.headerRefresh = null;
        }
    }

    /**
     * Connect timeout apart from the request timeout: an address that drops SYNs (a dead node, a
     * security group) fails in seconds and the writer fails over, while a slow Falco still gets
     * the whole request timeout to answer.
     */
    static ConnectionConfig connectionConfig(FalcoSinkSettings s) {
        return ConnectionConfig.custom()
                .setConnectTimeout(Timeout.of(s.connectTimeout.toMillis(), TimeUnit.MILLISECONDS))
                .setSocketTimeout(Timeout.of(s.requestTimeout.toMillis(), TimeUnit.MILLISECONDS))
                .setValidateAfterInactivity(VALIDATE_AFTER_INACTIVITY)
                .build();
    }

    /**
     * Verification by default: the JVM's (or the CA file's) trust, and the host name checked by
     * httpclient's own verifier after the handshake as well as by JSSE (policy BOTH, set
     * explicitly: with no verifier httpclient5 5.5 picks BUILTIN, whose async path sets JSSE's
     * endpoint identification on SSLParameters only after applying them to the engine, so no host
     * name is checked at all - a test with a certificate for another name proves the difference).
     * With insecure-skip-verify, policy CLIENT with the no-op verifier: neither layer checks (a
     * verifier alone would mean BOTH, leaving JSSE's check to whatever the library does).
     */
    static TlsStrategy tlsStrategy(FalcoSinkSettings s) throws IOException {
        ClientTlsStrategyBuilder tls = ClientTlsStrategyBuilder.create()
                .setSslContext(FalcoTls.context(s.tlsCaFile, s.insecureSkipVerify));
        if (s.insecureSkipVerify) {
            tls.setHostVerificationPolicy(HostnameVerificationPolicy.CLIENT)
                    .setHostnameVerifier(NoopHostnameVerifier.INSTANCE);
        } else {
            tls.setHostVerificationPolicy(HostnameVerificationPolicy.BOTH)
                    .setHostnameVerifier(new DefaultHostnameVerifier());
        }
        return tls.buildAsync();
    }

    CompletableFuture<Result> post(URI url, byte[] body) {
        CompletableFuture<Result> result = new CompletableFuture<>();
        SimpleRequestBuilder request = SimpleRequestBuilder.post(url).setBody(body, ContentType.APPLICATION_JSON);
        if (authHeader != null) {
            String[] header = authHeader.current();
            request.addHeader(header[0], header[1]);
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

    /** Idle connections in the pool (for tests). */
    int idleConnections() {
        return connections.getTotalStats().getAvailable();
    }

    private void refreshHeader() {
        try {
            if (authHeader.refresh()) {
                LOG.info("falco.auth.header-file {} changed: sending the new header", authHeader.file());
            }
        } catch (IOException | RuntimeException e) {
            // The previous header stays in use: a store that is briefly unreachable must not stop delivery.
            if (logThrottle.admit("header", System.currentTimeMillis()) >= 0) {
                LOG.warn("Cannot re-read falco.auth.header-file {} ({}); still sending the header read before",
                        authHeader.file(), e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        if (headerRefresh != null) {
            headerRefresh.shutdownNow();
        }
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

        /** For logs and dead letters: status or error type, never request content. */
        String describe() {
            if (error != null) {
                String message = error.getMessage();
                return error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
            }
            return "HTTP " + status + (bodyExcerpt.isEmpty() ? "" : ": " + bodyExcerpt.trim());
        }

        /** For ERROR lines about an endpoint: the status or error type only, not even Falco's body. */
        String describeBriefly() {
            return error != null ? describe() : "HTTP " + status;
        }
    }
}
