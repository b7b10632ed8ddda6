package dev.eksaudit.bridge.validate;

import dev.eksaudit.bridge.decode.StorageError;

/**
 * The short reason a check prints after a failure. What S3 answered (status, error code) is read by
 * {@link StorageError}, the classifier the reader uses, so {@code --validate} and the running job
 * name a storage failure alike; a failure without a status (no credentials, a refused connection)
 * is named by its type and the first line of its message.
 */
final class FailureDetail {

    private static final int MAX = 200;

    private FailureDetail() {}

    /** "AccessDeniedException (HTTP 403, AccessDenied)", or "NoAuthWithAWSException: No AWS Credentials ...". */
    static String of(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        String type = cause.getClass().getSimpleName();
        StorageError error = StorageError.classify(e);
        if (error.status() > 0) {
            return type + " (HTTP " + error.status() + (error.errorCode() == null ? "" : ", " + error.errorCode()) + ")";
        }
        String message = cause.getMessage() == null ? "" : cause.getMessage();
        String line = message.lines().findFirst().orElse("").trim();
        if (line.length() > MAX) {
            line = line.substring(0, MAX) + "...";
        }
        return line.isEmpty() ? type : type + ": " + line;
    }
}
