package dev.eksaudit.bridge.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * S3 objects as Kinesis Firehose writes them from a CloudWatch Logs subscription, in the four
 * layouts of FORMATS.md section 1, plus the broken variants the bridge must survive. Shared with
 * tests in other packages: keep the public API stable.
 */
public final class FirehoseFixtures {
    public enum Layout {
        /** (a) every CloudWatch Logs record its own gzip member, back to back. */
        MULTI_MEMBER_GZIP,
        /** (b) Firehose gzip of (a). */
        DOUBLE_GZIP,
        /** (c) the envelopes of (a), gunzipped, some one per line, some back to back. */
        ENVELOPES,
        /** (d) only the messages, i.e. the audit events, some one per line, some back to back. */
        EVENTS
    }

    public static final String AUDIT_STREAM = "kube-apiserver-audit-0a1b2c3d";
    public static final String OTHER_STREAM = "authenticator-0a1b2c3d";
    public static final String LOG_GROUP = "/aws/eks/prod/cluster";
    public static final String OWNER = "111122223333";
    public static final int EVENTS_PER_ENVELOPE = 3;

    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter MICROS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter KEY_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter KEY_FOLDER =
            DateTimeFormatter.ofPattern("yyyy/MM/dd/HH/").withZone(ZoneOffset.UTC);

    private FirehoseFixtures() {}

    // ---------------------------------------------------------------- objects

    /**
     * An object holding these event texts (any strings: bad ones too) in the given layout. For (a)-(c)
     * they travel in DATA_MESSAGE envelopes of {@link #AUDIT_STREAM}, {@value #EVENTS_PER_ENVELOPE}
     * per envelope, with a CONTROL_MESSAGE first and an {@link #OTHER_STREAM} envelope after the
     * first audit envelope.
     */
    public static byte[] object(Layout layout, List<String> eventJsons) {
        return object(layout, eventJsons, LOG_GROUP, OWNER);
    }

    /** As {@link #object(Layout, List)}, the envelopes naming this log group and account. */
    public static byte[] object(Layout layout, List<String> eventJsons, String logGroup, String owner) {
        if (layout == Layout.EVENTS) {
            return join(eventsAsBytes(eventJsons));
        }
        List<byte[]> envelopes = envelopes(eventJsons, logGroup, owner);
        switch (layout) {
            case MULTI_MEMBER_GZIP:
                return gzipMembers(envelopes);
            case DOUBLE_GZIP:
                return gzip(gzipMembers(envelopes));
            case ENVELOPES:
                return join(envelopes);
            default:
                throw new IllegalArgumentException(layout.name());
        }
    }

    /** The CloudWatch Logs records of {@link #object} for layouts (a)-(c), in order, not compressed. */
    public static List<byte[]> envelopes(List<String> eventJsons) {
        return envelopes(eventJsons, LOG_GROUP, OWNER);
    }

    public static List<byte[]> envelopes(List<String> eventJsons, String logGroup, String owner) {
        List<byte[]> envelopes = new ArrayList<>();
        envelopes.add(controlMessage());
        long id = 37_190_000_000L;
        for (int i = 0; i < eventJsons.size(); i += EVENTS_PER_ENVELOPE) {
            List<String> chunk = eventJsons.subList(i, Math.min(eventJsons.size(), i + EVENTS_PER_ENVELOPE));
            envelopes.add(dataMessage(AUDIT_STREAM, chunk, id, logGroup, owner));
            id += chunk.size();
            if (i == 0) {
                envelopes.add(dataMessage(OTHER_STREAM, List.of(
                        "time=\"2026-11-26T15:00:00Z\" level=info msg=\"access granted\" arn=\"arn:aws:iam::111122223333:role/dev\""),
                        id++, logGroup, owner));
            }
        }
        if (eventJsons.isEmpty()) {
            envelopes.add(dataMessage(OTHER_STREAM, List.of("time=\"2026-11-26T15:00:00Z\" level=info msg=\"idle\""), id,
                    logGroup, owner));
        }
        return envelopes;
    }

    /** A DATA_MESSAGE envelope carrying these messages as JSON strings. */
    public static byte[] dataMessage(String logStream, List<String> messages, long firstId) {
        return dataMessage(logStream, messages, firstId, LOG_GROUP, OWNER);
    }

