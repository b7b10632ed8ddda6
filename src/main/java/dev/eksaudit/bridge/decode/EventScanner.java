package dev.eksaudit.bridge.decode;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * An audit event's top-level fields read without Jackson, for the validator: checks that the
 * bytes are one well-formed JSON object and takes {@code kind}, {@code auditID}, {@code stage},
 * {@code stageTimestamp} and the place of {@code annotations.cluster_name}, all in one pass that
 * skips nested values byte by byte (eight at a time inside strings). Jackson's token stream built
 * every nested name and number of each event only for the validator to throw them away.
 *
 * <p>Strict: it answers only for input that Jackson reads without error, and then exactly as
 * {@link AuditEventValidator} reads it with Jackson. Anything else gives null and the validator
 * asks Jackson as before, so every failure's reason and detail still come from Jackson: malformed
 * or truncated JSON, a literal or number Jackson refuses, a byte that is not strict UTF-8, a
 * control character in a string, nesting deeper than {@link #MAX_DEPTH}, a string, name or number
 * over Jackson's length limits, content after the object, a top-level {@code messageType} (the
 * envelope reader's case), and the rare events whose interpreted fields (the four strings, the
 * names at the top and in {@code annotations}, {@code cluster_name}) hold an escape or a non-ASCII
 * byte.
 */
final class EventScanner {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long QUOTES = 0x2222222222222222L;
    private static final long BACKSLASHES = 0x5c5c5c5c5c5c5c5cL;
    private static final long HIGHS = 0x8080808080808080L;

    /** Deeper than this is left to Jackson (whose own limit is 1,000); audit events nest ~10 deep. */
    static final int MAX_DEPTH = 200;

    private static final byte[] KIND = ascii("kind");
    private static final byte[] AUDIT_ID = ascii("auditID");
    private static final byte[] STAGE = ascii("stage");
    private static final byte[] STAGE_TIMESTAMP = ascii("stageTimestamp");
    private static final byte[] ANNOTATIONS = ascii("annotations");
    private static final byte[] MESSAGE_TYPE = ascii("messageType");
    private static final byte[] CLUSTER_NAME = ascii("cluster_name");

    private final int maxStringLength;
    private final int maxNameLength;
    private final int maxNumberLength;

    EventScanner() {
        this(StreamReadConstraints.defaults().getMaxStringLength(), StreamReadConstraints.defaults().getMaxNameLength(),
                StreamReadConstraints.defaults().getMaxNumberLength());
    }

    EventScanner(int maxStringLength, int maxNameLength, int maxNumberLength) {
        this.maxStringLength = maxStringLength;
        this.maxNameLength = maxNameLength;
        this.maxNumberLength = maxNumberLength;
    }

    private byte[] in;
    private int pos;
    /** The string just read: its content is in[start, end), plain when ASCII without escapes. */
    private int start;
    private int end;
    private boolean plain;
    /** A top-level kind or auditID member was seen (what makes a bare value an event). */
    private boolean eventField;

    /** The fields, or null: then Jackson reads the value. */
    AuditEventValidator.Fields read(byte[] json) {
        in = json;
        pos = 0;
        eventField = false;
        try {
            return event();
        } finally {
            in = null;
        }
    }

    /** Whether the last value {@link #read} took had a top-level {@code kind} or {@code auditID}. */
    boolean sawEventField() {
        return eventField;
    }

    private AuditEventValidator.Fields event() {
        if (peekAfterWhitespace() != '{') {
            return null;
        }
        pos++;
        AuditEventValidator.Fields f = new AuditEventValidator.Fields();
        ClusterTagger.Place place = f.place;
        int next = peekAfterWhitespace();
        if (next != '}') {
            while (true) {
                if (next != '"' || !string(true) || !plain) {
                    return null;
                }
                int nameStart = start;
                int nameLength = end - start;
                if (peekAfterWhitespace() != ':') {
                    return null;
                }
                pos++;
                int c = peekAfterWhitespace();
                int valueAt = pos;
                place.members++;
                if (is(nameStart, nameLength, ANNOTATIONS) && place.annotations == null) {
                    if (!annotations(place, c, valueAt)) {
                        return null;
                    }
                } else if (is(nameStart, nameLength, KIND)) {
                    eventField = true;
                    if (!textOrValue(c)) {
                        return null;
                    }
                    f.kind = text(c);
                } else if (is(nameStart, nameLength, AUDIT_ID)) {
                    eventField = true;
                    if (!textOrValue(c)) {
                        return null;
                    }
                    f.auditId = text(c);
                } else if (is(nameStart, nameLength, STAGE)) {
                    if (!textOrValue(c)) {
                        return null;
                    }
                    f.stage = text(c);
                } else if (is(nameStart, nameLength, STAGE_TIMESTAMP)) {
                    if (!textOrValue(c)) {
                        return null;
                    }
                    f.stageTimestamp = text(c);
                } else if (is(nameStart, nameLength, MESSAGE_TYPE)) {
                    return null;
                } else if (!value(1)) {
                    return null;
                }
                next = peekAfterWhitespace();
                if (next == '}') {
                    break;
                }
                if (next != ',') {
                    return null;
                }
                pos++;
                next = peekAfterWhitespace();
            }
        }
        place.closeAt = pos;
        pos++;
        if (peekAfterWhitespace() != -1) {
            return null;
        }
        return f;
    }

