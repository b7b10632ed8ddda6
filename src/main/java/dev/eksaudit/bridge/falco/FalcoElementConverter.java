package dev.eksaudit.bridge.falco;

import dev.eksaudit.bridge.decode.AuditEvent;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.base.sink.writer.ElementConverter;

/** Wraps an event as a buffer entry; the JSON bytes are kept as they are (never re-encoded). */
public final class FalcoElementConverter implements ElementConverter<AuditEvent, FalcoRequestEntry> {
    private static final long serialVersionUID = 1L;

    @Override
    public FalcoRequestEntry apply(AuditEvent event, SinkWriter.Context context) {
        return FalcoRequestEntry.of(event);
    }
}
