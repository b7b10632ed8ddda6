package dev.eksaudit.bridge.dedup;

import dev.eksaudit.bridge.decode.AuditEvent;
import org.apache.flink.api.java.functions.KeySelector;

/** Keys events by auditID, which every stage of one request shares. */
public class AuditIdKey implements KeySelector<AuditEvent, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(AuditEvent event) {
        return event.auditId;
    }
}
