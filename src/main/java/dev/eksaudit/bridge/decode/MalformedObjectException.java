package dev.eksaudit.bridge.decode;

import dev.eksaudit.bridge.deadletter.DeadLetterReason;
import java.io.IOException;

/** The object's bytes are wrong in a way a re-read would reproduce: becomes a failure record. */
final class MalformedObjectException extends IOException {
    private static final long serialVersionUID = 1L;

    private final DeadLetterReason reason;

    MalformedObjectException(DeadLetterReason reason, String detail) {
        super(detail);
        this.reason = reason;
    }

    DeadLetterReason reason() {
        return reason;
    }
}
