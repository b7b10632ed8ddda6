package dev.eksaudit.bridge.source;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;

/**
 * An HTTP proxy in front of the in-process S3 server that misbehaves the way S3 does in production,
 * per object key: 403 AccessDenied (a bucket or KMS key policy), 503 SlowDown, 404 NoSuchKey (with
 * S3's XML error body), connections reset in the middle of a body, and no ETag at all (some
 * S3-compatible stores). Each fault lasts until healed, for a number of requests or for a time.
 * Everything else is passed through byte for byte, so S3A's SigV4 signatures stay valid.
 *
 * <p>One request per connection: the proxy asks the server to close after its answer and pipes
 * it until then, so it never has to understand a body's framing.
 */
public final class FaultyS3Proxy implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final URI upstream;
    private final ServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-s3-proxy");
        t.setDaemon(true);
        return t;
    });
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<Reset> resets = new CopyOnWriteArrayList<>();
    private final Map<String, List<Long>> getStarts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> bodyBytes = new ConcurrentHashMap<>();
    private final Map<String, List<String>> requests = new ConcurrentHashMap<>();
    private final AtomicInteger resetCount = new AtomicInteger();
    private volatile boolean stripETags;
    private volatile boolean closed;

    private FaultyS3Proxy(URI upstream, ServerSocket server) {
        this.upstream = upstream;
        this.server = server;
    }

    /** Starts the proxy in front of {@code s3} and points Flink's S3 file system at it. */
    public static FaultyS3Proxy start(InProcessS3 s3) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        FaultyS3Proxy proxy = new FaultyS3Proxy(s3.endpoint(), server);
        proxy.pool.execute(proxy::acceptLoop);
        FileSystem.initialize(flinkConfiguration(proxy.endpoint()), null);
        return proxy;
    }

    /**
     * The test S3 settings, with S3A's own retries kept short: S3A retries throttling and resets
     * itself before the bridge sees them; the faults here outlast those so the bridge's retry is
     * what is tested.
     */
    public static Configuration flinkConfiguration(URI endpoint) {
        Configuration conf = InProcessS3.flinkConfiguration(endpoint);
        conf.setString("fs.s3a.retry.interval", "50ms");
        conf.setString("fs.s3a.retry.throttle.limit", "2");
        conf.setString("fs.s3a.retry.throttle.interval", "50ms");
        conf.setString("fs.s3a.attempts.maximum", "1");
        // What the project ships for stores without ETags, read from the local run's config.yaml
        // (the deploy files say the same), so the no-ETag test runs on the shipped setting.
        String noETag = "fs.s3a.change.detection.version.required";
        conf.setString(noETag, org.apache.flink.configuration.GlobalConfiguration.loadConfiguration("flink-conf")
                .toMap().getOrDefault(noETag, "true"));
        return conf;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** 403 AccessDenied for GETs of the object (the answer of a KMS key policy that denies kms:Decrypt). */
    public Fault deny(String s3Uri) {
        return add(new Fault(key(s3Uri), Set.of("GET"), 403, "Forbidden", "AccessDenied", "Access Denied"));
    }

    /** 503 SlowDown for GETs of the object. */
    public Fault slowDown(String s3Uri) {
        return add(new Fault(key(s3Uri), Set.of("GET"), 503, "Slow Down", "SlowDown", "Please reduce your request rate."));
    }

    /** 404 NoSuchKey for HEADs and GETs of the object: deleted after it was listed. */
    public Fault notFound(String s3Uri) {
        return add(new Fault(key(s3Uri), Set.of("GET", "HEAD"), 404, "Not Found", "NoSuchKey",
                "The specified key does not exist."));
    }

    /**
     * Resets the connection of a GET the moment its body reaches {@code offset} of the object,
     * {@code times} times in a row (a re-open at that offset is reset before its first byte).
     */
    public void resetAt(String s3Uri, long offset, int times) {
        resets.add(new Reset(key(s3Uri), offset, times));
    }

    /** Drops the ETag header from every answer, like an S3-compatible store that has none. */
    public void stripETags(boolean strip) {
        this.stripETags = strip;
    }

    /** Where each GET of the object that reached the server started (its Range), in order. */
    public List<Long> getStarts(String s3Uri) {
        return List.copyOf(getStarts.getOrDefault(key(s3Uri), List.of()));
    }

    /**
     * Every request for the object that reached the proxy (faulted ones too), in order: its method
     * and, when it had one, its Range header ({@code "GET bytes=0-1233"}, {@code "HEAD"}).
     */
    public List<String> requests(String s3Uri) {
        return List.copyOf(requests.getOrDefault(key(s3Uri), List.of()));
    }

    /** Requests for the object with this method, e.g. {@code "HEAD"}. */
    public long requests(String s3Uri, String method) {
        return requests(s3Uri).stream().filter(r -> r.equals(method) || r.startsWith(method + " ")).count();
    }

    private static String rangeOf(String[] headLines) {
        for (int i = 1; i < headLines.length; i++) {
            if (headLines[i].toLowerCase(Locale.ROOT).startsWith("range:")) {
                return " " + headLines[i].substring("range:".length()).trim();
            }
        }
        return "";
    }

    /** Body bytes of the object sent to the reader, over all GETs. */
    public long bodyBytes(String s3Uri) {
        AtomicLong n = bodyBytes.get(key(s3Uri));
        return n == null ? 0 : n.get();
    }

    /** Connections reset so far. */
    public int resetCount() {
        return resetCount.get();
    }

    private Fault add(Fault fault) {
        faults.add(fault);
        return fault;
    }

    private static String key(String s3Uri) {
        return s3Uri.startsWith("s3://") ? s3Uri.substring("s3://".length()) : s3Uri;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                pool.execute(() -> handle(client));
            } catch (IOException e) {
                if (!closed) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private void handle(Socket client) {
        try (client) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            byte[] head = readHead(in);
            if (head == null) {
                return;
            }
            String text = new String(head, StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            String method = requestLine[0];
            String target = requestLine[1];
            String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
            String key = URLDecoder.decode(path.substring(1), StandardCharsets.UTF_8);
            requests.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(method + rangeOf(lines));
            Fault fault = match(method, key);
            if (fault != null) {
                fault.answer(client.getOutputStream(), method);
                return;
            }
            long rangeStart = 0;
            StringBuilder forwarded = new StringBuilder(lines[0]).append("\r\n");
            for (int i = 1; i < lines.length; i++) {
                String name = lines[i].substring(0, Math.max(0, lines[i].indexOf(':'))).trim().toLowerCase(Locale.ROOT);
                if (name.equals("connection")) {
                    continue; // not signed by SigV4
                }
                if (name.equals("range")) {
                    Matcher m = RANGE.matcher(lines[i]);
                    if (m.find()) {
                        rangeStart = Long.parseLong(m.group(1));
                    }
                }
                forwarded.append(lines[i]).append("\r\n");
            }
            forwarded.append("Connection: close\r\n\r\n");
            try (Socket up = new Socket(upstream.getHost(), upstream.getPort())) {
                OutputStream upOut = up.getOutputStream();
                upOut.write(forwarded.toString().getBytes(StandardCharsets.ISO_8859_1));
                upOut.flush();
                // A request body (a PUT) flows on while the answer comes back.
                pool.execute(() -> pipeQuietly(in, upOut));
                relayAnswer(up, client, method, key, rangeStart);
            }
        } catch (IOException e) {
            // The client or server went away: nothing to answer.
        }
    }

    private void relayAnswer(Socket up, Socket client, String method, String key, long rangeStart) throws IOException {
        InputStream upIn = new BufferedInputStream(up.getInputStream());
        byte[] head = readHead(upIn);
        if (head == null) {
            return;
        }
        String text = new String(head, StandardCharsets.ISO_8859_1);
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\r\n")) {
            if (stripETags && line.toLowerCase(Locale.ROOT).startsWith("etag:")) {
                continue;
            }
            out.append(line).append("\r\n");
        }
        out.append("\r\n");
        OutputStream clientOut = client.getOutputStream();
        clientOut.write(out.toString().getBytes(StandardCharsets.ISO_8859_1));
        boolean objectGet = method.equals("GET") && text.startsWith("HTTP/1.1 20");
        if (objectGet) {
            getStarts.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(rangeStart);
        }
        Reset reset = objectGet ? nextReset(key, rangeStart) : null;
        long limit = reset == null ? Long.MAX_VALUE : reset.offset - rangeStart;
        byte[] buf = new byte[8192];
        long sent = 0;
        int n;
        while (sent < limit && (n = upIn.read(buf, 0, (int) Math.min(buf.length, limit - sent))) > 0) {
            clientOut.write(buf, 0, n);
            sent += n;
        }
        clientOut.flush();
        if (objectGet) {
            bodyBytes.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(sent);
        }
        if (reset != null && sent == limit) {
            reset.remaining.decrementAndGet();
            resetCount.incrementAndGet();
            client.setSoLinger(true, 0); // close with a RST: "Connection reset" on the reader's side
        }
    }

    private synchronized Fault match(String method, String key) {
        for (Fault f : faults) {
            if (f.takes(method, key)) {
                return f;
            }
        }
        return null;
    }

    private synchronized Reset nextReset(String key, long start) {
        Reset next = null;
        for (Reset r : resets) {
            if (r.key.equals(key) && r.remaining.get() > 0 && r.offset >= start && (next == null || r.offset < next.offset)) {
                next = r;
            }
        }
        return next;
    }

    /** The bytes up to and including the blank line that ends an HTTP head; null at end of stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            last4 = (last4 << 8) | b;
            if (last4 == 0x0d0a0d0a) {
                byte[] bytes = head.toByteArray();
                return java.util.Arrays.copyOf(bytes, bytes.length - 4);
            }
        }
        return null;
    }

    private static void pipeQuietly(InputStream in, OutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException ignored) {
            // The exchange is over.
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        pool.shutdownNow();
    }

    /** One injected error answer. */
    public static final class Fault {
        private final String key;
        private volatile Set<String> methods;
        private final int status;
        private final String reasonPhrase;
        private final String code;
        private final String message;
        private final AtomicInteger answered = new AtomicInteger();
        private volatile boolean healed;

        Fault(String key, Set<String> methods, int status, String reasonPhrase, String code, String message) {
            this.key = key;
            this.methods = methods;
            this.status = status;
            this.reasonPhrase = reasonPhrase;
            this.code = code;
            this.message = message;
        }

        /** Also for HEAD (S3A's getFileStatus on open), e.g. a bucket policy that denies every read. */
        public Fault alsoOnHead() {
            java.util.HashSet<String> wider = new java.util.HashSet<>(methods);
            wider.add("HEAD");
            methods = Set.copyOf(wider);
            return this;
        }

        /** From now on the object is served normally (the policy was fixed, the throttling ended). */
        public void heal() {
            healed = true;
        }

        /** Requests answered with this fault so far. */
        public int answered() {
            return answered.get();
        }

        private boolean takes(String method, String requestKey) {
            if (healed || !methods.contains(method) || !key.equals(requestKey)) {
                return false;
            }
            answered.incrementAndGet();
            return true;
        }

        private void answer(OutputStream out, String method) throws IOException {
            String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>"
                    + message + "</Message><Key>" + key.substring(key.indexOf('/') + 1) + "</Key>"
                    + "<RequestId>FAULTY0000000001</RequestId><HostId>faulty-s3-proxy</HostId></Error>";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 " + status + " " + reasonPhrase + "\r\n"
                    + "Content-Type: application/xml\r\n"
                    + "Content-Length: " + bytes.length + "\r\n"
                    + "x-amz-request-id: FAULTY0000000001\r\n"
                    + "Connection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            if (!method.equals("HEAD")) {
                out.write(bytes);
            }
            out.flush();
        }
    }

    private static final class Reset {
        final String key;
        final long offset;
        final AtomicInteger remaining;

        Reset(String key, long offset, int times) {
            this.key = key;
            this.offset = offset;
            this.remaining = new AtomicInteger(times);
        }
    }

    /** Request counts and resets, for a failing assertion's message. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (Fault f : faults) {
            parts.add(f.code + " " + f.key + " answered " + f.answered());
        }
        return "FaultyS3Proxy{" + parts + ", resets " + resetCount + "}";
    }
}
