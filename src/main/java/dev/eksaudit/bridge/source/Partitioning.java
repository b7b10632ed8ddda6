package dev.eksaudit.bridge.source;

import java.util.Locale;

/** How objects are laid out under {@code input.path} ({@code input.partitioning}). */
public enum Partitioning {
    /** Firehose's UTC {@code YYYY/MM/dd/HH/} folders: only the hours of the lookback window are listed. */
    FIREHOSE_HOURLY("firehose-hourly"),
    /** A flat or unknown layout: everything is listed each time and every path is remembered. */
    NONE("none");

    private final String key;

    Partitioning(String key) {
        this.key = key;
    }

    /** The value of {@code input.partitioning}. */
    public String key() {
        return key;
    }

    public static Partitioning parse(String value) {
        for (Partitioning p : values()) {
            if (p.key.equals(value.trim().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("input.partitioning: invalid value '" + value
                + "', expected one of firehose-hourly, none");
    }
}
