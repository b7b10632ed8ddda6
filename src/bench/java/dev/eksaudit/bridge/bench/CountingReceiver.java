package dev.eksaudit.bridge.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

/**
 * A lean Falco k8saudit webhook on 127.0.0.1 for benchmarks: validates each body with Jackson
 * streaming (an {@code EventList} with {@code items}, or one {@code Event}, each item an object
 * with {@code kind} and {@code auditID}), counts events and bytes, keeps a per-100-ms histogram
 * of receipts, and never stores an event. 400 for a body that is not that.
 */
final class CountingReceiver implements AutoCloseable {
    static final int SLOT_MILLIS = 100;
    static final int SLOTS = 36_000; // one hour

    private static final JsonFactory JSON = new JsonFactory();

    static {
        // The JDK's server leaves Nagle on by default: with delayed ACKs every small response would
        // wait ~40 ms, and the receiver, not the job, would set the pace.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    private static final byte[] OK = "{}".getBytes(StandardCharsets.UTF_8);

    final AtomicLong events = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong posts = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLongArray perSlot = new AtomicLongArray(SLOTS);
    volatile long firstNanos;
    volatile long lastNanos;
    final long startNanos = System.nanoTime();
    /** Called with each auditID received, when set (discovery latency). */
    volatile Consumer<String> onAuditId;

    private final int port;
    private HttpServer server;
    private ExecutorService executor;

    private CountingReceiver(int port) {
        this.port = port;
    }

    static CountingReceiver start() throws IOException {
        CountingReceiver r = new CountingReceiver(0);
        r.bind(0);
        return r;
    }

    private int boundPort() {
        return server.getAddress().getPort();
    }

    private int fixedPort = -1;

    private void bind(int p) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", p), 128);
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "bench-receiver");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/k8s-audit", this::handle);
        server.start();
        fixedPort = boundPort();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + fixedPort + "/k8s-audit");
    }

    /** Falco down: the port refuses connections. */
    void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** Falco back on the same port. */
    void restart() throws IOException {
        bind(fixedPort);
    }

    void reset() {
        events.set(0);
        bytes.set(0);
        posts.set(0);
        rejected.set(0);
        for (int i = 0; i < SLOTS; i++) {
            perSlot.set(i, 0);
        }
        firstNanos = 0;
        lastNanos = 0;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            int n = count(body);
            if (n < 0) {
                rejected.incrementAndGet();
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            long now = System.nanoTime();
            if (firstNanos == 0) {
                firstNanos = now;
            }
            lastNanos = now;
            events.addAndGet(n);
            bytes.addAndGet(body.length);
            posts.incrementAndGet();
            int slot = (int) ((now - startNanos) / 1_000_000 / SLOT_MILLIS);
            if (slot < SLOTS) {
                perSlot.addAndGet(slot, n);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, OK.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(OK);
            }
        }
    }

    private static final byte[] EVENT_LIST_HEAD =
            "{\"kind\":\"EventList\",\"apiVersion\":\"audit.k8s.io/v1\",\"items\":[".getBytes(StandardCharsets.US_ASCII);

    /** Events in a valid body, or -1. */
    private int count(byte[] body) {
        Consumer<String> ids = onAuditId;
        if (ids == null && startsWith(body, EVENT_LIST_HEAD)) {
            return scanItems(body);
        }
        return parse(body, ids);
    }

    private static boolean startsWith(byte[] body, byte[] head) {
        if (body.length < head.length) {
            return false;
        }
        for (int i = 0; i < head.length; i++) {
            if (body[i] != head[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The bridge's own body layout, checked at byte speed so the receiver does not compete with the
     * job for the CPU: the EventList head, then JSON objects separated by commas, strings and
     * nesting balanced, each item holding "kind":"Event" and an "auditID", then "]}" and nothing else.
     */
    static int scanItems(byte[] b) {
        int i = EVENT_LIST_HEAD.length;
        int n = b.length;
        int items = 0;
        while (true) {
            if (i >= n) {
                return -1;
            }
            if (b[i] == ']') {
                break;
            }
            if (items > 0) {
                if (b[i] != ',') {
                    return -1;
                }
                i++;
            }
            if (i >= n || b[i] != '{') {
                return -1;
            }
            int start = i;
            int depth = 0;
            boolean inString = false;
            for (; i < n; i++) {
                byte c = b[i];
                if (inString) {
                    if (c == '\\') {
                        i++;
                    } else if (c == '"') {
                        inString = false;
                    }
                } else if (c == '"') {
                    inString = true;
                } else if (c == '{' || c == '[') {
                    depth++;
                } else if (c == '}' || c == ']') {
                    if (--depth == 0) {
                        break;
                    }
                }
            }
            if (i >= n || depth != 0) {
                return -1;
            }
            boolean kindFirst = start + 1 + KIND_EVENT.length <= i && regionEquals(b, start + 1, KIND_EVENT);
            if (!kindFirst && indexOf(b, KIND_EVENT, start, i) < 0 || indexOf(b, AUDIT_ID, start, i) < 0) {
                return -1;
            }
            i++;
            items++;
        }
        return i + 2 == n && b[i + 1] == '}' ? items : -1;
    }

    private static final byte[] KIND_EVENT = "\"kind\":\"Event\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AUDIT_ID = "\"auditID\":\"".getBytes(StandardCharsets.US_ASCII);

    private static boolean regionEquals(byte[] b, int at, byte[] needle) {
        for (int j = 0; j < needle.length; j++) {
            if (b[at + j] != needle[j]) {
                return false;
            }
        }
        return true;
    }

    /** Where {@code needle} starts in b[from, to), looking near the start only (top-level fields come first). */
    private static int indexOf(byte[] b, byte[] needle, int from, int to) {
        int last = Math.min(to, from + 512) - needle.length;
        outer:
        for (int i = from; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (b[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Any body Falco takes (EventList or one Event), with Jackson streaming; reports auditIDs. */
    private int parse(byte[] body, Consumer<String> ids) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return -1;
            }
            // An EventList's kind comes first in the bridge's bodies; a lone Event is one item.
            int items = 0;
            String kind = null;
            String auditId = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if ("kind".equals(field)) {
                    kind = p.getText();
                } else if ("auditID".equals(field)) {
                    auditId = p.getText();
                } else if ("items".equals(field) && v == JsonToken.START_ARRAY) {
                    JsonToken t;
                    while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
                        if (!item(p, ids)) {
                            return -1;
                        }
                        items++;
                    }
                    if (t != JsonToken.END_ARRAY) {
                        return -1;
                    }
                    continue;
                }
                p.skipChildren();
            }
            if ("EventList".equals(kind)) {
                return items;
            }
            if ("Event".equals(kind) && auditId != null) {
                if (ids != null) {
                    ids.accept(auditId);
                }
                return 1;
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static boolean item(JsonParser p, Consumer<String> ids) throws IOException {
        boolean event = false;
        String auditId = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if ("kind".equals(field)) {
                event = "Event".equals(p.getText());
            } else if ("auditID".equals(field)) {
                auditId = p.getText();
            }
            p.skipChildren();
        }
        if (ids != null && auditId != null) {
            ids.accept(auditId);
        }
        return event && auditId != null;
    }

    /** Events received per second, one value per {@code bucketMillis} from {@code fromNanos}. */
    double[] ratePerSecond(long fromNanos, long toNanos, int bucketMillis) {
        int from = (int) ((fromNanos - startNanos) / 1_000_000 / SLOT_MILLIS);
        int to = (int) Math.min(SLOTS - 1, (toNanos - startNanos) / 1_000_000 / SLOT_MILLIS);
        int per = bucketMillis / SLOT_MILLIS;
        int n = Math.max(1, (to - from + per) / per);
        double[] rates = new double[n];
        for (int i = from; i <= to; i++) {
            rates[(i - from) / per] += perSlot.get(i);
        }
        for (int i = 0; i < n; i++) {
            rates[i] = rates[i] * 1000.0 / bucketMillis;
        }
        return rates;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
