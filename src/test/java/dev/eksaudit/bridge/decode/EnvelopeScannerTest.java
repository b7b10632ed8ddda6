package dev.eksaudit.bridge.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The envelope read without Jackson is exactly what Jackson reads, for CloudWatch Logs' envelopes
 * and for a hundred thousand mutations of them (bytes changed, cut, inserted, fields repeated or
 * unknown, odd numbers and escapes); whatever the scanner does not take, Jackson reads as before.
 */
class EnvelopeScannerTest {

    private static final String[] MESSAGE_PIECES = {
        "{\"kind\":\"Event\",\"auditID\":\"", "\"", "\\", "/", "\n", "\t", "\b", "\u0001", "\u001f", "\u007f",
        "\u00e9", "\u20ac", "\ud83d\ude00", "abc", "0123456789abcdef0123", "}", "{", ":", ",", " ",
    };

    private static final String[] INSERTS = {
        " ", "\n", "\t", "\r", "\u000b", ",", ":", "\"", "\\", "\\u0041", "\\u00e9", "\\u00", "\\x", "{", "}", "[", "]",
        "0", "-", "01", "1.", "1e", "1.5e+3", "-0", "null", "true", "\"x\":1,", "\"messageType\":\"DATA_MESSAGE\",",
        "\"logEvents\":[],", "\"kind\":\"Event\",", "\u00e9", "\u0000",
    };

    private static String message(Random random) {
        StringBuilder sb = new StringBuilder();
        int n = random.nextInt(30);
        for (int k = 0; k < n; k++) {
            sb.append(random.nextInt(4) == 0 ? MESSAGE_PIECES[random.nextInt(MESSAGE_PIECES.length)]
                    : "{\"verb\":\"list\",\"requestURI\":\"/api/v1/pods?limit=500\"}".substring(random.nextInt(20)));
        }
        return sb.toString();
    }