    public static byte[] dataMessage(String logStream, List<String> messages, long firstId, String logGroup,
            String owner) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("messageType", "DATA_MESSAGE");
            g.writeStringField("owner", owner);
            g.writeStringField("logGroup", logGroup);
            g.writeStringField("logStream", logStream);
            g.writeArrayFieldStart("subscriptionFilters");
            g.writeString("to-firehose");
            g.writeEndArray();
            g.writeArrayFieldStart("logEvents");
            long id = firstId;
            for (String m : messages) {
                g.writeStartObject();
                g.writeStringField("id", "3719" + id++);
                g.writeNumberField("timestamp", 1764169200000L);
                g.writeStringField("message", m);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The health check CloudWatch Logs sends down every new subscription. */
    public static byte[] controlMessage() {
        return ("{\"messageType\":\"CONTROL_MESSAGE\",\"owner\":\"CloudwatchLogs\",\"logGroup\":\"\",\"logStream\":\"\","
                + "\"subscriptionFilters\":[],\"logEvents\":[{\"id\":\"\",\"timestamp\":1764169200000,"
                + "\"message\":\"CWL CONTROL MESSAGE: Checking health of destination Firehose.\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Firehose's key: {@code <prefix>YYYY/MM/dd/HH/eks-audit-1-yyyy-MM-dd-HH-mm-ss-<uuid>}, plus
     * {@code .gz} for (b). The uuid is derived from the instant and layout, so keys are stable.
     */
    public static String objectKey(String prefix, Instant arrival, Layout layout) {
        UUID uuid = UUID.nameUUIDFromBytes((arrival.toString() + "/" + layout).getBytes(StandardCharsets.UTF_8));
        return prefix + KEY_FOLDER.format(arrival) + "eks-audit-1-" + KEY_TIME.format(arrival) + "-" + uuid
                + (layout == Layout.DOUBLE_GZIP ? ".gz" : "");
    }

    // ---------------------------------------------------------------- events

    /** A small, realistic audit.k8s.io/v1 Event (RFC 3339 timestamps with microseconds). */
    public static String event(String auditId, String stage, Instant stageTimestamp) {
        String received = MICROS.format(stageTimestamp.minusMillis(3));
        String staged = MICROS.format(stageTimestamp);
        return "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\","
                + "\"auditID\":\"" + auditId + "\",\"stage\":\"" + stage + "\","
                + "\"requestURI\":\"/api/v1/namespaces/default/pods?limit=500\",\"verb\":\"list\","
                + "\"user\":{\"username\":\"arn:aws:iam::111122223333:role/dev\",\"groups\":[\"system:authenticated\"]},"
                + "\"sourceIPs\":[\"10.0.1.17\"],\"userAgent\":\"kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46\","
                + "\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"default\",\"apiVersion\":\"v1\"},"
                + "\"responseStatus\":{\"metadata\":{},\"code\":200},"
                + "\"requestReceivedTimestamp\":\"" + received + "\",\"stageTimestamp\":\"" + staged + "\","
                + "\"annotations\":{\"authorization.k8s.io/decision\":\"allow\",\"authorization.k8s.io/reason\":\"\"}}";
    }

    /** {@code count} distinct valid events, stages cycling, one millisecond apart. */
    public static List<String> events(int count) {
        List<String> events = new ArrayList<>(count);
        Instant t0 = Instant.parse("2026-11-26T15:00:00.123456Z");
        String[] stages = {"RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"};
        for (int i = 0; i < count; i++) {
            UUID id = UUID.nameUUIDFromBytes(("event-" + i).getBytes(StandardCharsets.UTF_8));
            events.add(event(id.toString(), stages[i % stages.length], t0.plusMillis(i)));
        }
        return events;
    }

    /** Every line of every {@code *.json} under {@code corpus.dir}, files by name, lines in order. */
    public static List<String> corpusEvents() {
        String dir = System.getProperty("corpus.dir");
        if (dir == null) {
            throw new IllegalStateException("system property corpus.dir is not set (surefire sets it)");
        }
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(Paths.get(dir))) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.getFileName().toString().endsWith(".json"))
                    .sorted()::iterator) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        lines.add(line);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    // ---------------------------------------------------------------- bad cases

    /** No bytes at all. */
    public static byte[] emptyObject() {
        return new byte[0];
    }

    /** Layout (a) whose last gzip member is cut in half (an upload cut short). */
    public static byte[] truncatedLastMember(List<String> eventJsons) {
        List<byte[]> envelopes = envelopes(eventJsons);
        byte[] head = gzipMembers(envelopes.subList(0, envelopes.size() - 1));
        byte[] last = gzip(envelopes.get(envelopes.size() - 1));
        return concat(head, Arrays.copyOf(last, last.length / 2));
    }

    /** Layout (b) cut short in the outer gzip. */
    public static byte[] truncatedDoubleGzip(List<String> eventJsons, double keepFraction) {
        byte[] whole = object(Layout.DOUBLE_GZIP, eventJsons);
        return Arrays.copyOf(whole, (int) (whole.length * keepFraction));
    }

    /** Layout (a) with a member whose deflate data is garbage after a valid header. */
    public static byte[] badGzipMember(List<String> before, List<String> after) {
        byte[] bad = gzip("{\"messageType\":\"DATA_MESSAGE\"}".getBytes(StandardCharsets.UTF_8));
        for (int i = 10; i < bad.length - 8; i++) {
            bad[i] = (byte) 0xff;
        }
        return concat(object(Layout.MULTI_MEMBER_GZIP, before), bad, object(Layout.MULTI_MEMBER_GZIP, after));
    }

    /** Random bytes that are neither gzip nor JSON (no '{' and no gzip magic). */
    public static byte[] garbageObject(int size, long seed) {
        Random random = new Random(seed);
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            byte b;
            do {
                b = (byte) random.nextInt(256);
            } while (b == '{' || (i == 0 && b == (byte) 0x1f));
            bytes[i] = b;
        }
        return bytes;
    }

