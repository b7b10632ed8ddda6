package dev.eksaudit.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eksaudit.bridge.decode.FirehoseFixtures;
import dev.eksaudit.bridge.falco.FalcoWebhookReceiver;
import dev.eksaudit.bridge.summary.RunTotals;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The one line a bounded run ends with, from the job's accumulators, against what Falco received. */
class BoundedRunSummaryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = PipelineFixture.miniCluster();

    @Test
    void summaryCountsObjectsEventsDuplicatesAndDeadLetters() throws Exception {
        try (FalcoWebhookReceiver falco = FalcoWebhookReceiver.start()) {
            JobExecutionResult result = SampleObjects.backfill(falco.url().toString(), "summary");

            String summary = RunTotals.summary(result);

            // What the samples hold (SampleObjects splits the corpus over four objects): every corpus
            // line of kind Event, of which some repeat an (auditID, stage); every other line is a
            // not-audit-event dead letter.
            List<String> lines = FirehoseFixtures.corpusEvents();
            long events = 0;
            Set<String> distinct = new HashSet<>();
            for (String line : lines) {
                JsonNode value = JSON.readTree(line);
                if ("Event".equals(value.path("kind").asText())) {
                    events++;
                    distinct.add(value.path("auditID").asText() + "/" + value.path("stage").asText());
                }
            }
            long notAuditEvents = lines.size() - events;
            assertThat(falco.eventKeys()).hasSize(distinct.size());
            assertThat(summary).matches("Bounded run finished in \\d+\\.\\d s: .*")
                    .endsWith(" s: 4 objects, " + distinct.size() + " events to Falco, " + (events - distinct.size())
                            + " duplicates dropped, dead letters: not-audit-event " + notAuditEvents);
            assertThat(events - distinct.size()).as("the samples do hold repeats").isPositive();
        }
    }
}
