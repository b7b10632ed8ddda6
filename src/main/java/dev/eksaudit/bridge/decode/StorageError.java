package dev.eksaudit.bridge.decode;

import java.io.FileNotFoundException;
import java.lang.reflect.Method;
import java.nio.file.AccessDeniedException;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a storage failure means for the reader, read from the exception chain S3A (or another Flink
 * file system) threw: every kind is retried, they differ in how loud the retry is and in whether
 * the object may end as a dead letter.
 *
 * <p>S3A translates AWS SDK errors by status: 401/403 become {@link AccessDeniedException}, 404 and
 * 410 {@link FileNotFoundException}, 503 {@code AWSServiceThrottledException}, other service errors
 * {@code AWSServiceIOException} (which, like the SDK's {@code AmazonServiceException}, still carries
 * {@code getStatusCode()} and {@code getErrorCode()}). The S3 plugin lives in its own class loader
 * on a cluster, so its classes are never referenced here: status and error code are read
 * reflectively, or from the SDK's message text ({@code Status Code: 403; Error Code: AccessDenied}).
 */
public final class StorageError {

    /** How the reader treats a failure. */
    public enum Kind {
        /** Throttling, 5xx, timeouts, resets, truncated bodies: clears by itself; retried quietly. */
        TRANSIENT,
        /** Permission, KMS, credential or configuration errors: someone must act; retried loudly until fixed. */
        DENIED,
        /** 404 NoSuchKey: deleted between listing and reading; a dead letter once it lasts. */
        NOT_FOUND
    }

    private static final Pattern SDK_MESSAGE =
            Pattern.compile("Status Code: (\\d{3}); Error Code: ([^;)]+)");
    /** S3, STS and KMS error codes that mean "not allowed" (or "not allowed yet") rather than "busy". */
    private static final Set<String> DENIED_CODES = Set.of(
            "AccessDenied", "AccessDeniedException", "AllAccessDisabled", "AccountProblem",
            "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException",
            "TokenRefreshRequired", "InvalidToken", "InvalidClientTokenId", "InvalidIdentityToken",
            "IDPCommunicationError", "UnrecognizedClientException", "NoSuchBucket", "InvalidObjectState",
            "RequestTimeTooSkewed");
    /**
     * Failures someone must fix that never reach S3 as a status: credentials (IRSA token unreadable,
     * STS refusing, nothing configured) and S3A change detection demanding an ETag the store lacks.
     */
    private static final Set<String> NEEDS_ACTION_EXCEPTIONS = Set.of(
            "NoAuthWithAWSException", "CredentialInitializationException", "AWSSecurityTokenServiceException",
            "NoVersionAttributeException");

    private final Kind kind;
    private final int status;
    private final String errorCode;
    private final String exception;
    private final boolean noSuchBucket;

    private StorageError(Kind kind, int status, String errorCode, String exception, boolean noSuchBucket) {
        this.kind = kind;
        this.status = status;
        this.errorCode = errorCode;
        this.exception = exception;
        this.noSuchBucket = noSuchBucket;
    }

    public Kind kind() {
        return kind;
    }

    /** HTTP status, 0 when the failure never got one (a reset, a timeout, no credentials). */
    public int status() {
        return status;
    }

    /** S3 error code such as {@code AccessDenied} or {@code SlowDown}; null when unknown. */
    public String errorCode() {
        return errorCode;
    }

    /**
     * The bucket itself does not exist (S3's NoSuchBucket, or S3A's {@code UnknownStoreException},
     * whatever package it is shaded into): a wrong name or region, not a missing object.
     */
    public boolean noSuchBucket() {
        return noSuchBucket;
    }

    /** "403 AccessDenied (AccessDeniedException)": status, code and exception type, never a message. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        if (status > 0) {
            s.append(status).append(' ');
        }
        if (errorCode != null) {
            s.append(errorCode).append(' ');
        }
        return s.append('(').append(exception).append(')').toString();
    }

    @Override
    public String toString() {
        return kind + " " + describe();
    }

    /** Classifies a failure of opening or reading an object. */
    public static StorageError classify(Throwable failure) {
        int status = 0;
        String code = null;
        Kind byType = null;
        boolean bucketMissing = false;
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (status == 0) {
                status = intProperty(t, "getStatusCode");
            }
            if (code == null) {
                code = emptyToNull(stringProperty(t, "getErrorCode"));
            }
            if ((status == 0 || code == null) && t.getMessage() != null) {
                Matcher m = SDK_MESSAGE.matcher(t.getMessage());
                if (m.find()) {
                    status = status == 0 ? Integer.parseInt(m.group(1)) : status;
                    code = code == null ? m.group(2).trim() : code;
                }
            }
            if (byType == null) {
                byType = kindOfType(t);
            }
            bucketMissing |= t.getClass().getSimpleName().equals("UnknownStoreException")
                    || String.valueOf(t.getMessage()).contains("NoSuchBucket");
        }
        // A HEAD answer has no body, so the SDK names its "code" after the status line ("403 Forbidden").
        if (code != null && code.matches("\\d{3} .*")) {
            code = null;
        }
        return new StorageError(decide(status, code, byType), status, code, failure.getClass().getSimpleName(),
                bucketMissing || "NoSuchBucket".equals(code));
    }

    private static Kind decide(int status, String code, Kind byType) {
        if (code != null) {
            if (DENIED_CODES.contains(code) || code.startsWith("KMS.")) {
                return Kind.DENIED;
            }
            if (code.equals("NoSuchKey")) {
                return Kind.NOT_FOUND;
            }
        }
        if (status == 401 || status == 403) {
            return Kind.DENIED;
        }
        if (status == 404 || status == 410) {
            return Kind.NOT_FOUND;
        }
        if (status >= 500 || status == 429 || status == 408) {
            return Kind.TRANSIENT;
        }
        return byType != null ? byType : Kind.TRANSIENT;
    }

    private static Kind kindOfType(Throwable t) {
        if (t instanceof AccessDeniedException) {
            return Kind.DENIED;
        }
        if (t instanceof FileNotFoundException) {
            return Kind.NOT_FOUND;
        }
        String name = t.getClass().getSimpleName();
        if (NEEDS_ACTION_EXCEPTIONS.contains(name)) {
            return Kind.DENIED;
        }
        String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
        if (message.contains("unable to load aws credentials") || message.contains("no aws credentials")) {
            return Kind.DENIED;
        }
        return null;
    }

    private static int intProperty(Throwable t, String getter) {
        Object v = property(t, getter);
        return v instanceof Integer ? (Integer) v : 0;
    }

    private static String stringProperty(Throwable t, String getter) {
        Object v = property(t, getter);
        return v instanceof String ? (String) v : null;
    }

    private static Object property(Throwable t, String getter) {
        try {
            Method m = t.getClass().getMethod(getter);
            return m.invoke(t);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