    /** The first top-level annotations: its token and offset; for an object, its members and cluster_name. */
    private boolean annotations(ClusterTagger.Place place, int c, int valueAt) {
        place.annotationsAt = valueAt;
        if (c != '{') {
            if (!value(1)) {
                return false;
            }
            place.annotations = token(c, valueAt);
            return true;
        }
        place.annotations = JsonToken.START_OBJECT;
        pos++;
        int next = peekAfterWhitespace();
        if (next == '}') {
            pos++;
            return true;
        }
        while (true) {
            if (next != '"' || !string(true) || !plain) {
                return false;
            }
            boolean clusterName = end - start == CLUSTER_NAME.length && is(start, end - start, CLUSTER_NAME);
            if (peekAfterWhitespace() != ':') {
                return false;
            }
            pos++;
            int v = peekAfterWhitespace();
            place.annotationMembers++;
            if (clusterName && !place.hasClusterName) {
                place.hasClusterName = true;
                if (!textOrValue(v)) {
                    return false;
                }
                place.clusterName = text(v);
            } else if (!value(2)) {
                return false;
            }
            next = peekAfterWhitespace();
            pos++;
            if (next == '}') {
                return true;
            }
            if (next != ',') {
                return false;
            }
            next = peekAfterWhitespace();
        }
    }

    /** A value at pos whose text is kept if it is a string: then it must be plain. */
    private boolean textOrValue(int c) {
        if (c == '"') {
            return string(false) && plain;
        }
        return value(1);
    }

    /** The text of the value just read by {@link #textOrValue}, or null when it was not a string. */
    private String text(int c) {
        return c == '"' ? new String(in, start, end - start, StandardCharsets.ISO_8859_1) : null;
    }

    /** The token Jackson gives for the value at {@code from} that starts with {@code c} and was just read. */
    private JsonToken token(int c, int from) {
        switch (c) {
            case '[':
                return JsonToken.START_ARRAY;
            case '"':
                return JsonToken.VALUE_STRING;
            case 't':
                return JsonToken.VALUE_TRUE;
            case 'f':
                return JsonToken.VALUE_FALSE;
            case 'n':
                return JsonToken.VALUE_NULL;
            default:
                for (int i = from; i < pos; i++) {
                    if (in[i] == '.' || in[i] == 'e' || in[i] == 'E') {
                        return JsonToken.VALUE_NUMBER_FLOAT;
                    }
                }
                return JsonToken.VALUE_NUMBER_INT;
        }
    }

    /** Any JSON value at pos (after whitespace), pos after it; {@code depth} of the containers it is in. */
    private boolean value(int depth) {
        if (pos >= in.length) {
            return false;
        }
        switch (in[pos]) {
            case '"':
                return string(false);
            case '{':
                return object(depth + 1);
            case '[':
                return array(depth + 1);
            case 't':
                return literal('t', 'r', 'u', 'e');
            case 'f':
                return literal('f', 'a', 'l', 's', 'e');
            case 'n':
                return literal('n', 'u', 'l', 'l');
            default:
                return number();
        }
    }

    private boolean object(int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        pos++;
        int next = peekAfterWhitespace();
        if (next == '}') {
            pos++;
            return true;
        }
        while (true) {
            if (next != '"' || !string(true) || peekAfterWhitespace() != ':') {
                return false;
            }
            pos++;
            skipWhitespace();
            if (!value(depth)) {
                return false;
            }
            next = peekAfterWhitespace();
            pos++;
            if (next == '}') {
                return true;
            }
            if (next != ',') {
                return false;
            }
            next = peekAfterWhitespace();
        }
    }

    private boolean array(int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        pos++;
        if (peekAfterWhitespace() == ']') {
            pos++;
            return true;
        }
        while (true) {
            if (!value(depth)) {
                return false;
            }
            int next = peekAfterWhitespace();
            pos++;
            if (next == ']') {
                return true;
            }
            if (next != ',') {
                return false;
            }
            skipWhitespace();
        }
    }

