package dev.eksaudit.bridge.falco;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter: a random delay in [0, min(max, initial * 2^(attempt-1))],
 * so many subtasks that failed together do not come back together.
 */
final class FalcoBackoff {

    private final long initialMs;
    private final long maxMs;

    FalcoBackoff(Duration initial, Duration max) {
        this.initialMs = initial.toMillis();
        this.maxMs = max.toMillis();
    }

    /** Upper bound of the delay after the given number of failed attempts (at least 1). */
    long ceilingMs(int attempts) {
        int shift = Math.min(Math.max(attempts, 1) - 1, 30);
        long ceiling = initialMs << shift;
        return ceiling <= 0 || ceiling > maxMs ? maxMs : ceiling;
    }

    long delayMs(int attempts) {
        return ThreadLocalRandom.current().nextLong(ceilingMs(attempts) + 1);
    }
}
