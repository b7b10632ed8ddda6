package dev.eksaudit.bridge.decode;

import java.io.IOException;

/**
 * The storage failed us (not found, access denied, connection reset): worth a retry, unlike a
 * format error, which would only repeat.
 */
final class ObjectReadException extends IOException {
    private static final long serialVersionUID = 1L;

    ObjectReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
