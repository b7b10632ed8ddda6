package dev.eksaudit.bridge.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hand-written reading of {@code stageTimestamp} ({@link AuditEventValidator#utcMillis}) gives
 * exactly what the general path (RFC 3339 regex + {@code OffsetDateTime.parse}) gives, for valid
 * and invalid texts alike.
 */
class StageTimestampFastPathTest {
    private static final java.util.regex.Pattern RFC3339 = java.util.regex.Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})");

    /** The general path alone, as it was before the fast path. */
    private static Long general(String text) {
        if (!RFC3339.matcher(text).matches()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Test
    void apiServerTimestampsReadByHand() {
        assertEquals(1_795_169_730_123L, AuditEventValidator.utcMillis("2026-11-20T10:15:30.123456Z"));
        assertEquals(1_795_169_730_000L, AuditEventValidator.utcMillis("2026-11-20T10:15:30Z"));
        assertEquals(1_795_169_730_100L, AuditEventValidator.utcMillis("2026-11-20T10:15:30.1Z"));
        assertEquals(1_795_169_730_123L, AuditEventValidator.rfc3339Millis("2026-11-20T10:15:30.123999999Z"));
    }

    @Test
    void outOfRangeFieldsAreRefusedAsBefore() {
        for (String bad : new String[] {"2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
                "2026-04-31T00:00:00Z", "2026-11-20T24:00:00Z", "2026-11-20T10:60:00Z", "2026-11-20T10:15:60Z",
                "2026-11-20T10:15:30.1234567890Z", "2026-11-20T10:15:30.Z", "2026-11-20T10:15:30,1Z",
                "2026-11-20 10:15:30Z", "2026-11-2OT10:15:30Z", "+2026-11-20T10:15:30Z"}) {
            assertNull(AuditEventValidator.rfc3339Millis(bad), bad);
            assertNull(general(bad), bad);
        }
        assertEquals(general("2024-02-29T23:59:59.999Z"), AuditEventValidator.rfc3339Millis("2024-02-29T23:59:59.999Z"));
        assertEquals(general("2026-11-20t10:15:30+02:00"), AuditEventValidator.rfc3339Millis("2026-11-20t10:15:30+02:00"));
    }

    @Test
    void agreesWithTheGeneralPathOnRandomTexts() {
        Random random = new Random(14);
        String chars = "0123456789-:.TZtz+ ";
        for (int i = 0; i < 300_000; i++) {
            String text;
            if (i % 3 == 0) {
                // well-formed, fields anywhere in (and just past) their ranges
                text = String.format("%04d-%02d-%02dT%02d:%02d:%02d%s%s", random.nextInt(10_000), random.nextInt(14),
                        random.nextInt(33), random.nextInt(26), random.nextInt(62), random.nextInt(62),
                        random.nextInt(4) == 0 ? "" : "." + "123456789012".substring(0, 1 + random.nextInt(11)),
                        random.nextInt(8) == 0 ? "+01:00" : "Z");
            } else {
                // one character of a valid timestamp replaced, removed or added
                StringBuilder sb = new StringBuilder("2026-11-20T10:15:30.123456Z");
                int at = random.nextInt(sb.length());
                char c = chars.charAt(random.nextInt(chars.length()));
                switch (random.nextInt(3)) {
                    case 0:
                        sb.setCharAt(at, c);
                        break;
                    case 1:
                        sb.deleteCharAt(at);
                        break;
                    default:
                        sb.insert(at, c);
                }
                text = sb.toString();
            }
            assertEquals(general(text), AuditEventValidator.rfc3339Millis(text), text);
        }
    }
}
