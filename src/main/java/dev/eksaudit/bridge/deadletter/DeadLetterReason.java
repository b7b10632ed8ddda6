package dev.eksaudit.bridge.deadletter;

/**
 * Why a record did not reach Falco. The codes are public: they name metrics, appear in dead-letter
 * files and in the README, so never rename one.
 */
public enum DeadLetterReason {
    /** The object holds no bytes at all. */
    EMPTY_OBJECT("empty-object"),
    /** The object answered "not found" for all of {@code input.missing-object-timeout}; other storage errors are retried forever. */
    UNREADABLE_OBJECT("unreadable-object"),
    /** A gzip member is cut short (the object ends inside it). */
    TRUNCATED_GZIP("truncated-gzip"),
    /** Bytes that claim to be gzip but do not inflate. */
    BAD_GZIP("bad-gzip"),
    /** Bytes that are not a JSON value. */
    NOT_JSON("not-json"),
    /** The object ends inside a JSON value. */
    TRUNCATED_JSON("truncated-json"),
    /** A JSON value that is neither a CloudWatch Logs envelope nor an audit event. */
    UNKNOWN_RECORD("unknown-record"),
    /** A log event {@code message} that is not complete JSON (CloudWatch truncates at 256 KiB). */
    TRUNCATED_MESSAGE("truncated-message"),
    /** A {@code message} that is JSON but not an audit {@code Event}. */
    NOT_AUDIT_EVENT("not-audit-event"),
    /** An event without {@code auditID}. */
    MISSING_AUDIT_ID("missing-audit-id"),
    /** An event without a known {@code stage}. */
    BAD_STAGE("bad-stage"),
    /** An event whose {@code stageTimestamp} is missing or not RFC 3339 (Falco would drop it). */
    BAD_STAGE_TIMESTAMP("bad-stage-timestamp"),
    /** An event over {@code falco.max-event-bytes} (Falco would drop it after answering 200). */
    OVERSIZE("oversize"),
    /** Falco (or a WAF, a proxy) rejected this event posted on its own (400, 403, 413, 422). */
    FALCO_REJECTED("falco-rejected"),
    /** Falco could not be reached within {@code falco.retry.max-attempts}. */
    FALCO_UNREACHABLE("falco-unreachable");

    private final String code;

    DeadLetterReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** Only the Falco sink produces it (the decoder never does, so it registers no counter for it). */
    public boolean sinkOnly() {
        return this == FALCO_REJECTED || this == FALCO_UNREACHABLE;
    }
}