    /**
     * The JSON string at {@code in[pos]} (its opening quote), pos after its closing quote: its
     * escapes well formed, its bytes strict UTF-8, no control character; false otherwise. A name
     * ({@code name}) must not hold an escape above 0x7f (left to Jackson, which decodes names).
     */
    private boolean string(boolean name) {
        byte[] b = in;
        int limit = b.length;
        int i = pos + 1;
        boolean escapesOrHigh = false;
        while (true) {
            if (i + 8 <= limit) {
                long w = (long) LONGS.get(b, i);
                long m = JsonValueFramer.equalBytes(w, QUOTES) | JsonValueFramer.equalBytes(w, BACKSLASHES)
                        | JsonValueFramer.controlBytes(w) | (w & HIGHS);
                if (m == 0) {
                    i += 8;
                    continue;
                }
                i += Long.numberOfTrailingZeros(m) >>> 3;
            } else if (i >= limit) {
                return false;
            }
            int c = b[i];
            if (c == '"') {
                int length = i - pos - 1;
                if (length > (name ? maxNameLength : maxStringLength)) {
                    return false;
                }
                start = pos + 1;
                end = i;
                plain = !escapesOrHigh;
                pos = i + 1;
                return true;
            }
            if (c == '\\') {
                escapesOrHigh = true;
                if (i + 1 >= limit) {
                    return false;
                }
                switch (b[i + 1]) {
                    case '"':
                    case '\\':
                    case '/':
                    case 'b':
                    case 'f':
                    case 'n':
                    case 'r':
                    case 't':
                        i += 2;
                        continue;
                    case 'u':
                        int u = i + 6 <= limit ? JsonBytes.hex4(b, i + 2) : -1;
                        if (u < 0 || (name && u >= 0x80)) {
                            return false;
                        }
                        i += 6;
                        continue;
                    default:
                        return false;
                }
            }
            if (c >= 0x20) {
                i++;
                continue;
            }
            if (c >= 0) {
                return false; // a control character
            }
            escapesOrHigh = true;
            int n = utf8Sequence(b, i, limit);
            if (n == 0) {
                return false;
            }
            i += n;
        }
    }

    /** The length of the well-formed UTF-8 sequence of two to four bytes at {@code i}, or 0. */
    private static int utf8Sequence(byte[] b, int i, int limit) {
        int c = b[i] & 0xff;
        if (c >= 0xc2 && c <= 0xdf) {
            return i + 1 < limit && continuation(b[i + 1]) ? 2 : 0;
        }
        if (c >= 0xe0 && c <= 0xef) {
            if (i + 2 >= limit) {
                return 0;
            }
            int c1 = b[i + 1] & 0xff;
            boolean first = c == 0xe0 ? c1 >= 0xa0 && c1 <= 0xbf : c == 0xed ? c1 >= 0x80 && c1 <= 0x9f : continuation(b[i + 1]);
            return first && continuation(b[i + 2]) ? 3 : 0;
        }
        if (c >= 0xf0 && c <= 0xf4) {
            if (i + 3 >= limit) {
                return 0;
            }
            int c1 = b[i + 1] & 0xff;
            boolean first = c == 0xf0 ? c1 >= 0x90 && c1 <= 0xbf : c == 0xf4 ? c1 >= 0x80 && c1 <= 0x8f : continuation(b[i + 1]);
            return first && continuation(b[i + 2]) && continuation(b[i + 3]) ? 4 : 0;
        }
        return 0;
    }

    private static boolean continuation(byte b) {
        return (b & 0xc0) == 0x80;
    }

    private boolean literal(char... text) {
        byte[] b = in;
        if (pos + text.length > b.length) {
            return false;
        }
        for (int k = 0; k < text.length; k++) {
            if (b[pos + k] != text[k]) {
                return false;
            }
        }
        pos += text.length;
        return endsValue();
    }

    /** A JSON number at pos (RFC 8259 grammar), pos after it. */
    private boolean number() {
        int end = JsonBytes.numberEnd(in, pos, maxNumberLength);
        if (end < 0) {
            return false;
        }
        pos = end;
        return true;
    }

    /** What follows a number or literal must end it (Jackson: "unexpected character" otherwise). */
    private boolean endsValue() {
        return JsonBytes.endsValue(in, pos);
    }

    private boolean is(int from, int length, byte[] name) {
        if (length != name.length) {
            return false;
        }
        byte[] b = in;
        for (int k = 0; k < length; k++) {
            if (b[from + k] != name[k]) {
                return false;
            }
        }
        return true;
    }

    private void skipWhitespace() {
        byte[] b = in;
        int i = pos;
        while (i < b.length && JsonBytes.isWhitespace(b[i])) {
            i++;
        }
        pos = i;
    }

    /** The next byte after whitespace (pos left on it), or -1 at the end. */
    private int peekAfterWhitespace() {
        byte[] b = in;
        int i = pos;
        if (i < b.length && b[i] > ' ') {
            return b[i]; // compact JSON: no whitespace between tokens
        }
        skipWhitespace();
        return pos < b.length ? b[pos] & 0xff : -1;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
