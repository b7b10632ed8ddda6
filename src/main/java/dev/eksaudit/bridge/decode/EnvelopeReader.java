package dev.eksaudit.bridge.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Tells what a framed JSON value is: a CloudWatch Logs subscription envelope (layouts a-c), a bare
 * audit event (layout d), something else, or not JSON at all. Streams the top level and the
 * {@code logEvents} array only; everything else is skipped unread.
 */
final class EnvelopeReader {
    private static final JsonFactory JSON = new JsonFactory();

    enum Kind {
        ENVELOPE,
        EVENT,
        UNKNOWN,
        NOT_JSON
    }

    /** One {@code logEvents[i]}: its id for dead letters, its message (null when not a string). */
    static final class LogEvent {
        final int position;
        final String id;
        final byte[] message;

        LogEvent(int position, String id, byte[] message) {
            this.position = position;
            this.id = id;
            this.message = message;
        }

        /** Names the log event for a dead letter without quoting it. */
        String describe() {
            return "logEvents[" + position + "]" + (id == null || id.isEmpty() ? "" : " id=" + id);
        }
    }

    /** What {@link #read} found. */
    static final class Record {
        final Kind kind;
        final String messageType;
        final String logStream;
        /** null when the envelope has no logEvents array. */
        final List<LogEvent> logEvents;
        final String detail;
        /**
         * For {@link Kind#EVENT}: the top-level fields the validator checks, read in this same pass
         * exactly as {@link AuditEventValidator} reads them, so the event is not parsed twice.
         */
        final AuditEventValidator.Fields eventFields;
        /** For {@link Kind#ENVELOPE}: {@code /aws/eks/<cluster>/cluster} and the account, or null. */
        String logGroup;
        String owner;

        Record(Kind kind, String messageType, String logStream, List<LogEvent> logEvents, String detail) {
            this(kind, messageType, logStream, logEvents, detail, null);
        }

        Record(Kind kind, String messageType, String logStream, List<LogEvent> logEvents, String detail,
                AuditEventValidator.Fields eventFields) {
            this.kind = kind;
            this.messageType = messageType;
            this.logStream = logStream;
            this.logEvents = logEvents;
            this.detail = detail;
            this.eventFields = eventFields;
        }
    }

    /** CloudWatch Logs' own envelopes, read without Jackson; null leaves the value to Jackson. */
    private final EnvelopeScanner scanner;
    /** Bare events (layout d), read without Jackson; null leaves the value to Jackson. */
    private final EventScanner events;

    EnvelopeReader() {
        this(true);
    }

    /** {@code scan} false: Jackson only (the tests' reference). */
    EnvelopeReader(boolean scan) {
        this.scanner = scan ? new EnvelopeScanner() : null;
        this.events = scan ? new EventScanner() : null;
    }

    Record read(byte[] json) {
        if (scanner != null) {
            Record envelope = scanner.read(json);
            if (envelope != null) {
                return envelope;
            }
            AuditEventValidator.Fields event = events.read(json);
            if (event != null && events.sawEventField()) {
                return new Record(Kind.EVENT, null, null, null, null, event);
            }
        }
        String messageType = null;
        String logStream = null;
        String logGroup = null;
        String owner = null;
        List<LogEvent> logEvents = null;
        boolean eventFields = false;
        AuditEventValidator.Fields fields = new AuditEventValidator.Fields();
        try (JsonParser p = JSON.createParser(json)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return new Record(Kind.NOT_JSON, null, null, null, "no JSON value");
            }
            if (first != JsonToken.START_OBJECT) {
                p.skipChildren();
                ensureEnd(p);
                return new Record(Kind.UNKNOWN, null, null, null, "JSON " + first + ", not an object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                fields.take(field, v, p);
                switch (field) {
                    case "messageType":
                        messageType = v == JsonToken.VALUE_STRING ? p.getText() : "";
                        break;
                    case "logStream":
                        logStream = v == JsonToken.VALUE_STRING ? p.getText() : null;
                        break;
                    case "logGroup":
                        logGroup = v == JsonToken.VALUE_STRING ? p.getText() : null;
                        break;
                    case "owner":
                        owner = v == JsonToken.VALUE_STRING ? p.getText() : null;
                        break;
                    case "logEvents":
                        logEvents = v == JsonToken.START_ARRAY ? readLogEvents(p) : null;
                        break;
                    case "kind":
                    case "auditID":
                        eventFields = true;
                        break;
                    default:
                        break;
                }
                p.skipChildren();
            }
            if (t != JsonToken.END_OBJECT) {
                return new Record(Kind.NOT_JSON, null, null, null, "malformed object");
            }
            fields.place.closed(p);
            ensureEnd(p);
        } catch (JsonProcessingException e) {
            // Jackson's messages quote the input: the position is all we report.
            return new Record(Kind.NOT_JSON, null, null, null, invalidJson(e));
        } catch (IOException e) {
            return new Record(Kind.NOT_JSON, null, null, null, "unreadable JSON: " + e.getClass().getSimpleName());
        }
        if (messageType != null) {
            Record envelope = new Record(Kind.ENVELOPE, messageType, logStream, logEvents, null);
            envelope.logGroup = logGroup;
            envelope.owner = owner;
            return envelope;
        }
        if (eventFields) {
            return new Record(Kind.EVENT, null, null, null, null, fields);
        }
        return new Record(Kind.UNKNOWN, null, null, null, "neither a CloudWatch Logs envelope nor an audit event");
    }

    private static List<LogEvent> readLogEvents(JsonParser p) throws IOException {
        List<LogEvent> events = new ArrayList<>();
        int position = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new IOException("logEvents not closed");
            }
            String id = null;
            byte[] message = null;
            if (t == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if ("id".equals(field) && v.isScalarValue()) {
                        id = p.getText();
                    } else if ("message".equals(field) && v == JsonToken.VALUE_STRING) {
                        // The message is the audit event's JSON text; its UTF-8 bytes are what Falco gets.
                        message = utf8(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                    }
                    p.skipChildren();
                }
            } else {
                p.skipChildren();
            }
            events.add(new LogEvent(position++, id, message));
        }
        return Collections.unmodifiableList(events);
    }

    /**
     * The UTF-8 bytes of the parser's unescaped text, straight from its buffer: audit events are
     * nearly always ASCII, one byte per char, so no String is built and encoded first. Anything
     * else goes through {@code String.getBytes}, so the bytes are exactly what they were before.
     */
    static byte[] utf8(char[] chars, int offset, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            char c = chars[offset + i];
            if (c >= 0x80) {
                return new String(chars, offset, length).getBytes(StandardCharsets.UTF_8);
            }
            out[i] = (byte) c;
        }
        return out;
    }

    /**
     * "invalid JSON at byte N"; Jackson's limit errors (a number over 1,000 digits, a string over
     * 20 million characters: StreamConstraintsException) carry no location, and reading it was a
     * NullPointerException that failed the job on that input again after every restart.
     */
    static String invalidJson(JsonProcessingException e) {
        return e.getLocation() == null
                ? "invalid JSON (" + e.getClass().getSimpleName() + ")"
                : "invalid JSON at byte " + e.getLocation().getByteOffset();
    }

    private static void ensureEnd(JsonParser p) throws IOException {
        if (p.nextToken() != null) {
            throw new JsonProcessingException("content after the value", p.currentLocation()) {
                private static final long serialVersionUID = 1L;
            };
        }
    }
}
