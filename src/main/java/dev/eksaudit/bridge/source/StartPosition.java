package dev.eksaudit.bridge.source;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/**
 * Where a job without state starts reading ({@code input.start}): the whole lookback window
 * ({@code earliest}), only objects that appear after start ({@code latest}), or the hour folder of
 * an instant onwards. A restored job ignores it and continues from its state.
 */
public final class StartPosition implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The three kinds of start. */
    public enum Kind { EARLIEST, LATEST, INSTANT }

    private static final StartPosition EARLIEST = new StartPosition(Kind.EARLIEST, null);
    private static final StartPosition LATEST = new StartPosition(Kind.LATEST, null);

    private final Kind kind;
    private final Instant instant;

    private StartPosition(Kind kind, Instant instant) {
        this.kind = kind;
        this.instant = instant;
    }

    public static StartPosition earliest() {
        return EARLIEST;
    }

    public static StartPosition latest() {
        return LATEST;
    }

    /** From the hour folder of this instant: hour granularity, so objects earlier in that hour are read too. */
    public static StartPosition at(Instant instant) {
        return new StartPosition(Kind.INSTANT, Objects.requireNonNull(instant, "instant"));
    }

    /** {@code earliest}, {@code latest} or an ISO-8601 instant. */
    public static StartPosition parse(String value) {
        String v = value.trim();
        if (v.equalsIgnoreCase("earliest")) {
            return EARLIEST;
        }
        if (v.equalsIgnoreCase("latest")) {
            return LATEST;
        }
        return at(Instant.parse(v));
    }

    public Kind kind() {
        return kind;
    }

    /** The instant of an {@link Kind#INSTANT} start; {@code null} otherwise. */
    public Instant instant() {
        return instant;
    }

    @Override
    public String toString() {
        return kind == Kind.INSTANT ? instant.toString() : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
