package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.deadletter.DeadLetterReason;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Test reference: JsonValueFramer as it was before its in-string scan went eight bytes at a
 * time, byte by byte. Otherwise the same code.
 *
 * <p>Cuts a stream of top-level JSON objects ({@code {..}{..}} or one per line) into the exact bytes
 * of each, without parsing or re-encoding them: Jackson cannot hand back a root value's raw bytes,
 * and the sink must forward events byte for byte. It only tracks strings, escapes and brace depth;
 * the decoder validates each value with Jackson.
 *
 * <p>Deterministic by construction (a restore re-frames the object and skips N items). Bad input
 * never throws: garbage between values becomes one {@code not-json} item and framing resumes at the
 * next {@code '{'}; a raw control character inside a string (impossible in JSON, typical of a
 * one-per-line object whose quote got lost) ends the value as {@code not-json} so the next line
 * still frames; an object ending inside a value gives {@code truncated-json}; a value over the
 * limit gives {@code oversize} and is skipped. A {@link MalformedObjectException} from a gzip layer
 * ends the object with that reason. {@link ObjectReadException} propagates: the caller retries.
 */
final class ByteByByteFramer {
    /** Dead letters keep at most this much of garbage or of a value cut short by gzip. */
    static final int MAX_KEPT_FAILURE_BYTES = 64 * 1024;

    private final InputStream in;
    private final long maxValueBytes;

    private final byte[] buf = new byte[64 * 1024];
    private int bufPos;
    private int bufLen;
    /** Decompressed-stream offset of buf[0]. */
    private long bufStart;

    private byte[] acc = new byte[4096];
    private int accLen;

    private boolean ended;
    private boolean producedAny;

    ByteByByteFramer(InputStream in, long maxValueBytes) {
        this.in = in;
        this.maxValueBytes = maxValueBytes;
    }

    /** Decompressed bytes consumed so far. */
    long position() {
        return bufStart + bufPos;
    }

    /** The next item, or null once the object is done. */
    FramedValue next() throws IOException {
        if (ended) {
            return null;
        }
        FramedValue item = scan();
        if (item == null) {
            ended = true;
            if (!producedAny) {
                producedAny = true;
                return FramedValue.failure(0, DeadLetterReason.EMPTY_OBJECT, "object holds no JSON", null);
            }
            return null;
        }
        producedAny = true;
        return item;
    }

    private FramedValue scan() throws IOException {
        long start = -1;
        try {
            int b;
            // Between values: whitespace is a delimiter, anything but '{' is garbage.
            while (true) {
                b = peek();
                if (b < 0) {
                    return null;
                }
                if (isWhitespace(b)) {
                    bufPos++;
                } else {
                    break;
                }
            }
            start = position();
            accLen = 0;
            if (b != '{') {
                return garbage(start);
            }
            return value(start);
        } catch (MalformedObjectException e) {
            ended = true;
            byte[] partial = start < 0 ? new byte[0] : Arrays.copyOf(acc, Math.min(accLen, MAX_KEPT_FAILURE_BYTES));
            return FramedValue.failure(start < 0 ? position() : start, e.reason(), e.getMessage(), partial);
        }
    }

    private FramedValue garbage(long start) throws IOException {
        long length = 0;
        while (true) {
            int b = peek();
            if (b < 0 || b == '{') {
                break;
            }
            if (accLen < MAX_KEPT_FAILURE_BYTES) {
                append((byte) b);
            }
            bufPos++;
            length++;
        }
        return FramedValue.failure(
                start, DeadLetterReason.NOT_JSON, length + " bytes that are not JSON", Arrays.copyOf(acc, accLen));
    }

