package dev.eksaudit.bridge.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The audit event read without Jackson is exactly what Jackson reads: the validator's outcome
 * (reason, detail, event, where cluster_name goes) and the envelope reader's for bare events, on
 * Falco's real audit events and on two hundred thousand mutations of them (bytes changed, cut,
 * inserted, fields repeated, odd literals, numbers, escapes and UTF-8); whatever the scanner does
 * not take, Jackson reads as before.
 */
class EventScannerTest {

    private static final String[] INSERTS = {
        " ", "\n", "\t", "\r", "\u000b", "\u0000", ",", ":", "\"", "\\", "\\\"", "\\\\", "\\/", "\\b", "\\n", "\\u0041",
        "\\u00e9", "\\ud83d\\ude00", "\\ud800", "\\u00", "\\x", "\\'", "{", "}", "[", "]", "[]", "{}", "0", "-", "01",
        "-0", "1.", ".5", "1e", "1E+2", "1.5e-3", "+1", "NaN", "null", "nul", "true", "tru", "false", "falsey",
        "\u00e9", "\u20ac", "\ud83d\ude00", "\u007f",
    };

    /** Top-level members the validator reads, in the shapes that matter to it. */
    private static final String[] MEMBERS = {
        "\"x\":1,", "\"kind\":\"Other\",", "\"kind\":1,", "\"auditID\":\"\",", "\"auditID\":\"a\\u0062\",",
        "\"stage\":\"Panic\",", "\"stageTimestamp\":\"2026-11-20T10:15:30+01:00\",", "\"annotations\":null,",
        "\"annotations\":{\"cluster_name\":\"blue\"},", "\"annotations\":{\"cluster_name\":7},", "\"annotations\":[],",
        "\"annotations\":\"x\",", "\"annotations\":1.5,", "\"annotations\":{},", "\"cluster_name\":\"x\",",
        "\"messageType\":\"DATA_MESSAGE\",", "\"k\\u0069nd\":\"Event\",", "\"k\u00e9\":1,",
    };

