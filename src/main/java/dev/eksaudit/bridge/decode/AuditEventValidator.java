package dev.eksaudit.bridge.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import dev.eksaudit.bridge.deadletter.DeadLetterReason;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * Checks what Falco would otherwise drop silently after answering 200: size, JSON, {@code kind},
 * and the fields the bridge keys on. Streams the top level only (bodies are skipped, never built
 * into trees) and keeps the caller's bytes as they are.
 */
final class AuditEventValidator {
    private static final JsonFactory JSON = new JsonFactory();
    /** RFC 3339 proper: seconds required, 'T' and 'Z' in either case, numeric offsets with minutes. */
    private static final Pattern RFC3339 = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})");

    private final long maxEventBytes;
    /** Reads well-formed events without Jackson; null: Jackson only (the tests' reference). */
    private final EventScanner scanner;

    AuditEventValidator(long maxEventBytes) {
        this(maxEventBytes, true);
    }

    AuditEventValidator(long maxEventBytes, boolean scan) {
        this.maxEventBytes = maxEventBytes;
        this.scanner = scan ? new EventScanner() : null;
    }

    /** The outcome of one check: an event, or a reason with a detail that never quotes the payload. */
    static final class Result {
        final AuditEvent event;
        final DeadLetterReason reason;
        final String detail;
        /** For a valid event: where its cluster name goes. */
        final ClusterTagger.Place place;

        private Result(AuditEvent event, DeadLetterReason reason, String detail) {
            this(event, reason, detail, null);
        }

        private Result(AuditEvent event, DeadLetterReason reason, String detail, ClusterTagger.Place place) {
            this.event = event;
            this.reason = reason;
            this.detail = detail;
            this.place = place;
        }

        boolean isValid() {
            return event != null;
        }
    }

    static Result fail(DeadLetterReason reason, String detail) {
        return new Result(null, reason, detail);
    }

    /**
     * The top-level string fields the checks need, taken the way {@link #validate} reads them: a
     * later occurrence wins, a value that is not a string counts as absent.
     */
    static final class Fields {
        String kind;
        String auditId;
        String stage;
        String stageTimestamp;
        /** Where {@code annotations.cluster_name} would go, found in this same pass. */
        final ClusterTagger.Place place = new ClusterTagger.Place();

        /** Called with the parser on the value of top-level field {@code field}. */
        void take(String field, JsonToken value, JsonParser p) throws IOException {
            place.member(field, value, p);
            switch (field) {
                case "kind":
                    kind = text(value, p);
                    break;
                case "auditID":
                    auditId = text(value, p);
                    break;
                case "stage":
                    stage = text(value, p);
                    break;
                case "stageTimestamp":
                    stageTimestamp = text(value, p);
                    break;
                default:
                    break;
            }
        }

        private static String text(JsonToken value, JsonParser p) throws IOException {
            return value == JsonToken.VALUE_STRING ? p.getText() : null;
        }
    }

    /**
     * Checks an event whose bytes were already parsed as one complete JSON object with nothing
     * after it (by {@link EnvelopeReader}), from the fields read in that pass: the same outcome as
     * {@link #validate} on those bytes, without parsing them a second time.
     */
    Result validateParsed(byte[] json, Fields fields, String objectKey) {
        if (json.length > maxEventBytes) {
            return fail(DeadLetterReason.OVERSIZE, "event of " + json.length + " bytes is over " + maxEventBytes);
        }
        return check(json, fields, objectKey);
    }

    Result validate(byte[] json, String objectKey) {
        if (json.length > maxEventBytes) {
            return fail(DeadLetterReason.OVERSIZE, "event of " + json.length + " bytes is over " + maxEventBytes);
        }
        if (scanner != null) {
            Fields scanned = scanner.read(json);
            if (scanned != null) {
                return check(json, scanned, objectKey);
            }
        }
        Fields fields = new Fields();
        try (JsonParser p = JSON.createParser(json)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return fail(DeadLetterReason.TRUNCATED_MESSAGE, "empty message");
            }
            if (first != JsonToken.START_OBJECT) {
                return fail(DeadLetterReason.NOT_AUDIT_EVENT, "JSON " + first + ", not an object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                fields.take(field, v, p);
                p.skipChildren();
            }
            if (t != JsonToken.END_OBJECT) {
                return fail(DeadLetterReason.NOT_AUDIT_EVENT, "malformed object");
            }
            fields.place.closed(p);
            if (p.nextToken() != null) {
                return fail(DeadLetterReason.NOT_AUDIT_EVENT, "content after the event's closing brace");
            }
        } catch (JsonEOFException e) {
            return fail(DeadLetterReason.TRUNCATED_MESSAGE, "JSON ends early after " + json.length + " bytes");
        } catch (JsonProcessingException e) {
            // Jackson's messages quote the offending text: report the position only.
            return fail(DeadLetterReason.NOT_AUDIT_EVENT, EnvelopeReader.invalidJson(e));
        } catch (IOException e) {
            return fail(DeadLetterReason.NOT_AUDIT_EVENT, "unreadable JSON: " + e.getClass().getSimpleName());
        }
        return check(json, fields, objectKey);
    }

    private static Result check(byte[] json, Fields f, String objectKey) {
        Result r = check(json, f.kind, f.auditId, f.stage, f.stageTimestamp, objectKey);
        return r.isValid() ? new Result(r.event, null, null, f.place) : r;
    }

    private static Result check(byte[] json, String kind, String auditId, String stage, String stageTimestamp,
            String objectKey) {
        if (!"Event".equals(kind)) {
            return fail(DeadLetterReason.NOT_AUDIT_EVENT, kind == null ? "no kind string" : "kind is not Event");
        }
        if (auditId == null || auditId.isEmpty()) {
            return fail(DeadLetterReason.MISSING_AUDIT_ID, "no auditID");
        }
        if (Stage.parse(stage) == null) {
            return fail(DeadLetterReason.BAD_STAGE, stage == null ? "no stage" : "unknown stage");
        }
        if (stageTimestamp == null) {
            return fail(DeadLetterReason.BAD_STAGE_TIMESTAMP, "no stageTimestamp");
        }
        Long millis = rfc3339Millis(stageTimestamp);
        if (millis == null) {
            return fail(DeadLetterReason.BAD_STAGE_TIMESTAMP, "stageTimestamp is not RFC 3339");
        }
        return new Result(new AuditEvent(auditId, stage, millis, objectKey, json), null, null);
    }

    /** Epoch millis of an RFC 3339 timestamp, or null. */
    static Long rfc3339Millis(String text) {
        long fast = utcMillis(text);
        if (fast != NOT_FAST) {
            return fast == INVALID ? null : fast;
        }
        if (!RFC3339.matcher(text).matches()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static final long NOT_FAST = Long.MIN_VALUE;
    private static final long INVALID = Long.MIN_VALUE + 1;

    /**
     * The shape the API server writes, {@code 2026-11-20T10:15:30.123456Z} (UTC, 'T' and 'Z'
     * upper case, 0-9 fraction digits), read by hand: the regex and {@code OffsetDateTime.parse}
     * cost a few microseconds per event. {@code INVALID} where the general path would refuse the
     * same text (a field out of range, more than 9 fraction digits); {@code NOT_FAST} for any other
     * shape (an offset, lower case, no seconds), which the general path then decides.
     */
    static long utcMillis(String t) {
        int n = t.length();
        if (n < 20 || t.charAt(n - 1) != 'Z' || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T'
                || t.charAt(13) != ':' || t.charAt(16) != ':') {
            return NOT_FAST;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 2);
        int day = digits(t, 8, 2);
        int hour = digits(t, 11, 2);
        int minute = digits(t, 14, 2);
        int second = digits(t, 17, 2);
        if ((year | month | day | hour | minute | second) < 0) {
            return NOT_FAST;
        }
        int millis = 0;
        if (n > 20) {
            if (t.charAt(19) != '.' || n == 21) {
                return NOT_FAST;
            }
            int fractionDigits = n - 21;
            for (int i = 20; i < n - 1; i++) {
                char c = t.charAt(i);
                if (c < '0' || c > '9') {
                    return NOT_FAST;
                }
                if (i < 23) {
                    millis = millis * 10 + (c - '0');
                }
            }
            if (fractionDigits > 9) {
                return INVALID; // ISO_OFFSET_DATE_TIME reads at most nanoseconds
            }
            for (int i = fractionDigits; i < 3; i++) {
                millis *= 10;
            }
        }
        if (month < 1 || month > 12 || day < 1 || day > java.time.YearMonth.of(year, month).lengthOfMonth()
                || hour > 23 || minute > 59 || second > 59) {
            return INVALID;
        }
        long epochDay = java.time.LocalDate.of(year, month, day).toEpochDay();
        return (epochDay * 86_400 + hour * 3600 + minute * 60 + second) * 1000 + millis;
    }

    /** The decimal value of {@code count} ASCII digits at {@code from}, or -1. */
    private static int digits(String t, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
