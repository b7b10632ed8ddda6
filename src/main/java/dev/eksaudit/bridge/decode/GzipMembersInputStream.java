package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.deadletter.DeadLetterReason;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Every member of a (multi-member) gzip stream, one member at a time, on one {@link Inflater}.
 *
 * <p>Members are read one by one because a member's end is the only point where its CRC says its
 * bytes are genuine (the JDK's GZIPInputStream also stops after the first member when
 * {@code available()} is 0). When this layer holds the JSON itself (not yet another gzip layer), a
 * member's bytes are held back until its CRC is checked, up to {@code verifyLimit} bytes: a corrupt
 * CloudWatch Logs record then becomes a dead letter instead of a fabricated audit event. A record
 * cut short loses only its own member.
 *
 * <p>A Firehose object holds one member per CloudWatch Logs record (about three audit events), so
 * the RFC 1952 header and trailer are read here, from this class's own input buffer, and the one
 * raw-deflate Inflater is {@link Inflater#reset() reset} between members: no native Inflater per
 * member, and no mark/reset on the stream below (the bytes the Inflater did not consume are the
 * trailer and the next member). Header and trailer checks, and their messages, are those of
 * commons-compress's GzipCompressorInputStream, which this class replaced.
 *
 * <p>Errors come out as {@link MalformedObjectException} ({@code truncated-gzip} or
 * {@code bad-gzip}); storage errors ({@link ObjectReadException}) pass through untouched.
 * {@link #close()} ends the Inflater (native memory) and closes the stream below.
 */
final class GzipMembersInputStream extends InputStream {
    private static final int CHUNK = 64 * 1024;
    /** Compressed bytes read from below at once. */
    private static final int INPUT = 64 * 1024;

    // RFC 1952 2.3.1 header flags.
    private static final int FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;
    private static final int FRESERVED = 0xe0;

    private final InputStream in;
    private final int verifyLimit;
    private final Inflater inflater;
    private final CRC32 crc = new CRC32();

    /** Compressed bytes; input[inPos, inLimit) are not yet used (when no member data is being inflated). */
    private final byte[] input = new byte[INPUT];
    private int inPos;
    private int inLimit;

    /** A member's header was read and its trailer not yet. */
    private boolean inMember;
    /** The current member's trailer was checked: its reads answer -1 until the next member starts. */
    private boolean memberEnded;
    /** Bytes inflated in the current readMember call (handed out before a truncation). */
    private int produced;

    private int members;
    /** null until the first bytes show whether this layer holds more gzip (stream) or JSON (hold back). */
    private Boolean holdBack;
    private boolean finished;
    /** A truncation to report once the bytes inflated before it have been handed out. */
    private IOException pendingFailure;

    private byte[] buf = new byte[CHUNK];
    private int pos;
    private int count;
    private final byte[] one = new byte[1];

    /** @param inflater a raw-deflate ({@code nowrap}) Inflater this stream owns and ends on close */
    GzipMembersInputStream(InputStream in, int verifyLimit, Inflater inflater) {
        this.in = in;
        this.verifyLimit = Math.max(CHUNK, verifyLimit);
        this.inflater = inflater;
    }

    /** Members seen so far, for logs. */
    int members() {
        return members;
    }

    @Override
    public int read() throws IOException {
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
            if (!inMember) {
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
                inMember = false;
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

    /** Reads the next member's header; false at the end of the stream. */
    private boolean startMember() throws IOException {
        int b0 = nextByte();
        if (b0 < 0) {
            return false;
        }
        int b1 = nextByte();
        if (b0 != 0x1f || b1 != 0x8b) {
            throw new MalformedObjectException(
                    DeadLetterReason.BAD_GZIP, "bytes after gzip member " + members + " are not gzip");
        }
        try {
            readHeaderAfterMagic();
        } catch (IOException e) {
            throw classify(e, "header");
        }
        inflater.reset();
        crc.reset();
        memberEnded = false;
        inMember = true;
        members++;
        return true;
    }

    /** RFC 1952 2.3: the fields are skipped; FHCRC is not verified (commons-compress did not either). */
    private void readHeaderAfterMagic() throws IOException {
        int method = headerByte();
        if (method != 8) {
            throw new IOException("Unsupported compression method " + method + " in the .gz header");
        }
        int flags = headerByte();
        if ((flags & FRESERVED) != 0) {
            throw new IOException("Reserved flags are set in the .gz header");
        }
        skip(6); // MTIME, XFL, OS
        if ((flags & FEXTRA) != 0) {
            int xlen = headerByte();
            xlen |= headerByte() << 8;
            skip(xlen);
        }
        if ((flags & FNAME) != 0) {
            skipToNul();
        }
        if ((flags & FCOMMENT) != 0) {
            skipToNul();
        }
        if ((flags & FHCRC) != 0) {
            skip(2);
        }
    }

    private void skip(int n) throws IOException {
        while (n > 0) {
            if (inPos >= inLimit && !refill()) {
                throw new EOFException();
            }
            int k = Math.min(n, inLimit - inPos);
            inPos += k;
            n -= k;
        }
    }

    private void skipToNul() throws IOException {
        while (headerByte() != 0) {
            // the field's bytes
        }
    }

    private int headerByte() throws IOException {
        int b = nextByte();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    /** The next unused input byte, or -1 at the end of the stream below. */
    private int nextByte() throws IOException {
        if (inPos >= inLimit && !refill()) {
            return -1;
        }
        return input[inPos++] & 0xff;
    }

    /** Reads more input (only when all of it was used); false at the end of the stream below. */
    private boolean refill() throws IOException {
        int n;
        do {
            n = in.read(input, 0, input.length);
        } while (n == 0);
        if (n < 0) {
            return false;
        }
        inPos = 0;
        inLimit = n;
        return true;
    }

    private int readMember(byte[] b, int off, int len) throws IOException {
        if (pendingFailure != null) {
            throw pendingFailure;
        }
        produced = 0;
        try {
            return inflateMember(b, off, len);
        } catch (IOException e) {
            IOException failure = classify(e, "data");
            // Hand out what this call inflated before a cut, so a cut in an outer layer keeps the
            // inner members before it.
            if (produced > 0 && failure instanceof MalformedObjectException
                    && ((MalformedObjectException) failure).reason() == DeadLetterReason.TRUNCATED_GZIP) {
                pendingFailure = failure;
                return produced;
            }
            throw failure;
        }
    }

    /** Inflates until len bytes or the member's end (trailer checked); -1 once the member has ended. */
    private int inflateMember(byte[] b, int off, int len) throws IOException {
        if (memberEnded) {
            return -1;
        }
        int size = 0;
        while (len > 0) {
            if (inflater.needsInput()) {
                if (inPos >= inLimit && !refill()) {
                    throw new EOFException();
                }
                inflater.setInput(input, inPos, inLimit - inPos);
                // The Inflater owns these bytes now; what it leaves is getRemaining() at the end.
                inPos = inLimit;
            }
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                throw new IOException("Gzip-compressed data is corrupt");
            }
            crc.update(b, off, n);
            off += n;
            len -= n;
            size += n;
            produced += n;
            if (inflater.finished()) {
                // The bytes the Inflater did not consume start the trailer, then the next member.
                inPos = inLimit - inflater.getRemaining();
                if (readIntLe() != crc.getValue()) {
                    throw new IOException("Gzip-compressed data is corrupt (CRC32 error)");
                }
                if (readIntLe() != (inflater.getBytesWritten() & 0xffffffffL)) {
                    throw new IOException("Gzip-compressed data is corrupt(uncompressed size mismatch)");
                }
                memberEnded = true;
                return size == 0 ? -1 : size;
            }
        }
        return size;
    }

    private long readIntLe() throws IOException {
        long v = 0;
        for (int i = 0; i < 4; i++) {
            v |= (long) headerByte() << (8 * i);
        }
        return v;
    }

    private IOException classify(IOException e, String where) {
        if (e instanceof ObjectReadException || e instanceof MalformedObjectException) {
            return e;
        }
        int member = members + (where.equals("header") ? 1 : 0);
        if (e instanceof EOFException) {
            return new MalformedObjectException(
                    DeadLetterReason.TRUNCATED_GZIP, "gzip member " + member + " ends early (" + where + ")");
        }
        // The messages are fixed texts ("corrupt", "CRC32 error") or a number of the header, never data.
        return new MalformedObjectException(
                DeadLetterReason.BAD_GZIP, "gzip member " + member + " does not inflate: " + e.getMessage());
    }

    @Override
    public void close() throws IOException {
        try {
            inflater.end();
        } finally {
            in.close();
        }
    }
}