    /** Layout (d) with a line of text that is not JSON between the events. */
    public static byte[] notJsonBetween(List<String> before, String garbage, List<String> after) {
        return concat(object(Layout.EVENTS, before), ("\n" + garbage + "\n").getBytes(StandardCharsets.UTF_8),
                object(Layout.EVENTS, after));
    }

    /** Layout (c) whose last envelope is cut short. */
    public static byte[] truncatedJson(List<String> eventJsons) {
        byte[] whole = object(Layout.ENVELOPES, eventJsons);
        return Arrays.copyOf(whole, whole.length - 40);
    }

    /** A message as CloudWatch Logs cuts it at 256 KiB: the event's JSON, cut short. */
    public static String truncatedMessage(String eventJson) {
        return eventJson.substring(0, eventJson.length() * 2 / 3);
    }

    /** JSON that is not an audit event. */
    public static String nonEventMessage() {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":500}";
    }

    /** The event without this top-level field (e.g. auditID, stage, stageTimestamp). */
    public static String without(String eventJson, String field) {
        ObjectNode node = parse(eventJson);
        node.remove(field);
        return node.toString();
    }

    /** The event with this top-level string field replaced. */
    public static String with(String eventJson, String field, String value) {
        ObjectNode node = parse(eventJson);
        node.put(field, value);
        return node.toString();
    }

    /** An event padded (in an annotation) to exactly {@code bytes} UTF-8 bytes. */
    public static String oversizeEvent(String auditId, int bytes) {
        String base = event(auditId, "ResponseComplete", Instant.parse("2026-11-26T15:00:00Z"));
        String open = base.substring(0, base.length() - 2) + ",\"pad\":\"";
        String close = "\"}}";
        int padding = bytes - open.length() - close.length();
        if (padding < 0) {
            throw new IllegalArgumentException("too small for an event: " + bytes);
        }
        return open + "x".repeat(padding) + close;
    }

    // ---------------------------------------------------------------- bytes

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Each part its own gzip member, back to back, as Firehose concatenates CloudWatch records. */
    public static byte[] gzipMembers(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(gzip(part));
        }
        return out.toByteArray();
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Values separated by a newline and back to back in turn (Firehose's delimiter is optional). */
    private static byte[] join(List<byte[]> values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < values.size(); i++) {
            out.writeBytes(values.get(i));
            if (i % 2 == 0) {
                out.write('\n');
            }
        }
        return out.toByteArray();
    }

    private static List<byte[]> eventsAsBytes(List<String> eventJsons) {
        List<byte[]> bytes = new ArrayList<>(eventJsons.size());
        for (String e : eventJsons) {
            bytes.add(e.getBytes(StandardCharsets.UTF_8));
        }
        return bytes;
    }

    private static ObjectNode parse(String json) {
        try {
            return (ObjectNode) MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
