package dev.eksaudit.bridge.decode;

/** The stages of a Kubernetes audit event; one request is logged once per stage. */
public enum Stage {
    RequestReceived,
    ResponseStarted,
    ResponseComplete,
    Panic;

    /** A bit per stage, so dedup keeps one small int per auditID. */
    public int bit() {
        return 1 << ordinal();
    }

    /** The stage with this exact name, or {@code null}. */
    public static Stage parse(String name) {
        if (name == null) {
            return null;
        }
        for (Stage s : values()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }
}