    /** Raw bytes that are not strict UTF-8 (overlong, surrogate, over U+10FFFF, cut, lone continuation). */
    private static final byte[][] BAD_UTF8 = {
        {(byte) 0xc0, (byte) 0x80}, {(byte) 0xc1, (byte) 0xbf}, {(byte) 0xe0, (byte) 0x80, (byte) 0x80},
        {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
        {(byte) 0xf5, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xbf}, {(byte) 0xe2, (byte) 0x82},
        {(byte) 0xff}, {(byte) 0xf0, (byte) 0x9f, (byte) 0x98},
    };

    private static List<byte[]> seeds;

    @BeforeAll
    static void seeds() throws Exception {
        seeds = new ArrayList<>();
        ObjectMapper mapper = new ObjectMapper();
        for (String line : FirehoseFixtures.corpusEvents()) {
            seeds.add(line.getBytes(StandardCharsets.UTF_8));
            // The same event with whitespace everywhere Jackson's pretty printer puts it.
            seeds.add(mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(mapper.readTree(line)));
        }
        for (String event : FirehoseFixtures.events(8)) {
            seeds.add(event.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static byte[] mutate(byte[] b, Random random) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        int at = random.nextInt(s.length() + 1);
        switch (random.nextInt(6)) {
            case 0: // a byte changed
                if (at < s.length()) {
                    s = s.substring(0, at) + (char) random.nextInt(256) + s.substring(at + 1);
                }
                break;
            case 1: // cut
                s = s.substring(0, at);
                break;
            case 2: { // something inserted (UTF-8 bytes as Latin-1 chars)
                String[] from = random.nextInt(4) == 0 ? MEMBERS : INSERTS;
                String insert = new String(from[random.nextInt(from.length)].getBytes(StandardCharsets.UTF_8),
                        StandardCharsets.ISO_8859_1);
                s = s.substring(0, at) + insert + s.substring(at);
                break;
            }
            case 3: // bytes that are not UTF-8
                s = s.substring(0, at) + new String(BAD_UTF8[random.nextInt(BAD_UTF8.length)], StandardCharsets.ISO_8859_1)
                        + s.substring(at);
                break;
            case 4: // a top-level member added first
                s = s.replaceFirst("^(\\s*)\\{", "$1{" + MEMBERS[random.nextInt(MEMBERS.length)].replace("$", "\\$"));
                break;
            default: // something after the value
                s = s + (random.nextBoolean() ? " \n" : random.nextBoolean() ? " {}" : "x");
                break;
        }
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void sameOutcomeAsJackson() {
        Random random = new Random(14);
        AuditEventValidator withScanner = new AuditEventValidator(1 << 20);
        AuditEventValidator jackson = new AuditEventValidator(1 << 20, false);
        EnvelopeReader readerWithScanners = new EnvelopeReader();
        EnvelopeReader jacksonReader = new EnvelopeReader(false);
        EventScanner scanner = new EventScanner();
        int scanned = 0;
        int scannedMutants = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] json = seeds.get(random.nextInt(seeds.size()));
            boolean mutant = random.nextInt(4) != 0;
            if (mutant) {
                int n = 1 + random.nextInt(3);
                for (int k = 0; k < n; k++) {
                    json = mutate(json, random);
                }
            }
            String what = new String(json, StandardCharsets.ISO_8859_1);
            assertThat(describe(withScanner.validate(json, "k"))).as(what).isEqualTo(describe(jackson.validate(json, "k")));
            EnvelopeReader.Record expected = jacksonReader.read(json);
            assertThat(describe(readerWithScanners.read(json))).as(what).isEqualTo(describe(expected));
            AuditEventValidator.Fields fields = scanner.read(json);
            if (fields != null) {
                scanned++;
                scannedMutants += mutant ? 1 : 0;
                if (scanner.sawEventField()) {
                    // What the scanner took is what Jackson took, field by field.
                    assertThat(expected.kind).as(what).isEqualTo(EnvelopeReader.Kind.EVENT);
                    assertThat(describe(fields)).as(what).isEqualTo(describe(expected.eventFields));
                } else {
                    assertThat(expected.kind).as(what).isEqualTo(EnvelopeReader.Kind.UNKNOWN);
                }
            }
        }
        assertThat(scanned).as("events the scanner read").isGreaterThan(60_000);
        assertThat(scannedMutants).as("mutants it still read (whitespace, members, UTF-8, ...)").isGreaterThan(10_000);
    }

    @Test
    void everyCorpusEventIsScanned() {
        EventScanner scanner = new EventScanner();
        for (byte[] json : seeds) {
            assertThat(scanner.read(json)).as(new String(json, StandardCharsets.UTF_8)).isNotNull();
            assertThat(scanner.sawEventField()).isTrue();
        }
    }

    @Test
    void overJacksonsLimitsItLeavesTheValueToJackson() {
        String event = "{\"kind\":\"Event\",\"auditID\":\"a\",\"objectRef\":{\"name\":\"" + "x".repeat(100)
                + "\"},\"n\":12345,\"stage\":\"Panic\",\"stageTimestamp\":\"2026-11-20T10:15:30Z\"}";
        byte[] json = event.getBytes(StandardCharsets.US_ASCII);
        assertThat(new EventScanner(1000, 1000, 1000).read(json)).isNotNull();
        assertThat(new EventScanner(99, 1000, 1000).read(json)).isNull(); // the longest string
        assertThat(new EventScanner(1000, 13, 1000).read(json)).isNull(); // "stageTimestamp"
        assertThat(new EventScanner(1000, 1000, 4).read(json)).isNull(); // 12345
        // Nesting: deeper than the scanner goes is Jackson's to read (it takes 1,000 levels).
        String deep = "[".repeat(EventScanner.MAX_DEPTH) + "]".repeat(EventScanner.MAX_DEPTH);
        byte[] nested = event.replace("12345", deep).getBytes(StandardCharsets.US_ASCII);
        assertThat(new EventScanner().read(nested)).isNull();
        assertThat(new AuditEventValidator(1 << 20, false).validate(nested, "k").isValid()).isTrue();
        assertThat(new AuditEventValidator(1 << 20).validate(nested, "k").isValid()).isTrue();
        String shallower = "[".repeat(EventScanner.MAX_DEPTH - 1) + "]".repeat(EventScanner.MAX_DEPTH - 1);
        assertThat(new EventScanner().read(event.replace("12345", shallower).getBytes(StandardCharsets.US_ASCII)))
                .isNotNull();
    }

    private static String describe(AuditEventValidator.Result r) {
        if (!r.isValid()) {
            return "invalid|" + r.reason + "|" + r.detail;
        }
        AuditEvent e = r.event;
        return "valid|" + e.auditId + "|" + e.stage + "|" + e.stageTimestampMillis + "|" + e.objectKey + "|"
                + new String(e.json, StandardCharsets.ISO_8859_1) + "|" + describe(r.place);
    }

    private static String describe(AuditEventValidator.Fields f) {
        return f.kind + "|" + f.auditId + "|" + f.stage + "|" + f.stageTimestamp + "|" + describe(f.place);
    }

    private static String describe(ClusterTagger.Place p) {
        return p.members + "|" + p.annotations + "@" + p.annotationsAt + "|" + p.annotationMembers + "|" + p.hasClusterName
                + "|" + p.clusterName + "|" + p.closeAt;
    }

    private static String describe(EnvelopeReader.Record r) {
        return r.kind + "|" + r.messageType + "|" + r.logStream + "|" + r.detail + "|"
                + (r.eventFields == null ? "no fields" : describe(r.eventFields));
    }
}
