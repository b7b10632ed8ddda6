package dev.eksaudit.bridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dashboard parses, and every metric its panels query is one the bridge has and the README
 * documents, under the name Flink's Prometheus reporter gives operator metrics on a TaskManager.
 */
class GrafanaDashboardTest {

    private static final Pattern METRIC = Pattern.compile("flink_taskmanager_job_task_operator_([A-Za-z]+)(_)?");
    /** A key-value group (the sink's {@code url} group) names a label, not a metric: the metric follows it. */
    private static final Pattern KEYED = Pattern.compile("flink_taskmanager_job_task_operator_url_([A-Za-z]+)");

    @Test
    void everyPanelQueriesADocumentedMetric() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Path.of("deploy/grafana/eks-audit-bridge.json").toFile());
        String readme = Files.readString(Path.of("README.md"));
        String metricsSection = readme.substring(readme.indexOf("## Metrics"), readme.indexOf("\n## ", readme.indexOf("## Metrics") + 1));

        assertThat(dashboard.path("panels")).isNotEmpty();
        Set<String> used = new LinkedHashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            for (JsonNode target : panel.path("targets")) {
                Matcher keyed = KEYED.matcher(target.path("expr").asText());
                if (keyed.find()) {
                    used.add(keyed.group(1));
                    continue;
                }
                Matcher m = METRIC.matcher(target.path("expr").asText());
                assertThat(m.find()).as("panel '%s' queries a bridge metric", panel.path("title").asText()).isTrue();
                do {
                    // A user group (deadLetters.<reason>) becomes a name prefix: ..._deadLetters_<reason>.
                    used.add(m.group(2) != null ? m.group(1) + ".<reason>" : m.group(1));
                } while (m.find());
            }
        }
        assertThat(used).contains("eventTimeLagMs", "objectAgeMs", "eventsSent", "deadLetters.<reason>");
        for (String metric : used) {
            assertThat(metricsSection).as("README metrics table documents %s", metric).contains("`" + metric + "`");
        }
    }
}
