package dev.eksaudit.bridge.dedup;

import dev.eksaudit.bridge.decode.AuditEvent;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;

/**
 * Keys events by auditID, which every stage of one request shares. The key's type tells Flink to
 * write it with {@link AuditIdSerializer} (StringSerializer's bytes, cheaper to write).
 */
public class AuditIdKey implements KeySelector<AuditEvent, String>, ResultTypeQueryable<String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(AuditEvent event) {
        return event.auditId;
    }

    @Override
    public TypeInformation<String> getProducedType() {
        return AuditIdTypeInfo.INSTANCE;
    }
}
