package dev.eksaudit.bridge.decode;

import static dev.eksaudit.bridge.decode.DecodeHarness.pipeline;
import static dev.eksaudit.bridge.decode.DecodeHarness.testFormat;
import static dev.eksaudit.bridge.decode.DecodeHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksaudit.bridge.deadletter.DeadLetter;
import dev.eksaudit.bridge.decode.DecodeHarness.Decoded;
import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real audit events (Falco's k8s audit test corpus) through every layout, format and decoder. */
class CorpusRoundTripTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String MALFORMED = "{\"kind\": 0}";

    @TempDir
    java.nio.file.Path dir;

    @Test
    void corpusIsWhatWeThinkItIs() {
        List<String> corpus = FirehoseFixtures.corpusEvents();
        assertThat(corpus).hasSizeGreaterThan(40).contains(MALFORMED);
        assertThat(corpus).filteredOn(MALFORMED::equals).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void everyCorpusEventComesOutAsTheSameJsonAndTheMalformedOneAsOneDeadLetter(Layout layout) throws Exception {
        List<String> corpus = FirehoseFixtures.corpusEvents();
        byte[] object = FirehoseFixtures.object(layout, corpus);

        Decoded d = pipeline(testFormat(), write(dir, FirehoseFixtures.objectKey("", java.time.Instant.EPOCH, layout)
                .replace('/', '_'), object));

        List<JsonNode> expected = new ArrayList<>();
        for (String line : corpus) {
            if (!line.equals(MALFORMED)) {
                expected.add(MAPPER.readTree(line));
            }
        }
        List<JsonNode> actual = new ArrayList<>();
        for (AuditEvent e : d.events()) {
            actual.add(MAPPER.readTree(e.falcoJson()));
            assertThat(MAPPER.readTree(e.falcoJson()).get("auditID").asText()).isEqualTo(e.auditId);
        }
        assertThat(actual).containsExactlyElementsOf(expected);
        assertThat(d.deadLetters()).hasSize(1);
        DeadLetter letter = d.deadLetters().get(0);
        assertThat(letter.reason).isEqualTo("not-audit-event");
        assertThat(new String(letter.payload, StandardCharsets.UTF_8)).isEqualTo(MALFORMED);
    }

    @Test
    void bareEventsKeepTheirExactBytes() throws Exception {
        List<String> corpus = FirehoseFixtures.corpusEvents();
        Decoded d = pipeline(testFormat(), write(dir, "d", FirehoseFixtures.object(Layout.EVENTS, corpus)));
        List<String> valid = corpus.stream().filter(l -> !l.equals(MALFORMED)).toList();
        assertThat(d.events().stream().map(e -> new String(e.falcoJson(), StandardCharsets.UTF_8)).toList())
                .containsExactlyElementsOf(valid);
    }
}