    private FramedValue value(long start) throws IOException {
        int depth = 0;
        boolean inString = false;
        boolean escaped = false;
        long length = 0;
        boolean keeping = true;
        while (true) {
            if (bufPos >= bufLen && !refill()) {
                if (keeping) {
                    return FramedValue.failure(start, DeadLetterReason.TRUNCATED_JSON,
                            "object ends inside a JSON value of " + length + " bytes", Arrays.copyOf(acc, accLen));
                }
                return FramedValue.failure(start, DeadLetterReason.TRUNCATED_JSON,
                        "object ends inside a JSON value over " + maxValueBytes + " bytes", null);
            }
            // Scan the buffered run, then copy it in one go.
            int runStart = bufPos;
            int i = bufPos;
            int end = bufLen;
            boolean done = false;
            boolean broken = false;
            for (; i < end; i++) {
                int c = buf[i];
                if (inString) {
                    if (escaped) {
                        escaped = false;
                    } else if (c == '\\') {
                        escaped = true;
                    } else if (c == '"') {
                        inString = false;
                    } else if (c >= 0 && c < 0x20) {
                        broken = true;
                        break;
                    }
                } else if (c == '"') {
                    inString = true;
                } else if (c == '{' || c == '[') {
                    depth++;
                } else if (c == '}' || c == ']') {
                    depth--;
                    if (depth == 0) {
                        i++;
                        done = true;
                        break;
                    }
                }
            }
            int run = i - runStart;
            length += run;
            if (done && accLen == 0 && length <= maxValueBytes) {
                // The whole value is in the buffer: one copy instead of two.
                bufPos = i;
                return FramedValue.value(start, Arrays.copyOfRange(buf, runStart, i));
            }
            if (keeping && length > maxValueBytes) {
                keeping = false;
                accLen = 0;
                shrinkAccumulator();
            }
            if (keeping) {
                append(buf, runStart, run);
            }
            bufPos = i;
            if (broken) {
                // The control character itself is left for the between-values state (a newline).
                return FramedValue.failure(start, DeadLetterReason.NOT_JSON,
                        "raw control character inside a string after " + length + " bytes",
                        keeping ? Arrays.copyOf(acc, accLen) : null);
            }
            if (done) {
                if (!keeping) {
                    return FramedValue.failure(start, DeadLetterReason.OVERSIZE,
                            "JSON value of " + length + " bytes is over the limit of " + maxValueBytes, null);
                }
                return FramedValue.value(start, Arrays.copyOf(acc, accLen));
            }
        }
    }

    private int peek() throws IOException {
        if (bufPos >= bufLen && !refill()) {
            return -1;
        }
        return buf[bufPos] & 0xff;
    }

    private boolean refill() throws IOException {
        bufStart += bufLen;
        bufPos = 0;
        bufLen = 0;
        int n;
        do {
            n = in.read(buf, 0, buf.length);
        } while (n == 0);
        if (n < 0) {
            return false;
        }
        bufLen = n;
        return true;
    }

    private void append(byte b) {
        ensure(accLen + 1);
        acc[accLen++] = b;
    }

    private void append(byte[] src, int off, int len) {
        ensure(accLen + len);
        System.arraycopy(src, off, acc, accLen, len);
        accLen += len;
    }

    private void ensure(int needed) {
        if (needed > acc.length) {
            acc = Arrays.copyOf(acc, Math.max(needed, acc.length * 2));
        }
    }

    /** Do not keep a huge buffer alive after one huge value. */
    private void shrinkAccumulator() {
        if (acc.length > 1024 * 1024) {
            acc = new byte[4096];
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long QUOTES = 0x2222222222222222L;
    private static final long BACKSLASHES = 0x5c5c5c5c5c5c5c5cL;
    private static final long TOP3 = 0xe0e0e0e0e0e0e0e0L;

    /** Whether any of eight bytes is a quote, a backslash or a control character (0x00-0x1f). */
    static boolean special(long w) {
        return specialMask(w) != 0;
    }

    /**
     * The high bit of each byte (little-endian: byte k is bits 8k..8k+7) that may be special; 0
     * when none is. The lowest set bit is exact (the first special byte): a false mark can only
     * sit above a true one, where a borrow ran on.
     */
    static long specialMask(long w) {
        return zeroBytes(w ^ QUOTES) | zeroBytes(w ^ BACKSLASHES) | zeroBytes(w & TOP3);
    }

    /** The classic bit trick: non-zero exactly when some byte is zero, its lowest mark exact. */
    private static long zeroBytes(long v) {
        return (v - ONES) & ~v & HIGHS;
    }

    private static boolean isWhitespace(int b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }
}
