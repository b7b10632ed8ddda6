package dev.eksaudit.bridge.falco;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A stand-in for Falco's k8saudit webhook that behaves like FORMATS.md section 3 says Falco does:
 * POST only (405), Content-Type must contain application/json (400 {@code wrong Content Type}), a
 * body limit (400 {@code bad request: http: request body too large}), then 200 whatever parsing finds, and
 * items that Falco would drop (invalid JSON, unknown kind, over 262,144 bytes, bad stageTimestamp)
 * counted as dropped. Fault modes in {@link Options}.
 */
public final class FalcoWebhookReceiver implements AutoCloseable {

    public static final long DEFAULT_BODY_LIMIT = 12_582_912L;
    public static final int MAX_EVENT_SIZE = 262_144;
    public static final String PATH = "/k8s-audit";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Fault modes and transport; fluent setters. */
    public static final class Options {
        Duration latency = Duration.ZERO;
        double failureRate;
        double resetRate;
        long seed = 42;
        long bodyLimit = DEFAULT_BODY_LIMIT;
        boolean https;
        String certificateName;
        int fixedStatus;
        String fixedBody = "";
        String rejectMarker;
        int rejectStatus;

        public static Options defaults() {
            return new Options();
        }

        /** Added before answering every POST. */
        public Options latency(Duration latency) {
            this.latency = latency;
            return this;
        }

        /** Fraction of POSTs answered 500 (seeded, so a run is repeatable). */
        public Options failureRate(double rate) {
            this.failureRate = rate;
            return this;
        }

        /** Fraction of POSTs whose connection is dropped after reading part of the body. */
        public Options resetRate(double rate) {
            this.resetRate = rate;
            return this;
        }

        public Options seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Options bodyLimit(long bytes) {
            this.bodyLimit = bytes;
            return this;
        }

        /** https with a test CA; see {@link #caFile()}. */
        public Options https(boolean https) {
            this.https = https;
            return this;
        }

        /**
         * https with a certificate issued for this DNS name only (and not for 127.0.0.1, where the
         * receiver listens): a host name mismatch.
         */
        public Options certificateFor(String dnsName) {
            this.https = true;
            this.certificateName = dnsName;
            return this;
        }

        /** Answer every well-formed POST with this status and body (e.g. 403), recording nothing. */
        public Options fixedStatus(int status, String body) {
            this.fixedStatus = status;
            this.fixedBody = body;
            return this;
        }

        /**
         * Like a WAF in front of Falco: a body that contains {@code marker} is answered with
         * {@code status} and nothing of it is recorded; other bodies go on as usual.
         */
        public Options rejectBodiesContaining(String marker, int status) {
            this.rejectMarker = marker;
            this.rejectStatus = status;
            return this;
        }
    }

    private final Options options;
    private final Random random;
    private final List<JsonNode> events = new ArrayList<>();
    private final List<String> eventKeys = new ArrayList<>();
    private final List<String[]> headers = new ArrayList<>();
    private final List<Integer> batchSizes = new ArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicInteger faults = new AtomicInteger();
    private final ConcurrentHashMap<Integer, AtomicInteger> answers =
            new ConcurrentHashMap<>();
    /** {status, body} every well-formed POST is answered with, or null: switchable while running. */
    private volatile Object[] answerAll;
    private volatile String[] requiredHeader;
    /** Set by {@link #stop()}: handlers from then on record nothing. */
    private volatile boolean stopping;
    /** Handlers running now; stop() waits for them. */
    private final AtomicInteger handling = new AtomicInteger();
    private final TestCertificates certificates;
    private ExecutorService executor;
    private HttpServer server;
    private int port;

    private FalcoWebhookReceiver(Options options) throws IOException {
        this.options = options;
        this.random = new Random(options.seed);
        this.certificates = options.https ? TestCertificates.create(options.certificateName) : null;
        if (options.fixedStatus != 0) {
            answerAll = new Object[] {options.fixedStatus, options.fixedBody};
        }
        bind(0);
    }

