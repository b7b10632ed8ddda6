package dev.eksaudit.bridge.decode;

import com.fasterxml.jackson.core.StreamReadConstraints;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A CloudWatch Logs envelope read without Jackson, for the one shape CloudWatch Logs writes: an
 * object of {@code messageType}, {@code owner}, {@code logGroup}, {@code logStream} (strings),
 * {@code subscriptionFilters} (strings) and {@code logEvents} (objects of a string {@code id}, a
 * number {@code timestamp} and a string {@code message}), all strings ASCII. Jackson tokenized each
 * message (the escaped JSON of an audit event, most of an envelope's bytes) into chars that were
 * then turned back into bytes; here a message is unescaped straight into its bytes, eight at a time.
 *
 * <p>Strict: anything it does not take exactly as Jackson would (another field, a repeated one, a
 * byte over 0x7f, a backslash-u escape above 0x7f, a literal, a malformed number or string, content
 * after the object, a string or number over Jackson's length limits) gives null, and the caller reads the value with Jackson as before. So a value
 * it returns is the one Jackson would have given, and every other value is read as before.
 */
final class EnvelopeScanner {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long QUOTES = 0x2222222222222222L;
    private static final long BACKSLASHES = 0x5c5c5c5c5c5c5c5cL;
    private static final long HIGHS = 0x8080808080808080L;

    private static final byte[] MESSAGE_TYPE = ascii("messageType");
    private static final byte[] OWNER = ascii("owner");
    private static final byte[] LOG_GROUP = ascii("logGroup");
    private static final byte[] LOG_STREAM = ascii("logStream");
    private static final byte[] SUBSCRIPTION_FILTERS = ascii("subscriptionFilters");
    private static final byte[] LOG_EVENTS = ascii("logEvents");
    private static final byte[] ID = ascii("id");
    private static final byte[] TIMESTAMP = ascii("timestamp");
    private static final byte[] MESSAGE = ascii("message");

    /**
     * Jackson's limits (StreamReadConstraints): a longer string or number is an error there, so
     * here it is left to Jackson.
     */
    private final int maxStringLength;
    private final int maxNumberLength;

    EnvelopeScanner() {
        this(StreamReadConstraints.defaults().getMaxStringLength(), StreamReadConstraints.defaults().getMaxNumberLength());
    }

    EnvelopeScanner(int maxStringLength, int maxNumberLength) {
        this.maxStringLength = maxStringLength;
        this.maxNumberLength = maxNumberLength;
    }

    /** Unescaped bytes of the string being read; at least 16 bytes longer than what is in it. */
    private byte[] scratch = new byte[8 * 1024];
    private int length;

    private byte[] in;
    private int pos;

    /** The envelope, or null: then Jackson reads it. */
    EnvelopeReader.Record read(byte[] json) {
        in = json;
        pos = 0;
        try {
            return envelope();
        } finally {
            in = null;
        }
    }

    private EnvelopeReader.Record envelope() {
        if (!skipWhitespaceTo('{')) {
            return null;
        }
        String messageType = null;
        String owner = null;
        String logGroup = null;
        String logStream = null;
        List<EnvelopeReader.LogEvent> logEvents = null;
        int seen = 0;
        pos++;
        if (peekAfterWhitespace() == '}') {
            return null;
        }
        while (true) {
            if (!skipWhitespaceTo('"') || !string()) {
                return null;
            }
            int field = field(MESSAGE_TYPE, OWNER, LOG_GROUP, LOG_STREAM, SUBSCRIPTION_FILTERS, LOG_EVENTS);
            if (field < 0 || (seen & 1 << field) != 0 || !skipWhitespaceTo(':')) {
                return null;
            }
            seen |= 1 << field;
            pos++;
            if (field == 4) {
                if (!stringArray()) {
                    return null;
                }
            } else if (field == 5) {
                logEvents = logEvents();
                if (logEvents == null) {
                    return null;
                }
            } else {
                if (!skipWhitespaceTo('"') || !string()) {
                    return null;
                }
                String value = new String(scratch, 0, length, StandardCharsets.ISO_8859_1);
                if (field == 0) {
                    messageType = value;
                } else if (field == 1) {
                    owner = value;
                } else if (field == 2) {
                    logGroup = value;
                } else {
                    logStream = value;
                }
            }
            int next = peekAfterWhitespace();
            pos++;
            if (next == '}') {
                break;
            }
            if (next != ',') {
                return null;
            }
        }
        if (peekAfterWhitespace() != -1 || messageType == null) {
            return null;
        }
        EnvelopeReader.Record r = new EnvelopeReader.Record(EnvelopeReader.Kind.ENVELOPE, messageType, logStream, logEvents, null);
        r.logGroup = logGroup;
        r.owner = owner;
        return r;
    }

    private boolean stringArray() {
        if (!skipWhitespaceTo('[')) {
            return false;
        }
        pos++;
        if (peekAfterWhitespace() == ']') {
            pos++;
            return true;
        }
        while (true) {
            if (!skipWhitespaceTo('"') || !string()) {
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
        }
    }

    private List<EnvelopeReader.LogEvent> logEvents() {
        if (!skipWhitespaceTo('[')) {
            return null;
        }
        pos++;
        List<EnvelopeReader.LogEvent> events = new ArrayList<>();
        if (peekAfterWhitespace() == ']') {
            pos++;
            return Collections.unmodifiableList(events);
        }
        while (true) {
            if (!skipWhitespaceTo('{')) {
                return null;
            }
            pos++;
            String id = null;
            byte[] message = null;
            int seen = 0;
            if (peekAfterWhitespace() != '}') {
                while (true) {
                    if (!skipWhitespaceTo('"') || !string()) {
                        return null;
                    }
                    int field = field(ID, TIMESTAMP, MESSAGE);
                    if (field < 0 || (seen & 1 << field) != 0 || !skipWhitespaceTo(':')) {
                        return null;
                    }
                    seen |= 1 << field;
                    pos++;
                    if (field == 1) {
                        skipWhitespace();
                        if (!number()) {
                            return null;
                        }
                    } else {
                        if (!skipWhitespaceTo('"') || !string()) {
                            return null;
                        }
                        if (field == 0) {
                            id = new String(scratch, 0, length, StandardCharsets.ISO_8859_1);
                        } else {
                            message = Arrays.copyOf(scratch, length);
                        }
                    }
                    int next = peekAfterWhitespace();
                    pos++;
                    if (next == '}') {
                        break;
                    }
                    if (next != ',') {
                        return null;
                    }
                }
            } else {
                pos++;
            }
            events.add(new EnvelopeReader.LogEvent(events.size(), id, message));
            int next = peekAfterWhitespace();
            pos++;
            if (next == ']') {
                return Collections.unmodifiableList(events);
            }
            if (next != ',') {
                return null;
            }
        }
    }

    /** Which of these names the string just read is, or -1. */
    private int field(byte[]... names) {
        for (int k = 0; k < names.length; k++) {
            if (Arrays.equals(scratch, 0, length, names[k], 0, names[k].length)) {
                return k;
            }
        }
        return -1;
    }

    /**
     * The JSON string at {@code in[pos]} (its opening quote) unescaped into scratch[0..length),
     * pos after its closing quote; false when it is not ASCII with the usual escapes, or malformed.
     */
    private boolean string() {
        byte[] b = in;
        int end = b.length;
        int i = pos + 1;
        byte[] s = scratch;
        int n = 0;
        while (true) {
            if (n + 16 > s.length) {
                s = scratch = Arrays.copyOf(s, s.length * 2);
            }
            if (i + 8 <= end) {
                // The word is stored whole, then the count moves to its first special byte.
                long w = (long) LONGS.get(b, i);
                long m = JsonValueFramer.equalBytes(w, QUOTES) | JsonValueFramer.equalBytes(w, BACKSLASHES)
                        | JsonValueFramer.controlBytes(w) | (w & HIGHS);
                LONGS.set(s, n, w);
                if (m == 0) {
                    i += 8;
                    n += 8;
                    continue;
                }
                int k = Long.numberOfTrailingZeros(m) >>> 3;
                i += k;
                n += k;
            } else if (i >= end) {
                return false;
            }
            int c = b[i];
            if (c == '"') {
                if (n > maxStringLength) {
                    return false;
                }
                pos = i + 1;
                length = n;
                return true;
            }
            if (c != '\\') {
                if (c < 0x20) { // a control character, or (negative) a byte over 0x7f
                    return false;
                }
                s[n++] = (byte) c;
                i++;
                continue;
            }
            if (i + 1 >= end) {
                return false;
            }
            int e = b[i + 1];
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    s[n++] = (byte) e;
                    break;
                case 'b':
                    s[n++] = '\b';
                    break;
                case 'f':
                    s[n++] = '\f';
                    break;
                case 'n':
                    s[n++] = '\n';
                    break;
                case 'r':
                    s[n++] = '\r';
                    break;
                case 't':
                    s[n++] = '\t';
                    break;
                case 'u':
                    int u = i + 6 <= end ? JsonBytes.hex4(b, i + 2) : -1;
                    if (u < 0 || u >= 0x80) {
                        return false;
                    }
                    s[n++] = (byte) u;
                    i += 6;
                    continue;
                default:
                    return false;
            }
            i += 2;
        }
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

    private void skipWhitespace() {
        while (pos < in.length && JsonBytes.isWhitespace(in[pos])) {
            pos++;
        }
    }

    /** Skips whitespace; whether the next byte is {@code c} (pos left on it). */
    private boolean skipWhitespaceTo(char c) {
        skipWhitespace();
        return pos < in.length && in[pos] == c;
    }

    /** The next byte after whitespace (pos left on it), or -1 at the end. */
    private int peekAfterWhitespace() {
        skipWhitespace();
        return pos < in.length ? in[pos] & 0xff : -1;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
