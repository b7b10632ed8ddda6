package dev.eksaudit.bridge.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Item 1, the ceiling: one thread, no Flink, doing only what cannot be avoided: gunzip every
 * member (peeling an outer gzip), stream-parse each CloudWatch Logs envelope to its messages, and
 * stream-parse every token of every audit event once (what validating it needs at least).
 */
final class ReferenceDecode {
    private static final JsonFactory JSON = new JsonFactory();

    long events;
    long eventBytes;
    long nanos;

    /** Decodes every file of the corpus; {@code perEvent} (may be null) gets each event's bytes. */
    static ReferenceDecode run(Corpus corpus, Consumer<byte[]> perEvent) throws IOException {
        ReferenceDecode r = new ReferenceDecode();
        long t0 = System.nanoTime();
        for (Path file : corpus.files) {
            r.decodeObject(Files.readAllBytes(file), perEvent);
        }
        r.nanos = System.nanoTime() - t0;
        return r;
    }

    double eventsPerSecond() {
        return events / (nanos / 1e9);
    }

    double megabytesPerSecond() {
        return eventBytes / 1e6 / (nanos / 1e9);
    }

    void decodeObject(byte[] object, Consumer<byte[]> perEvent) throws IOException {
        byte[] bytes = object;
        while (bytes.length > 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
            try (InputStream in = new GzipCompressorInputStream(new ByteArrayInputStream(bytes), true)) {
                bytes = in.readAllBytes();
            }
        }
        try (JsonParser p = JSON.createParser(bytes)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t != JsonToken.START_OBJECT) {
                    p.skipChildren();
                    continue;
                }
                long start = p.currentTokenLocation().getByteOffset();
                boolean envelope = false;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if ("messageType".equals(field)) {
                        envelope = true;
                    } else if ("logEvents".equals(field) && v == JsonToken.START_ARRAY) {
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String f = p.currentName();
                                p.nextToken();
                                if ("message".equals(f) && p.getText().startsWith("{")) {
                                    event(p.getText().getBytes(StandardCharsets.UTF_8), perEvent);
                                }
                                p.skipChildren();
                            }
                        }
                        continue;
                    }
                    p.skipChildren();
                }
                if (!envelope) {
                    long end = p.currentLocation().getByteOffset();
                    byte[] json = java.util.Arrays.copyOfRange(bytes, (int) start, (int) end);
                    event(json, perEvent);
                }
            }
        }
    }

    private void event(byte[] json, Consumer<byte[]> perEvent) throws IOException {
        try (JsonParser p = JSON.createParser(json)) {
            while (p.nextToken() != null) {
                // every token once
            }
        }
        events++;
        eventBytes += json.length;
        if (perEvent != null) {
            perEvent.accept(json);
        }
    }
}
