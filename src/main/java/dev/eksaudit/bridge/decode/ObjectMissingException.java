package dev.eksaudit.bridge.decode;

/**
 * The object answered "not found" (404 NoSuchKey) for the whole {@code input.missing-object-timeout}:
 * it was deleted between listing and reading and is not coming back, so it ends as one
 * {@code unreadable-object} dead letter instead of blocking its reader forever.
 */
final class ObjectMissingException extends ObjectReadException {
    private static final long serialVersionUID = 1L;

    ObjectMissingException(String detail, Throwable cause) {
        super(detail, cause);
    }
}