    public static FalcoWebhookReceiver start() {
        return start(Options.defaults());
    }

    public static FalcoWebhookReceiver start(Options options) {
        try {
            return new FalcoWebhookReceiver(options);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the test receiver", e);
        }
    }

    private void bind(int wantedPort) throws IOException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), wantedPort);
        if (certificates != null) {
            HttpsServer https = HttpsServer.create(address, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(certificates.serverContext()));
            server = https;
        } else {
            server = HttpServer.create(address, 64);
        }
        server.createContext("/", this::handle);
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "falco-receiver");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        stopping = false;
        server.start();
        port = server.getAddress().getPort();
    }

    public URI url() {
        return URI.create((certificates != null ? "https" : "http") + "://127.0.0.1:" + port + PATH);
    }

    /** PEM of the CA that signed the https certificate (for {@code tlsCaFile}). */
    public Path caFile() {
        if (certificates == null) {
            throw new IllegalStateException("not an https receiver");
        }
        return certificates.caPem;
    }

    public synchronized List<JsonNode> events() {
        return List.copyOf(events);
    }

    public synchronized List<String> eventKeys() {
        return List.copyOf(eventKeys);
    }

    /** Items accepted from each POST that got a 200, in arrival order. */
    public synchronized List<Integer> batchSizes() {
        return List.copyOf(batchSizes);
    }

    public int requestCount() {
        return requests.get();
    }

    /** Injected 500s and resets so far (a fault test can check its faults really happened). */
    public int faultCount() {
        return faults.get();
    }

    public int droppedCount() {
        return dropped.get();
    }

    /** How many POSTs were answered with this status so far. */
    public int answered(int status) {
        AtomicInteger n = answers.get(status);
        return n == null ? 0 : n.get();
    }

    /** From now on every well-formed POST gets this answer (a proxy in front of Falco, a 401 window). */
    public void answerAll(int status, String body) {
        answerAll = new Object[] {status, body};
    }

    /**
     * Like an authenticating proxy in front of Falco: from now on a POST without this header value
     * is answered 401 (null: no check).
     */
    public void requireHeader(String name, String value) {
        requiredHeader = name == null ? null : new String[] {name, value};
    }

    /** Back to Falco's own behaviour. */
    public void answerNormally() {
        answerAll = null;
    }

    /** Waits until at least {@code n} POSTs got the given status. */
    public void awaitAnswered(int status, int n, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (answered(status) < n) {
            if (System.nanoTime() > end) {
                throw new AssertionError("expected " + n + " answers " + status + " within " + deadline + ", got "
                        + answered(status));
            }
            Thread.sleep(20);
        }
    }

    public void awaitEventCount(int n, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        synchronized (this) {
            while (events.size() < n) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected at least " + n + " events within " + deadline + ", got "
                            + events.size() + " (requests " + requests.get() + ", dropped " + dropped.get() + ")");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    /**
     * Down: connections are refused until {@link #restart()}. A POST is either answered or never
     * recorded: POSTs already past the {@link #stopping} check are answered first, later ones are
     * dropped unrecorded, as a Falco going down does. Recording a POST and then closing its
     * connection unanswered would make the client re-send what this receiver already counted. The
     * wait holds no lock: a handler needs this object's monitor to record.
     */
    public void stop() {
        HttpServer stopped;
        ExecutorService handlers;
        synchronized (this) {
            if (server == null) {
                return;
            }
            stopping = true;
            stopped = server;
            handlers = executor;
            server = null;
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (handling.get() > 0 && System.nanoTime() < end) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        stopped.stop(0);
        handlers.shutdownNow();
    }

    /** Back on the same port. */
    public void restart() {
        stop();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                synchronized (this) {
                    bind(port);
                }
                return;
            } catch (IOException e) {
                // The port can linger for a moment after stop(): retry until the deadline.
                if (System.nanoTime() > end) {
                    throw new IllegalStateException("cannot rebind port " + port, e);
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ie);
                }
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Values of a request header, one per POST that carried it, in arrival order. */
    public synchronized List<String> headerValues(String name) {
        return headers.stream().filter(h -> h[0].equalsIgnoreCase(name)).map(h -> h[1]).collect(Collectors.toList());
    }

    private void handle(HttpExchange exchange) throws IOException {
        handling.incrementAndGet();
        try {
            if (stopping) {
                return; // going down: closed unanswered and unrecorded
            }
            requests.incrementAndGet();
            synchronized (this) {
                exchange.getRequestHeaders().forEach((k, vs) -> vs.forEach(v -> headers.add(new String[] {k, v})));
            }
            if (!exchange.getRequestURI().getPath().equals(PATH)) {
                respond(exchange, 404, "404 page not found");
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "method not allowed");
                return;
            }
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            if (type == null || !type.contains("application/json")) {
                respond(exchange, 400, "wrong Content Type");
                return;
            }
            boolean fail;
            boolean reset;
            synchronized (random) {
                fail = random.nextDouble() < options.failureRate;
                reset = random.nextDouble() < options.resetRate;
            }
            if (reset) {
                faults.incrementAndGet();
                exchange.getRequestBody().read(new byte[1024]);
                // Thrown out of the handler, the JDK server drops the connection without answering.
                throw new IOException("fault injected: connection reset mid-request");
            }
            byte[] body = readLimited(exchange.getRequestBody(), options.bodyLimit);
            if (!options.latency.isZero()) {
                Thread.sleep(options.latency.toMillis());
            }
            if (body == null) {
                respond(exchange, 400, "bad request: http: request body too large");
                return;
            }
            if (fail) {
                faults.incrementAndGet();
                respond(exchange, 500, "fault injected");
                return;
            }
            String[] required = requiredHeader;
            if (required != null && !required[1].equals(exchange.getRequestHeaders().getFirst(required[0]))) {
                respond(exchange, 401, "Unauthorized");
                return;
            }
            Object[] fixed = answerAll;
            if (fixed != null) {
                respond(exchange, (Integer) fixed[0], (String) fixed[1]);
                return;
            }
            if (options.rejectMarker != null
                    && new String(body, StandardCharsets.UTF_8).contains(options.rejectMarker)) {
                respond(exchange, options.rejectStatus, "Request blocked by WAF");
                return;
            }
            // Falco answers 200 whatever parsing finds: a 200 says nothing about acceptance. Parsed
            // before answering only so that recording order is arrival order.
            parse(body);
            answers.computeIfAbsent(200, k -> new AtomicInteger()).incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
            handling.decrementAndGet();
        }
    }

    private void respond(HttpExchange exchange, int status, String text) throws IOException {
        answers.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** The body, or null when it is over the limit. */
    private static byte[] readLimited(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (total > limit) {
                in.transferTo(OutputStream.nullOutputStream());
                return null;
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private void parse(byte[] body) {
        List<JsonNode> accepted = new ArrayList<>();
        parseBody(body, accepted);
        synchronized (this) {
            for (JsonNode event : accepted) {
                events.add(event);
                eventKeys.add(event.path("auditID").asText() + "/" + event.path("stage").asText());
            }
            batchSizes.add(accepted.size());
            notifyAll();
        }
    }

    private void parseBody(byte[] body, List<JsonNode> accepted) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            dropped.incrementAndGet();
            return;
        }
        if (root == null) {
            dropped.incrementAndGet();
        } else if (root.isArray()) {
            root.forEach(v -> parseValue(v, accepted));
        } else {
            parseValue(root, accepted);
        }
    }

    private void parseValue(JsonNode value, List<JsonNode> accepted) {
        String kind = value.path("kind").asText("");
        if (kind.equals("EventList")) {
            value.path("items").forEach(item -> accept(item, accepted));
        } else if (kind.equals("Event")) {
            accept(value, accepted);
        } else {
            dropped.incrementAndGet();
        }
    }

    /** Falco's checks after the 200: an Event, at most 262,144 bytes, RFC 3339 stageTimestamp. */
    private void accept(JsonNode event, List<JsonNode> accepted) {
        boolean isEvent = event.path("kind").isMissingNode() || event.path("kind").asText("").equals("Event");
        if (!isEvent
                || event.toString().getBytes(StandardCharsets.UTF_8).length > MAX_EVENT_SIZE
                || !rfc3339(event.path("stageTimestamp").asText(""))) {
            dropped.incrementAndGet();
            return;
        }
        accepted.add(event);
    }

    private static boolean rfc3339(String text) {
        try {
            OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * A CA and a server certificate signed by it, made in-process with BouncyCastle: for 127.0.0.1
     * and localhost, or for one other DNS name only (a host name mismatch).
     */
    static final class TestCertificates {
        private static final char[] PASSWORD = "changeit".toCharArray();
        final Path caPem;
        private final KeyStore serverKeys;

        private TestCertificates(Path caPem, KeyStore serverKeys) {
            this.caPem = caPem;
            this.serverKeys = serverKeys;
        }

        static TestCertificates create(String dnsName) throws IOException {
            try {
                KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
                gen.initialize(new ECGenParameterSpec("secp256r1"));
                KeyPair caKeys = gen.generateKeyPair();
                KeyPair serverKeyPair = gen.generateKeyPair();
                X500Name caName = new X500Name("CN=falco-test-ca");
                X509Certificate ca = sign(caName, caName, caKeys.getPublic(), caKeys.getPrivate(), b -> {
                    b.addExtension(Extension.basicConstraints, true,
                            new BasicConstraints(true));
                    b.addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign));
                });
                GeneralName[] names = dnsName == null
                        ? new GeneralName[] {
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                            new GeneralName(GeneralName.dNSName, "localhost")}
                        : new GeneralName[] {
                            new GeneralName(GeneralName.dNSName, dnsName)};
                X509Certificate server = sign(caName,
                        new X500Name("CN=" + (dnsName == null ? "127.0.0.1" : dnsName)),
                        serverKeyPair.getPublic(), caKeys.getPrivate(), b -> b.addExtension(
                                Extension.subjectAlternativeName, false,
                                new GeneralNames(names)));
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("server", serverKeyPair.getPrivate(), PASSWORD, new Certificate[] {server, ca});
                Path dir = Files.createTempDirectory("falco-tls");
                Path pem = dir.resolve("falco-ca.pem");
                Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(ca.getEncoded())
                        + "\n-----END CERTIFICATE-----\n");
                return new TestCertificates(pem, ks);
            } catch (GeneralSecurityException | OperatorCreationException e) {
                throw new IOException("cannot make test certificates", e);
            }
        }

        private interface Extensions {
            void add(X509v3CertificateBuilder b) throws IOException;
        }

        private static X509Certificate sign(X500Name issuer,
                X500Name subject, PublicKey key, PrivateKey signer,
                Extensions extensions) throws IOException, GeneralSecurityException,
                OperatorCreationException {
            long now = System.currentTimeMillis();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    issuer, BigInteger.valueOf(now), new Date(now - 60_000), new Date(now + 2 * 86_400_000L),
                    subject, key);
            extensions.add(b);
            X509CertificateHolder holder =
                    b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer));
            return new JcaX509CertificateConverter().getCertificate(holder);
        }

        SSLContext serverContext() throws IOException {
            try {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(serverKeys, PASSWORD);
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(kmf.getKeyManagers(), null, null);
                return ctx;
            } catch (GeneralSecurityException e) {
                throw new IOException(e);
            }
        }
    }
}
