package dev.eksaudit.bridge.dedup;

import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeutils.base.StringComparator;

/** A String key whose serializer is {@link AuditIdSerializer}; everything else as Flink's String type. */
public final class AuditIdTypeInfo extends BasicTypeInfo<String> {
    private static final long serialVersionUID = 1L;

    public static final AuditIdTypeInfo INSTANCE = new AuditIdTypeInfo();

    private AuditIdTypeInfo() {
        super(String.class, new Class<?>[] {}, AuditIdSerializer.INSTANCE, StringComparator.class);
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof AuditIdTypeInfo;
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof AuditIdTypeInfo;
    }

    @Override
    public int hashCode() {
        return AuditIdTypeInfo.class.hashCode();
    }

    @Override
    public String toString() {
        return "String (auditID)";
    }
}
