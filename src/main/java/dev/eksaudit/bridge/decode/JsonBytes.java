package dev.eksaudit.bridge.decode;

/** JSON grammar pieces both byte scanners ({@link EnvelopeScanner}, {@link EventScanner}) read the same way. */
final class JsonBytes {
    private JsonBytes() {}

    /**
     * The end of the JSON number (RFC 8259 grammar) at {@code from}, or -1: malformed, longer than
     * {@code maxLength} (Jackson's limit), or followed by a byte that does not end a value (Jackson:
     * "unexpected character").
     */
    static int numberEnd(byte[] b, int from, int maxLength) {
        int i = from;
        int end = b.length;
        if (i < end && b[i] == '-') {
            i++;
        }
        if (i >= end) {
            return -1;
        }
        if (b[i] == '0') {
            i++;
        } else if (b[i] >= '1' && b[i] <= '9') {
            i = digitsEnd(b, i);
        } else {
            return -1;
        }
        if (i < end && b[i] == '.') {
            int digits = i + 1;
            i = digitsEnd(b, digits);
            if (i == digits) {
                return -1;
            }
        }
        if (i < end && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            if (i < end && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            int digits = i;
            i = digitsEnd(b, digits);
            if (i == digits) {
                return -1;
            }
        }
        if (i - from > maxLength || !endsValue(b, i)) {
            return -1;
        }
        return i;
    }

    private static int digitsEnd(byte[] b, int i) {
        while (i < b.length && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        return i;
    }

    /** Whether what is at {@code at} may follow a number or literal: the end, a separator, whitespace. */
    static boolean endsValue(byte[] b, int at) {
        if (at >= b.length) {
            return true;
        }
        int c = b[at];
        return c == ',' || c == '}' || c == ']' || isWhitespace(c);
    }

    /** The value of four hex digits at {@code at} (the caller checked they are there), or -1. */
    static int hex4(byte[] b, int at) {
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int c = b[at + k];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) {
                return -1;
            }
            v = v << 4 | d;
        }
        return v;
    }

    static boolean isWhitespace(int c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }
}
