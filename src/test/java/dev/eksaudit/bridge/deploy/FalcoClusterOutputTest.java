package dev.eksaudit.bridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Both Falco configurations add the cluster to every Kubernetes audit alert, on Falco and plugin
 * versions that support it: {@code append_output} (Falco 0.39+) and {@code ka.cluster.name}
 * (k8saudit plugin 0.10+, read from the annotations.cluster_name the bridge writes).
 */
class FalcoClusterOutputTest {

    private static JsonNode yaml(String path) throws Exception {
        return new YAMLMapper().readTree(Path.of(path).toFile());
    }

    @Test
    void composeFalcoNamesTheClusterInEveryAuditAlert() throws Exception {
        assertAppendsCluster(yaml("deploy/compose/falco.yaml"));
        JsonNode compose = yaml("docker-compose.yml");
        assertAtLeast(compose.at("/services/falco/image").asText(), "falcosecurity/falco:(\\d+)\\.(\\d+)", 0, 39);
        assertAtLeast(compose.at("/services/falcoctl/command").toString(), "k8saudit:(\\d+)\\.(\\d+)", 0, 10);
    }

    @Test
    void helmValuesNameTheClusterInEveryAuditAlert() throws Exception {
        JsonNode values = yaml("deploy/falco/values-k8saudit.yaml");
        assertAppendsCluster(values.get("falco"));
        assertAtLeast(values.at("/falcoctl/config/artifact/install/refs").toString(), "k8saudit:(\\d+)\\.(\\d+)", 0, 10);
    }

    private static void assertAppendsCluster(JsonNode falco) {
        JsonNode append = falco.path("append_output");
        assertThat(append.isArray()).as("append_output is a list").isTrue();
        JsonNode entry = null;
        for (JsonNode e : append) {
            if (e.at("/match/source").asText().equals("k8s_audit")) {
                entry = e;
            }
        }
        assertThat(entry).as("an append_output entry for source k8s_audit").isNotNull();
        assertThat(entry.path("extra_output").asText()).isEqualTo("cluster=%ka.cluster.name");
        assertThat(entry.path("extra_fields").toString()).contains("\"ka.cluster.name\"");
    }

    private static void assertAtLeast(String text, String pattern, int major, int minor) {
        Matcher m = Pattern.compile(pattern).matcher(text);
        assertThat(m.find()).as(pattern + " in " + text).isTrue();
        int got = Integer.parseInt(m.group(1)) * 1000 + Integer.parseInt(m.group(2));
        assertThat(got).as(m.group()).isGreaterThanOrEqualTo(major * 1000 + minor);
    }
}
