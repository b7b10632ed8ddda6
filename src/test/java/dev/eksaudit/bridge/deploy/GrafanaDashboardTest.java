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

    private static final Pattern METRIC = Pattern.compile("flink_taskmanager_job_task_operator_(cluster_)?([A-Za-z]+)(_)?");
    /** A key-value group (the sink's {@code url} group) names a label, not a metric: the metric follows it. */
    private static final Pattern KEYED = Pattern.compile("flink_taskmanager_job_task_operator_url_([A-Za-z]+)");
    /** The source enumerator's metrics live on the JobManager, under its coordinator's groups. */
    private static final Pattern ENUMERATOR = Pattern.compile("flink_jobmanager_job_operator_coordinator_enumerator_([A-Za-z]+)");

    @Test
    void everyPanelQueriesADocumentedMetric() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Path.of("deploy/grafana/eks-audit-bridge.json").toFile());
        String readme = Files.readString(Path.of("README.md"));
        String metricsSection = readme.substring(readme.indexOf("## Metrics"), readme.indexOf("\n## ", readme.indexOf("## Metrics") + 1));

        assertThat(dashboard.path("panels")).isNotEmpty();
        Set<String> used = new LinkedHashSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                continue; // a row only groups the panels after it
            }
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            for (JsonNode target : panel.path("targets")) {
                Matcher keyed = KEYED.matcher(target.path("expr").asText());
                if (keyed.find()) {
                    used.add(keyed.group(1));
                    continue;
                }
                Matcher enumerator = ENUMERATOR.matcher(target.path("expr").asText());
                if (enumerator.find()) {
                    used.add(enumerator.group(1));
                    continue;
                }
                Matcher m = METRIC.matcher(target.path("expr").asText());
                assertThat(m.find()).as("panel '%s' queries a bridge metric", panel.path("title").asText()).isTrue();
                do {
                    used.add(documentedName(m));
                } while (m.find());
            }
        }
        assertThat(used).contains("eventTimeLagMs", "objectAgeMs", "eventsSent", "deadLetters.<reason>",
                "cluster.<name>.eventsDecoded", "cluster.<name>.eventsSent", "cluster.<name>.eventTimeLagMs",
                "eventsWithoutCluster", "objectsBlocked", "endpointFailing", "lateObjects", "listFailures");
        for (String metric : used) {
            assertThat(metricsSection).as("README metrics table documents %s", metric).contains("`" + metric + "`");
        }
    }

    /**
     * One row per cluster: the row repeats over a {@code cluster} variable whose values are the
     * label of the per-cluster metrics, and its panels filter by it.
     */
    @Test
    void perClusterRowRepeatsOverTheClusterLabel() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Path.of("deploy/grafana/eks-audit-bridge.json").toFile());
        JsonNode variable = null;
        for (JsonNode v : dashboard.at("/templating/list")) {
            if (v.path("name").asText().equals("cluster")) {
                variable = v;
            }
        }
        assertThat(variable).as("a cluster variable").isNotNull();
        assertThat(variable.at("/query/query").asText()).contains("flink_taskmanager_job_task_operator_cluster_")
                .endsWith(", cluster)");
        boolean inRow = false;
        int perCluster = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                inRow = panel.path("repeat").asText().equals("cluster");
                continue;
            }
            if (inRow) {
                perCluster++;
                for (JsonNode target : panel.path("targets")) {
                    assertThat(target.path("expr").asText()).contains("_cluster_").contains("cluster=~\"$cluster\"");
                }
            }
        }
        assertThat(perCluster).isGreaterThanOrEqualTo(2);
    }

    /** The silent-cluster alert parses and queries per-cluster metrics the bridge documents. */
    @Test
    void silentClusterAlertQueriesDocumentedMetrics() throws Exception {
        JsonNode rules = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                .readTree(Path.of("deploy/grafana/silent-cluster-alert.yaml").toFile());
        String readme = Files.readString(Path.of("README.md"));
        Set<String> alerts = new LinkedHashSet<>();
        for (JsonNode rule : rules.at("/groups/0/rules")) {
            alerts.add(rule.path("alert").asText());
            String expr = rule.path("expr").asText();
            assertThat(expr).contains("by (job_name, cluster)");
            Matcher m = METRIC.matcher(expr);
            assertThat(m.find()).isTrue();
            do {
                assertThat(readme).contains("`" + documentedName(m) + "`");
            } while (m.find());
        }
        assertThat(alerts).containsExactly("EksAuditClusterSilent", "EksAuditClusterGone");
    }

    /**
     * The README's name for a Prometheus name: a user group (deadLetters.<reason>) becomes a name
     * prefix (..._deadLetters_<reason>); a key-value group (cluster=<name>) becomes the key in the
     * name and a label ({@code ..._cluster_eventsSent{cluster="prod-eu"}}).
     */
    private static String documentedName(Matcher m) {
        if (m.group(1) != null) {
            return "cluster.<name>." + m.group(2);
        }
        return m.group(3) != null ? m.group(2) + ".<reason>" : m.group(2);
    }
}
