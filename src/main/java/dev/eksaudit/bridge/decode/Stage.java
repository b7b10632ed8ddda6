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

    /** The stage with this exact name, or {@code null}. Once per event: no copy of values(). */
    public static Stage parse(String name) {
        if (name == null) {
            return null;
        }
        switch (name) {
            case "RequestReceived":
                return RequestReceived;
            case "ResponseStarted":
                return ResponseStarted;
            case "ResponseComplete":
                return ResponseComplete;
            case "Panic":
                return Panic;
            default:
                return null;
        }
    }
}
