package dev.eksaudit.bridge.decode;

import java.io.IOException;

/**
 * The storage failed us and the reader stops trying: the object is gone for good
 * ({@link ObjectMissingException}), the reader was interrupted (cancel, failover), or a bounded job
 * gives up on a denial. Every other storage error is retried inside {@link StorageInputStream};
 * this type passes untouched through the gzip and framing layers, which would otherwise read it as
 * bad bytes.
 */
class ObjectReadException extends IOException {
    private static final long serialVersionUID = 1L;

    ObjectReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
