package dev.eksaudit.bridge.decode;

import static dev.eksaudit.bridge.decode.DecodeHarness.pipeline;
import static dev.eksaudit.bridge.decode.DecodeHarness.testFormat;
import static dev.eksaudit.bridge.decode.DecodeHarness.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eksaudit.bridge.decode.DecodeHarness.Decoded;
import dev.eksaudit.bridge.decode.FirehoseFixtures.Layout;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every bad message, mixed with good ones, through the format and the decoder in every layout. */
class BadEventsThroughLayoutsTest {
    private static final Instant T = Instant.parse("2026-11-26T15:00:00.5Z");

    @TempDir
    java.nio.file.Path dir;

    @ParameterizedTest
    @EnumSource(Layout.class)
    void eachBadEventIsOneDeadLetterAndEveryGoodOnePasses(Layout layout) throws Exception {
        String base = FirehoseFixtures.event("bad", "ResponseComplete", T);
        List<String> bad = new ArrayList<>(List.of(
                FirehoseFixtures.nonEventMessage(),
                FirehoseFixtures.without(base, "auditID"),
                FirehoseFixtures.with(base, "stage", "Finished"),
                FirehoseFixtures.without(base, "stage"),
                FirehoseFixtures.with(base, "stageTimestamp", "yesterday"),
                FirehoseFixtures.oversizeEvent("big", 300_000)));
        List<String> reasons = new ArrayList<>(List.of(
                "not-audit-event", "missing-audit-id", "bad-stage", "bad-stage",
                "bad-stage-timestamp", "oversize"));
        if (layout != Layout.EVENTS) {
            // A cut message only exists inside an envelope: bare, it would be a cut object (truncated-json).
            bad.add(FirehoseFixtures.truncatedMessage(base));
            reasons.add("truncated-message");
        }
        List<String> good = FirehoseFixtures.events(bad.size() + 1);
        List<String> mixed = new ArrayList<>();
        for (int i = 0; i < bad.size(); i++) {
            mixed.add(good.get(i));
            mixed.add(bad.get(i));
        }
        mixed.add(good.get(bad.size()));

        Decoded d = pipeline(testFormat(), write(dir, "o", FirehoseFixtures.object(layout, mixed)));

        assertThat(d.events().stream().map(e -> new String(e.falcoJson(), StandardCharsets.UTF_8)).toList())
                .containsExactlyElementsOf(good);
        assertThat(d.deadLetters()).extracting(l -> l.reason).containsExactlyElementsOf(reasons);
        for (int i = 0; i < bad.size(); i++) {
            assertThat(d.deadLetters().get(i).payload).isEqualTo(bad.get(i).getBytes(StandardCharsets.UTF_8));
        }
    }
}