    private static byte[] envelope(Random random) {
        if (random.nextInt(10) == 0) {
            return FirehoseFixtures.controlMessage();
        }
        List<String> messages = new ArrayList<>();
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
            messages.add(message(random));
        }
        return FirehoseFixtures.dataMessage(random.nextBoolean() ? "kube-apiserver-audit-1" : "authenticator-2", messages,
                random.nextInt(1000), "/aws/eks/prod/cluster", "123456789012");
    }

    private static byte[] mutate(byte[] b, Random random) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        int at = random.nextInt(s.length() + 1);
        switch (random.nextInt(4)) {
            case 0: // a byte changed
                if (at < s.length()) {
                    s = s.substring(0, at) + (char) random.nextInt(256) + s.substring(at + 1);
                }
                break;
            case 1: // cut
                s = s.substring(0, at);
                break;
            case 2: { // something inserted (UTF-8 bytes as Latin-1 chars)
                String insert = new String(INSERTS[random.nextInt(INSERTS.length)].getBytes(StandardCharsets.UTF_8),
                        StandardCharsets.ISO_8859_1);
                s = s.substring(0, at) + insert + s.substring(at);
                break;
            }
            default: // a field repeated, or something after the value
                s = random.nextBoolean() ? s.replaceFirst("\"owner\"", "\"owner\":\"x\",\"owner\"") : s + (random.nextBoolean() ? " " : " {}");
                break;
        }
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void sameRecordAsJackson() {
        Random random = new Random(14);
        EnvelopeReader withScanner = new EnvelopeReader();
        EnvelopeReader jackson = new EnvelopeReader(false);
        EnvelopeScanner scanner = new EnvelopeScanner();
        int scanned = 0;
        int scannedMutants = 0;
        for (int i = 0; i < 100_000; i++) {
            byte[] json = envelope(random);
            boolean mutant = random.nextInt(3) != 0;
            if (mutant) {
                json = mutate(json, random);
                if (random.nextBoolean()) {
                    json = mutate(json, random);
                }
            }
            String what = new String(json, StandardCharsets.UTF_8);
            assertThat(describe(withScanner.read(json))).as(what).isEqualTo(describe(jackson.read(json)));
            if (scanner.read(json) != null) {
                scanned++;
                scannedMutants += mutant ? 1 : 0;
                assertThat(jackson.read(json).kind).as(what).isEqualTo(EnvelopeReader.Kind.ENVELOPE);
            }
        }
        assertThat(scanned).as("envelopes the scanner read").isGreaterThan(20_000);
        assertThat(scannedMutants).as("mutants it still read (whitespace, numbers, ...)").isGreaterThan(1_000);
    }

    @Test
    void theCorpusEnvelopesAreScanned() {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            events.add(FirehoseFixtures.event("id-" + i, "ResponseComplete", java.time.Instant.parse("2026-11-20T00:00:00Z")));
        }
        EnvelopeScanner scanner = new EnvelopeScanner();
        for (byte[] envelope : FirehoseFixtures.envelopes(events)) {
            EnvelopeReader.Record r = scanner.read(envelope);
            assertThat(r).as(new String(envelope, StandardCharsets.UTF_8)).isNotNull();
            assertThat(describe(r)).isEqualTo(describe(new EnvelopeReader(false).read(envelope)));
        }
    }

    @Test
    void aByteOver0x7fAfterTheEnvelopeIsContentAfterIt() {
        // 0xff read as a signed byte is -1, which the scanner used for "end of input": it took the
        // envelope where Jackson finds content after the value.
        byte[] envelope = FirehoseFixtures.dataMessage("kube-apiserver-audit-1", List.of("{}"), 7);
        byte[] trailing = java.util.Arrays.copyOf(envelope, envelope.length + 1);
        trailing[envelope.length] = (byte) 0xff;
        assertThat(new EnvelopeScanner().read(trailing)).isNull();
        assertThat(describe(new EnvelopeReader().read(trailing))).isEqualTo(describe(new EnvelopeReader(false).read(trailing)));
        assertThat(new EnvelopeReader().read(trailing).kind).isEqualTo(EnvelopeReader.Kind.NOT_JSON);
    }

    @Test
    void overJacksonsLengthLimitsItLeavesTheValueToJackson() {
        String message = "{\"kind\":\"Event\",\"requestURI\":\"" + "x".repeat(100) + "\"}"; // the longest string
        byte[] envelope = FirehoseFixtures.dataMessage("kube-apiserver-audit-1", List.of(message), 7);
        assertThat(new EnvelopeScanner(message.length() - 1, 1000).read(envelope)).isNull();
        assertThat(new EnvelopeScanner(1000, 12).read(envelope)).isNull(); // the timestamp has 13 digits
        assertThat(new EnvelopeScanner(message.length(), 13).read(envelope)).isNotNull();
        // And Jackson's own limit is what it uses: a number of 1,001 digits is an error there.
        byte[] longNumber = new String(envelope, StandardCharsets.ISO_8859_1)
                .replace("1764169200000", "1" + "0".repeat(1000)).getBytes(StandardCharsets.ISO_8859_1);
        assertThat(new EnvelopeScanner().read(longNumber)).isNull();
        assertThat(new EnvelopeReader(false).read(longNumber).kind).isEqualTo(EnvelopeReader.Kind.NOT_JSON);
    }

    private static String describe(EnvelopeReader.Record r) {
        StringBuilder sb = new StringBuilder().append(r.kind).append('|').append(r.messageType).append('|').append(r.logStream)
                .append('|').append(r.logGroup).append('|').append(r.owner).append('|').append(r.detail).append('|');
        if (r.logEvents == null) {
            sb.append("no logEvents");
        } else {
            for (EnvelopeReader.LogEvent e : r.logEvents) {
                sb.append(e.position).append(':').append(e.id).append(':')
                        .append(e.message == null ? "null" : new String(e.message, StandardCharsets.ISO_8859_1)).append(';');
            }
        }
        return sb.toString();
    }
}
