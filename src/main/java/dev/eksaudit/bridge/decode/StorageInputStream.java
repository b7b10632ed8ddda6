package dev.eksaudit.bridge.decode;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Tags every IOException of the raw object stream as {@link ObjectReadException}, so the layers
 * above can tell "the storage failed" (retry) from "the bytes are bad" (dead letter).
 */
final class StorageInputStream extends FilterInputStream {
    private final String objectKey;

    StorageInputStream(InputStream in, String objectKey) {
        super(in);
        this.objectKey = objectKey;
    }

    @Override
    public int read() throws IOException {
        try {
            return super.read();
        } catch (IOException e) {
            throw wrap(e);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        try {
            return super.read(b, off, len);
        } catch (IOException e) {
            throw wrap(e);
        }
    }

    @Override
    public long skip(long n) throws IOException {
        try {
            return super.skip(n);
        } catch (IOException e) {
            throw wrap(e);
        }
    }

    @Override
    public int available() throws IOException {
        try {
            return super.available();
        } catch (IOException e) {
            throw wrap(e);
        }
    }

    private IOException wrap(IOException e) {
        if (e instanceof ObjectReadException) {
            return e;
        }
        return new ObjectReadException("reading " + objectKey + " failed: " + e.getClass().getSimpleName(), e);
    }
}
