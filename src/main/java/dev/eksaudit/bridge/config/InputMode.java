package dev.eksaudit.bridge.config;

/** How the source treats the input path. */
public enum InputMode {
    /** Keep watching for new objects. */
    CONTINUOUS,
    /** Read the objects present at start, then finish (backfill). */
    BOUNDED
}
