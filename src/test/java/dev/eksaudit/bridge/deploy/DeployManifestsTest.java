package dev.eksaudit.bridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.eksaudit.bridge.config.BridgeConfig;
import dev.eksaudit.bridge.config.BridgeConfigLoader;
import java.io.InputStream;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.KubernetesDeploymentMode;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every manifest under {@code deploy/} parses, the FlinkDeployment binds to the operator's own API
 * classes and validates against its CRD schema, and the facts that must agree across files do:
 * a broken or inconsistent manifest fails CI instead of a user's cluster.
 */
class DeployManifestsTest {

    private static final Path DEPLOY = Path.of("deploy");
    private static final ObjectMapper YAML = new YAMLMapper();

    private static JsonNode yaml(String path) throws Exception {
        return YAML.readTree(Path.of(path).toFile());
    }

    private static List<JsonNode> documents(Path file) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
            Iterator<JsonNode> it = YAML.readValues(parser, JsonNode.class);
            it.forEachRemaining(docs::add);
        }
        return docs;
    }

    @Test
    void everyYamlUnderDeployParses() throws Exception {
        List<Path> files;
        try (Stream<Path> all = Files.walk(DEPLOY)) {
            files = all.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted()
                    .collect(Collectors.toList());
        }
        assertThat(files).extracting(Path::toString).contains("deploy/k8s/flinkdeployment.yaml",
                "deploy/k8s/serviceaccount.yaml", "deploy/falco/values-k8saudit.yaml", "deploy/compose/falco.yaml");
        for (Path file : files) {
            // SnakeYAML as a second, strict reader (duplicate keys are errors there).
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            try (Reader in = Files.newBufferedReader(file)) {
                for (Object doc : new Yaml(new SafeConstructor(options)).loadAll(in)) {
                    assertThat(doc).as(file + " holds a mapping").isInstanceOf(Map.class);
                }
            } catch (RuntimeException e) {
                fail(file + " does not parse: " + e.getMessage());
            }
        }
    }

    @Test
    void flinkDeploymentBindsToTheOperatorApi() throws Exception {
        ObjectMapper strict = new YAMLMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        FlinkDeployment d = strict.readValue(Path.of("deploy/k8s/flinkdeployment.yaml").toFile(), FlinkDeployment.class);
        assertThat(d.getSpec().getFlinkVersion()).isEqualTo(FlinkVersion.v1_20);
        assertIsTheBridge(d);
    }

    /** What the 1.20 and the 2.2 FlinkDeployment have in common: everything but image and flinkVersion. */
    private static void assertIsTheBridge(FlinkDeployment d) {
        var spec = d.getSpec();
        assertThat(spec.getMode()).isEqualTo(KubernetesDeploymentMode.NATIVE);
        assertThat(spec.getJob()).as("application mode: the job is part of the deployment").isNotNull();
        assertThat(spec.getJob().getJarURI()).isEqualTo("local:///opt/flink/usrlib/eks-audit-bridge.jar");
        assertThat(spec.getJob().getEntryClass()).isEqualTo("dev.eksaudit.bridge.BridgeJob");

        Map<String, String> conf = spec.getFlinkConfiguration();
        assertThat(conf).containsEntry("fs.s3a.aws.credentials.provider", "com.amazonaws.auth.WebIdentityTokenCredentialsProvider");
        assertThat(conf.get("state.checkpoints.dir")).startsWith("s3://");
        assertThat(conf.get("state.savepoints.dir")).startsWith("s3://");
        assertThat(conf).containsEntry("high-availability.type", "kubernetes");
        assertThat(conf.get("high-availability.storageDir")).startsWith("s3://");
        assertThat(conf).containsEntry("metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");

        var pod = spec.getPodTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).as("the image's flink user").isEqualTo(9999L);
        var main = pod.getContainers().stream().filter(c -> c.getName().equals("flink-main-container")).findFirst().orElseThrow();
        assertThat(main.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(main.getPorts()).anyMatch(p -> p.getContainerPort() == 9249);
    }

    /**
     * The flinkVersion values the CRD of Flink Kubernetes Operator 1.13.0 (2025-09, the first release
     * for Flink 2.2) accepts, as in its helm/.../flinkdeployments.flink.apache.org-v1.yml; 1.14 and
     * 1.15 accept them too. Maven Central serves flink-kubernetes-operator-api only up to 1.10.0,
     * whose enum ends at v1_20, so this one value is checked against that list instead.
     */
    private static final List<String> OPERATOR_1_13_FLINK_VERSIONS = List.of(
            "v1_13", "v1_14", "v1_15", "v1_16", "v1_17", "v1_18", "v1_19", "v1_20", "v2_0", "v2_1", "v2_2");

    /** deploy/k8s/flinkdeployment.yaml with the flink2.2 overlay's patch applied, as kustomize would (a merge patch: a custom resource has no strategic-merge keys). */
    private static JsonNode flink22Deployment() throws Exception {
        JsonNode overlay = yaml("deploy/k8s/flink2.2/kustomization.yaml");
        assertThat(overlay.get("resources")).as("the overlay builds on deploy/k8s").hasSize(1);
        assertThat(overlay.at("/resources/0").asText()).isEqualTo("..");
        assertThat(overlay.get("patches")).hasSize(1);
        JsonNode base = yaml("deploy/k8s/flinkdeployment.yaml");
        assertThat(overlay.at("/patches/0/target/kind").asText()).isEqualTo(base.path("kind").asText());
        assertThat(overlay.at("/patches/0/target/name").asText()).isEqualTo(base.at("/metadata/name").asText());
        JsonNode patch = yaml("deploy/k8s/flink2.2/" + overlay.at("/patches/0/path").asText());
        assertThat(patch.path("kind").asText()).isEqualTo(base.path("kind").asText());
        assertThat(patch.at("/metadata/name").asText()).isEqualTo(base.at("/metadata/name").asText());
        return mergePatch(base.deepCopy(), patch);
    }

    /** RFC 7386: objects merge key by key, null removes, anything else replaces. */
    private static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject() || !target.isObject()) {
            return patch;
        }
        ObjectNode result = (ObjectNode) target;
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getValue().isNull()) {
                result.remove(field.getKey());
            } else {
                JsonNode current = result.get(field.getKey());
                result.set(field.getKey(), current == null ? field.getValue() : mergePatch(current, field.getValue()));
            }
        }
        return result;
    }

    @Test
    void flink22DeploymentDiffersOnlyInImageAndFlinkVersion() throws Exception {
        JsonNode base = yaml("deploy/k8s/flinkdeployment.yaml");
        JsonNode merged = flink22Deployment();
        assertThat(merged.at("/spec/flinkVersion").asText()).isEqualTo("v2_2");
        assertThat(merged.at("/spec/image").asText()).endsWith("-flink2.2").isNotEqualTo(base.at("/spec/image").asText());
        ObjectNode rest = (ObjectNode) merged.deepCopy();
        ((ObjectNode) rest.get("spec")).set("image", base.at("/spec/image"));
        ((ObjectNode) rest.get("spec")).set("flinkVersion", base.at("/spec/flinkVersion"));
        assertThat(rest).as("everything else is the 1.20 deployment's").isEqualTo(base);
    }

    @Test
    void flink22DeploymentBindsToTheOperatorApiAndCrdSchema() throws Exception {
        JsonNode merged = flink22Deployment();
        String version = merged.at("/spec/flinkVersion").asText();
        assertThat(OPERATOR_1_13_FLINK_VERSIONS).as("flinkVersion values operator 1.13+ accepts").contains(version);
        ObjectNode bindable = (ObjectNode) merged.deepCopy();
        boolean apiKnowsIt = Arrays.stream(FlinkVersion.values()).anyMatch(v -> v.name().equals(version));
        if (!apiKnowsIt) {
            ((ObjectNode) bindable.get("spec")).remove("flinkVersion");
        }
        ObjectMapper strict = new YAMLMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        FlinkDeployment d = strict.treeToValue(bindable, FlinkDeployment.class);
        if (apiKnowsIt) {
            assertThat(d.getSpec().getFlinkVersion().name()).isEqualTo("v2_2");
        }
        assertIsTheBridge(d);

        JsonNode crd;
        try (InputStream in = FlinkDeployment.class.getResourceAsStream("/META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml")) {
            crd = YAML.readTree(in);
        }
        List<String> errors = new ArrayList<>();
        SchemaCheck.check("spec", bindable.get("spec"), crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec"), errors);
        assertThat(errors).as("what the API server would reject").isEmpty();
    }

    @Test
    void flinkDeploymentMatchesTheOperatorCrdSchema() throws Exception {
        JsonNode crd;
        try (InputStream in = FlinkDeployment.class.getResourceAsStream("/META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml")) {
            assertThat(in).as("the operator's generated CRD").isNotNull();
            crd = YAML.readTree(in);
        }
        JsonNode manifest = yaml("deploy/k8s/flinkdeployment.yaml");
        assertThat(manifest.path("apiVersion").asText()).isEqualTo("flink.apache.org/" + crd.at("/spec/versions/0/name").asText());
        assertThat(manifest.path("kind").asText()).isEqualTo(crd.at("/spec/names/kind").asText());
        List<String> errors = new ArrayList<>();
        SchemaCheck.check("spec", manifest.get("spec"), crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec"), errors);
        assertThat(errors).as("what the API server would reject").isEmpty();

        // The checker itself catches what it must: a typo and a number where the CRD wants a string.
        JsonNode broken = YAML.readTree("flinkConfiguration: {a: 1}\njob: {jarUri: x}\n");
        List<String> found = new ArrayList<>();
        SchemaCheck.check("spec", broken, crd.at("/spec/versions/0/schema/openAPIV3Schema/properties/spec"), found);
        assertThat(found).containsExactlyInAnyOrder("spec.flinkConfiguration.a: expected string, got NUMBER",
                "spec.job.jarUri: not in the schema");
    }

    @Test
    void kubernetesPiecesAgreeWithEachOther() throws Exception {
        JsonNode deployment = yaml("deploy/k8s/flinkdeployment.yaml");
        JsonNode account = yaml("deploy/k8s/serviceaccount.yaml");
        JsonNode kustomization = yaml("deploy/k8s/kustomization.yaml");

        // IRSA: the pods run as the annotated ServiceAccount.
        assertThat(account.path("kind").asText()).isEqualTo("ServiceAccount");
        assertThat(deployment.at("/spec/serviceAccount").asText()).isEqualTo(account.at("/metadata/name").asText());
        assertThat(account.at("/metadata/annotations").path("eks.amazonaws.com/role-arn").asText())
                .matches("arn:aws:iam::\\d{12}:role/.+");

        // The RoleBinding gives that account what the JobManager and Kubernetes HA need.
        List<JsonNode> rbac = documents(Path.of("deploy/k8s/rbac.yaml"));
        JsonNode binding = rbac.stream().filter(d -> d.path("kind").asText().equals("RoleBinding")).findFirst().orElseThrow();
        assertThat(binding.at("/subjects/0/name").asText()).isEqualTo(account.at("/metadata/name").asText());
        JsonNode role = rbac.stream().filter(d -> d.path("kind").asText().equals("Role")).findFirst().orElseThrow();
        assertThat(role.at("/rules/0/resources").toString()).contains("pods").contains("configmaps");

        // Every resource kustomize applies exists; the ConfigMap it generates is what the pods mount.
        for (JsonNode resource : kustomization.path("resources")) {
            assertThat(Path.of("deploy/k8s", resource.asText())).exists();
        }
        JsonNode generator = kustomization.at("/configMapGenerator/0");
        JsonNode volume = deployment.at("/spec/podTemplate/spec/volumes/0");
        assertThat(volume.at("/configMap/name").asText()).isEqualTo(generator.path("name").asText());
        assertThat(kustomization.at("/generatorOptions/disableNameSuffixHash").asBoolean()).isTrue();
        String mountPath = deployment.at("/spec/podTemplate/spec/containers/0/volumeMounts/0/mountPath").asText();
        String configFile = generator.at("/files/0").asText();

        // The job's arguments name that file, and the file with those arguments is a valid configuration.
        List<String> args = new ArrayList<>();
        deployment.at("/spec/job/args").forEach(a -> args.add(a.asText()));
        assertThat(args).containsSequence("--config", mountPath + "/" + configFile);
        List<String> local = new ArrayList<>(args);
        local.set(local.indexOf("--config") + 1, "deploy/k8s/" + configFile);
        BridgeConfig config = BridgeConfigLoader.load(Path.of("target/no-managed-flink.json"), local.toArray(new String[0]));
        assertThat(config.inputPath()).startsWith("s3://");

        // The bridge posts to the Service the Falco chart creates for release "falco" in namespace "falco".
        JsonNode values = yaml("deploy/falco/values-k8saudit.yaml");
        String service = "falco-" + values.at("/services/0/name").asText() + ".falco.svc.cluster.local";
        int port = values.at("/services/0/ports/0/port").asInt();
        assertThat(config.falcoUrls()).containsExactly(URI.create("http://" + service + ":" + port + "/k8s-audit"));
    }

    @Test
    void falcoHelmValuesEnableTheK8sAuditPlugin() throws Exception {
        JsonNode values = yaml("deploy/falco/values-k8saudit.yaml");
        assertThat(values.at("/driver/enabled").asBoolean(true)).as("no syscall driver").isFalse();
        assertFalcoListensForAudit(values.get("falco"), 9765);
        assertThat(values.at("/services/0/ports/0/port").asInt()).isEqualTo(9765);
        assertThat(values.at("/falco/rules_files").toString()).contains("k8s_audit_rules.yaml");
        String refs = values.at("/falcoctl/config/artifact/install/refs").toString();
        assertThat(refs).contains("k8saudit:").contains("k8saudit-rules:").contains("json:");
    }

    @Test
    void composeFalcoLoadsThePluginsAndRulesFalcoctlInstalls() throws Exception {
        JsonNode falco = yaml("deploy/compose/falco.yaml");
        assertThat(falco.at("/engine/kind").asText()).isEqualTo("nodriver");
        assertFalcoListensForAudit(falco, 9765);
        JsonNode compose = yaml("docker-compose.yml");
        String install = compose.at("/services/falcoctl/command").toString();
        assertThat(install).contains("k8saudit:").contains("k8saudit-rules:").contains("json:")
                .contains("--plugins-dir=/plugins").contains("--rulesfiles-dir=/rules");
        for (JsonNode plugin : falco.get("plugins")) {
            assertThat(plugin.path("library_path").asText()).startsWith("/plugins/");
        }
        assertThat(falco.at("/rules_files/0").asText()).isEqualTo("/rules/k8s_audit_rules.yaml");
        assertThat(compose.at("/services/falco/volumes").toString())
                .contains("falco-plugins:/plugins").contains("falco-rules:/rules").contains("./deploy/compose/falco.yaml:/etc/falco/falco.yaml");
    }

    @Test
    void composeJobArgumentsAreAValidConfiguration() throws Exception {
        JsonNode compose = yaml("docker-compose.yml");
        List<String> words = new ArrayList<>(Arrays.asList(compose.at("/services/jobmanager/command").asText().trim().split("\\s+")));
        assertThat(words.subList(0, 3)).containsExactly("standalone-job", "--job-classname", "dev.eksaudit.bridge.BridgeJob");
        BridgeConfig config = BridgeConfig.fromArgs(words.subList(3, words.size()).toArray(new String[0]));
        assertThat(config.falcoUrls()).containsExactly(URI.create("http://falco:9765/k8s-audit"));
        assertThat(config.get(dev.eksaudit.bridge.config.BridgeOptions.INPUT_START))
                .as("the samples' hour folder").isEqualTo("2026-11-26T15:00:00Z");
        assertThat(Path.of("samples/eks-audit/2026/11/26/15")).isDirectory();
        assertThat(compose.at("/services/jobmanager/build/dockerfile").asText()).isEqualTo("deploy/image/Dockerfile");
        assertThat(compose.at("/services/taskmanager/image").asText()).isEqualTo(compose.at("/services/jobmanager/image").asText());
        assertThat(compose.at("/x-flink-config/FLINK_PROPERTIES").asText()).contains("metrics.reporter.prom.factory.class");
    }

    @Test
    void imageIsOfficialFlink120OnJava11WithS3AndNonRoot() throws Exception {
        assertImage("deploy/image/Dockerfile", "FROM flink:1\\.20\\.\\d+-java11", "1.20");
    }

    @Test
    void flink22ImageIsOfficialFlink22OnJava17WithS3AndNonRoot() throws Exception {
        assertImage("deploy/image/Dockerfile.flink2.2", "FROM flink:2\\.2\\.\\d+-java17", "2.2");
    }

    /** An official Flink image, the S3 plugin enabled, the job jar built for its runtime, non-root. */
    private static void assertImage(String dockerfile, String from, String runtime) throws Exception {
        List<String> lines = Files.readAllLines(Path.of(dockerfile)).stream()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.toList());
        assertThat(lines.get(0)).matches(from);
        assertThat(String.join("\n", lines)).contains("/opt/flink/opt/flink-s3-fs-hadoop-")
                .contains("/opt/flink/plugins/s3-fs-hadoop/")
                .contains(" target/eks-audit-bridge-*-flink" + runtime + ".jar /opt/flink/usrlib/eks-audit-bridge.jar");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("USER flink");
        assertThat(Files.readString(Path.of(".dockerignore"))).contains("!target/eks-audit-bridge-*.jar");
    }

    @Test
    void flinkConfEnablesThePrometheusReporter() throws Exception {
        JsonNode conf = yaml("flink-conf/config.yaml");
        assertThat(conf.at("/metrics/reporter/prom/factory.class").asText())
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        assertThat(conf.at("/metrics/reporter/prom/port").asText()).isNotEmpty();
    }

    private static void assertFalcoListensForAudit(JsonNode falco, int port) {
        JsonNode k8saudit = null;
        for (JsonNode plugin : falco.get("plugins")) {
            if (plugin.path("name").asText().equals("k8saudit")) {
                k8saudit = plugin;
            }
        }
        assertThat(k8saudit).as("k8saudit plugin configured").isNotNull();
        assertThat(k8saudit.path("open_params").asText()).isEqualTo("http://:" + port + "/k8s-audit");
        assertThat(k8saudit.at("/init_config/maxEventSize").asLong()).as("= the bridge's falco.max-event-bytes default")
                .isEqualTo(262_144);
        assertThat(falco.get("load_plugins").toString()).contains("\"k8saudit\"").contains("\"json\"");
    }
}
