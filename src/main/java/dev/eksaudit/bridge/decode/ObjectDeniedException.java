package dev.eksaudit.bridge.decode;

/**
 * A bounded job gives up on an object that storage keeps refusing (403, KMS, credentials) for
 * longer than {@code input.denied-timeout}: a backfill should stop with the reason rather than wait
 * unseen. The message is the one line an operator needs: key, status, S3 error code, what to do.
 */
final class ObjectDeniedException extends ObjectReadException {
    private static final long serialVersionUID = 1L;

    ObjectDeniedException(String message, Throwable cause) {
        super(message, cause);
    }
}
