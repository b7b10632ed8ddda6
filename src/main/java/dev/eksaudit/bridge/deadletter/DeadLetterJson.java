package dev.eksaudit.bridge.deadletter;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * One dead letter as one JSON line:
 * {@code {"reason":..,"objectKey":..,"index":..,"offset":..,"detail":..,"payload":<JSON>}}, where the
 * payload is embedded as JSON when it is one complete JSON value and as {@code payloadBase64}
 * otherwise, so a reader can always get the exact bytes back.
 */
public final class DeadLetterJson {

    private static final JsonFactory JSON = new JsonFactory();

    private DeadLetterJson() {}

    /** The line, with a trailing {@code \n}. */
    public static byte[] encode(DeadLetter letter) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + (letter.payload == null ? 0 : letter.payload.length * 4 / 3));
        try (JsonGenerator gen = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            gen.writeStartObject();
            gen.writeStringField("reason", letter.reason);
            gen.writeStringField("objectKey", letter.objectKey);
            gen.writeNumberField("index", letter.index);
            gen.writeNumberField("offset", letter.offset);
            gen.writeStringField("detail", letter.detail);
            byte[] payload = letter.payload == null ? new byte[0] : letter.payload;
            if (isOneJsonValue(payload)) {
                gen.writeFieldName("payload");
                // Raw, not re-encoded: the dead letter keeps the event exactly as it arrived.
                gen.writeRawValue(new String(payload, StandardCharsets.UTF_8));
            } else {
                gen.writeBinaryField("payloadBase64", payload);
            }
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    static boolean isOneJsonValue(byte[] bytes) {
        if (bytes.length == 0) {
            return false;
        }
        try (JsonParser p = JSON.createParser(bytes)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }
}
