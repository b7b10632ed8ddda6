package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.deadletter.DeadLetterReason;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * The oracle of {@link GzipMembersEquivalenceTest}: {@link DecompressingInputStream} and
 * {@link GzipMembersInputStream} as they were before the one-Inflater reader, on a commons-compress
 * {@link GzipCompressorInputStream} per member with mark/reset on buffered streams between the
 * layers. Kept verbatim (test tree only), so the new reader is held to the old one's output and
 * failures.
 */
final class CommonsCompressGzipOracle extends InputStream {
    /** More layers than Firehose ever writes: past this the bytes are left to fail as not-json. */
    static final int MAX_LAYERS = 4;
    private static final int BUFFER = 64 * 1024;

    private final InputStream raw;
    private final int verifyLimit;
    private InputStream body;
    private int layers;

    CommonsCompressGzipOracle(InputStream raw, int verifyLimit) {
        this.raw = raw;
        this.verifyLimit = verifyLimit;
    }

    /** gzip layers found (valid once reading started). */
    int layers() {
        return layers;
    }

    private InputStream body() throws IOException {
        if (body == null) {
            InputStream current = new BufferedInputStream(raw, BUFFER);
            while (layers < MAX_LAYERS && startsWithGzipMagic(current)) {
                current = new BufferedInputStream(new Members(current, verifyLimit), BUFFER);
                layers++;
            }
            body = current;
        }
        return body;
    }

    private static boolean startsWithGzipMagic(InputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = b0 < 0 ? -1 : in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b;
    }

    @Override
    public int read() throws IOException {
        return body().read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return body().read(b, off, len);
    }

    @Override
    public void close() throws IOException {
        raw.close();
    }

    /** The old GzipMembersInputStream. */
    static final class Members extends InputStream {
        private static final int CHUNK = 64 * 1024;

        /** Mark-supporting, so commons-compress can hand back the bytes after a member's trailer. */
        private final InputStream in;
        private final int verifyLimit;

        private GzipCompressorInputStream member;
        private int members;
        /** null until the first bytes show whether this layer holds more gzip (stream) or JSON (hold back). */
        private Boolean holdBack;
        private boolean finished;
        /** A truncation to report once the bytes inflated before it have been handed out. */
        private IOException pendingFailure;

        private byte[] buf = new byte[CHUNK];
        private int pos;
        private int count;

        Members(InputStream markSupporting, int verifyLimit) {
            if (!markSupporting.markSupported()) {
                throw new IllegalArgumentException("needs a stream that supports mark/reset");
            }
            this.in = new NonClosing(markSupporting);
            this.verifyLimit = Math.max(CHUNK, verifyLimit);
        }

        /** Members seen so far, for logs. */
        int members() {
            return members;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (pos >= count) {
                if (finished) {
                    return -1;
                }
                fill();
            }
            int n = Math.min(len, count - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        /** Loads the next bytes that may be released: a whole verified member, or a streamed chunk. */
        private void fill() throws IOException {
            pos = 0;
            count = 0;
            while (true) {
                if (member == null) {
                    if (!startMember()) {
                        finished = true;
                        return;
                    }
                }
                if (count == buf.length) {
                    if (Boolean.TRUE.equals(holdBack) && buf.length < verifyLimit) {
                        buf = Arrays.copyOf(buf, (int) Math.min((long) verifyLimit, buf.length * 2L));
                    } else {
                        // An outer layer, or a member too large to hold: stream it unverified.
                        return;
                    }
                }
                int n = readMember(buf, count, buf.length - count);
                if (n < 0) {
                    endMember();
                    if (holdBack == null) {
                        holdBack = Boolean.TRUE;
                    }
                    if (count > 0) {
                        return;
                    }
                    continue;
                }
                count += n;
                if (holdBack == null && count >= 2) {
                    holdBack = !((buf[0] & 0xff) == 0x1f && (buf[1] & 0xff) == 0x8b);
                }
                if (Boolean.FALSE.equals(holdBack)) {
                    return;
                }
            }
        }

        private boolean startMember() throws IOException {
            in.mark(2);
            int b0 = in.read();
            int b1 = b0 < 0 ? -1 : in.read();
            in.reset();
            if (b0 < 0) {
                return false;
            }
            if (b0 != 0x1f || b1 != 0x8b) {
                throw new MalformedObjectException(
                        DeadLetterReason.BAD_GZIP, "bytes after gzip member " + members + " are not gzip");
            }
            try {
                member = new GzipCompressorInputStream(in, false);
            } catch (IOException e) {
                throw classify(e, "header");
            }
            members++;
            return true;
        }

        private int readMember(byte[] b, int off, int len) throws IOException {
            if (pendingFailure != null) {
                throw pendingFailure;
            }
            long before = member.getBytesRead();
            try {
                return member.read(b, off, len);
            } catch (IOException e) {
                IOException failure = classify(e, "data");
                // commons-compress drops what it inflated in the failing call; its counter still knows.
                // Hand those bytes out first, so a cut in an outer layer keeps the inner members before it.
                long produced = member.getBytesRead() - before;
                if (produced > 0 && failure instanceof MalformedObjectException
                        && ((MalformedObjectException) failure).reason() == DeadLetterReason.TRUNCATED_GZIP) {
                    pendingFailure = failure;
                    return (int) produced;
                }
                throw failure;
            }
        }

        private void endMember() {
            try {
                member.close();
            } catch (IOException ignored) {
                // Only releases the Inflater; the shared stream is shielded from close.
            }
            member = null;
        }

        private IOException classify(IOException e, String where) {
            if (e instanceof ObjectReadException || e instanceof MalformedObjectException) {
                return e;
            }
            if (e instanceof EOFException) {
                return new MalformedObjectException(
                        DeadLetterReason.TRUNCATED_GZIP, "gzip member " + (members + (where.equals("header") ? 1 : 0))
                                + " ends early (" + where + ")");
            }
            // commons-compress messages are fixed texts ("corrupt", "CRC32 error"), never data.
            return new MalformedObjectException(
                    DeadLetterReason.BAD_GZIP, "gzip member " + (members + (where.equals("header") ? 1 : 0))
                            + " does not inflate: " + e.getMessage());
        }

        @Override
        public void close() throws IOException {
            if (member != null) {
                endMember();
            }
            in.close();
        }

        /** Keeps commons-compress from closing the shared stream when a member ends. */
        private static final class NonClosing extends FilterInputStream {
            NonClosing(InputStream in) {
                super(in);
            }

            @Override
            public void close() {}
        }
}
}
