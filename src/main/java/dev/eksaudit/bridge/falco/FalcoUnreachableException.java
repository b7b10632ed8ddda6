package dev.eksaudit.bridge.falco;

import java.util.Optional;

/**
 * A bounded job gave up on Falco ({@code falco.bounded-give-up-after}): a replay that cannot
 * deliver should end with an error someone sees, not wait forever. Thrown wrapped in Flink's
 * {@code SuppressRestartsException}, so the job fails instead of restarting into the same wall.
 */
public final class FalcoUnreachableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FalcoUnreachableException(String message) {
        super(message);
    }

    /** The exception in {@code failure}'s cause chain, if a bounded job gave up on Falco. */
    public static Optional<FalcoUnreachableException> in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof FalcoUnreachableException) {
                return Optional.of((FalcoUnreachableException) t);
            }
        }
        return Optional.empty();
    }
}
