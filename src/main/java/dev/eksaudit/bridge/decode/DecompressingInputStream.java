package dev.eksaudit.bridge.decode;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * An object's body with every gzip layer peeled off, whatever the key's suffix says: layout (a) is
 * one layer of many members, (b) two layers, (c) and (d) none. Layers are found by the magic bytes
 * {@code 1f 8b}, lazily on the first read, so a broken header surfaces as a read error the framer
 * turns into a failure record.
 */
final class DecompressingInputStream extends InputStream {
    /** More layers than Firehose ever writes: past this the bytes are left to fail as not-json. */
    static final int MAX_LAYERS = 4;
    private static final int BUFFER = 64 * 1024;

    private final InputStream raw;
    private final int verifyLimit;
    private InputStream body;
    private int layers;

    DecompressingInputStream(InputStream raw, int verifyLimit) {
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
                current = new BufferedInputStream(new GzipMembersInputStream(current, verifyLimit), BUFFER);
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
}
