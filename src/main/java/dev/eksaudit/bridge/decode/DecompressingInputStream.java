package dev.eksaudit.bridge.decode;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Supplier;
import java.util.zip.Inflater;

/**
 * An object's body with every gzip layer peeled off, whatever the key's suffix says: layout (a) is
 * one layer of many members, (b) two layers, (c) and (d) none. Layers are found by the magic bytes
 * {@code 1f 8b}, lazily on the first read, so a broken header surfaces as a read error the framer
 * turns into a failure record.
 *
 * <p>No buffering stream sits between the layers: each {@link GzipMembersInputStream} reads into
 * its own input buffer and the framer reads the innermost one's output, so every byte is copied
 * once per layer. The two magic bytes are looked at by {@link Peek}, which hands them back before
 * the rest.
 */
final class DecompressingInputStream extends InputStream {
    /** More layers than Firehose ever writes: past this the bytes are left to fail as not-json. */
    static final int MAX_LAYERS = 4;

    private final InputStream raw;
    private final int verifyLimit;
    /** One Inflater per layer, reused for all its members; a seam so tests can count them. */
    private final Supplier<Inflater> inflaters;
    private InputStream body;
    /** The last stream built on raw: closing it closes every layer below (ending its Inflater) and raw. */
    private InputStream top;
    private int layers;

    DecompressingInputStream(InputStream raw, int verifyLimit) {
        this(raw, verifyLimit, () -> new Inflater(true));
    }

    DecompressingInputStream(InputStream raw, int verifyLimit, Supplier<Inflater> inflaters) {
        this.raw = raw;
        this.verifyLimit = verifyLimit;
        this.inflaters = inflaters;
        this.top = raw;
    }

    /** gzip layers found (valid once reading started). */
    int layers() {
        return layers;
    }

    private InputStream body() throws IOException {
        if (body == null) {
            Peek current = new Peek(raw);
            top = current;
            while (layers < MAX_LAYERS && current.startsWithGzipMagic()) {
                GzipMembersInputStream layer = new GzipMembersInputStream(current, verifyLimit, inflaters.get());
                top = layer;
                current = new Peek(layer);
                top = current;
                layers++;
            }
            body = current;
        }
        return body;
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
        top.close();
    }

    /** A stream whose first two bytes can be looked at, then read again; no copy of the rest. */
    private static final class Peek extends InputStream {
        private final InputStream in;
        private final byte[] head = new byte[2];
        private int headPos;
        private int headLen;

        Peek(InputStream in) {
            this.in = in;
        }

        /** Only before the first read. */
        boolean startsWithGzipMagic() throws IOException {
            int b0 = in.read();
            if (b0 < 0) {
                return false;
            }
            head[headLen++] = (byte) b0;
            int b1 = in.read();
            if (b1 >= 0) {
                head[headLen++] = (byte) b1;
            }
            return b0 == 0x1f && b1 == 0x8b;
        }

        @Override
        public int read() throws IOException {
            return headPos < headLen ? head[headPos++] & 0xff : in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (headPos < headLen && len > 0) {
                // Only the peeked bytes: a failure of the next read must not take them along.
                int n = Math.min(len, headLen - headPos);
                System.arraycopy(head, headPos, b, off, n);
                headPos += n;
                return n;
            }
            return in.read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
