package dev.eksaudit.bridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * docker-compose.yml as {@code docker compose config -q} would check it, without a docker-compose
 * binary: the YAML is loaded the way Compose loads it (anchors and {@code <<} merge keys resolved,
 * duplicate keys refused), validated against the Compose specification's JSON schema (vendored in
 * src/test/resources/compose-spec with its source and version), and cross-checked where the schema
 * cannot see across the file: every {@code depends_on} names a service (with a healthcheck when it
 * waits for {@code service_healthy}), every named volume is declared, and every bind mount, build
 * context and Dockerfile exists in the repository. No variable is left to interpolate.
 */
class ComposeConfigTest {

    private static final Path COMPOSE = Path.of("docker-compose.yml");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchema SCHEMA = loadSchema();

    /** Read from the classpath so the schema's relative {@code $id} has a base to resolve against. */
    private static JsonSchema loadSchema() {
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
                .getSchema(SchemaLocation.of("classpath:compose-spec/compose-spec.json"));
    }

    /** Compose's loader: YAML 1.1 with merge keys resolved, duplicate keys an error. */
    static JsonNode load(Path file) throws Exception {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        try (Reader in = Files.newBufferedReader(file)) {
            Object doc = new Yaml(new SafeConstructor(options)).load(in);
            return JSON.valueToTree(doc);
        }
    }

    /** Every problem Compose would report for this file, one line each; empty when it is valid. */
    static List<String> problems(JsonNode compose, Path baseDir) {
        List<String> problems = new ArrayList<>();
        Set<ValidationMessage> messages = SCHEMA.validate(compose);
        for (ValidationMessage message : messages) {
            problems.add("schema: " + message.getMessage());
        }
        if (!messages.isEmpty()) {
            return problems; // the cross-checks below assume the shapes the schema guarantees
        }
        Matcher variable = Pattern.compile("\\$\\{?[A-Za-z_][A-Za-z0-9_]*").matcher(compose.toString());
        if (variable.find()) {
            problems.add("interpolation: " + variable.group() + " would be taken from the environment");
        }
        JsonNode services = compose.path("services");
        JsonNode volumes = compose.path("volumes");
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String name = entry.getKey();
            JsonNode service = entry.getValue();
            forEachDependency(service.path("depends_on"), (dependency, condition) -> {
                if (!services.has(dependency)) {
                    problems.add("services." + name + ".depends_on: no service '" + dependency + "'");
                } else if ("service_healthy".equals(condition) && !services.path(dependency).has("healthcheck")) {
                    problems.add("services." + name + ".depends_on." + dependency
                            + ": waits for service_healthy but '" + dependency + "' has no healthcheck");
                }
            });
            for (JsonNode volume : service.path("volumes")) {
                String source = volume.isTextual() ? volume.asText().split(":", 2)[0] : volume.path("source").asText("");
                boolean containerOnly = volume.isTextual() && !volume.asText().contains(":");
                if (source.isEmpty() || containerOnly) {
                    continue; // an anonymous volume
                }
                if (source.startsWith(".") || source.startsWith("/")) {
                    if (!Files.exists(baseDir.resolve(source))) {
                        problems.add("services." + name + ".volumes: bind mount source " + source + " does not exist");
                    }
                } else if (!volumes.has(source)) {
                    problems.add("services." + name + ".volumes: refers to undefined volume " + source);
                }
            }
            JsonNode build = service.path("build");
            if (!build.isMissingNode()) {
                String context = build.isTextual() ? build.asText() : build.path("context").asText(".");
                Path contextDir = baseDir.resolve(context);
                Path dockerfile = contextDir.resolve(build.path("dockerfile").asText("Dockerfile"));
                if (!Files.isDirectory(contextDir)) {
                    problems.add("services." + name + ".build.context: " + context + " is not a directory");
                } else if (!Files.isRegularFile(dockerfile)) {
                    problems.add("services." + name + ".build.dockerfile: " + baseDir.relativize(dockerfile) + " does not exist");
                }
            }
        }
        return problems;
    }

    private static void forEachDependency(JsonNode dependsOn, java.util.function.BiConsumer<String, String> action) {
        if (dependsOn.isArray()) {
            dependsOn.forEach(d -> action.accept(d.asText(), "service_started"));
        } else {
            dependsOn.fields().forEachRemaining(e -> action.accept(e.getKey(), e.getValue().path("condition").asText()));
        }
    }

    @Test
    void composeFileIsValid() throws Exception {
        JsonNode compose = load(COMPOSE);
        assertThat(compose.path("services").size()).as("services in docker-compose.yml").isEqualTo(6);
        // The anchor is merged as Compose merges it: the Flink services see FLINK_PROPERTIES.
        assertThat(compose.at("/services/taskmanager/environment/FLINK_PROPERTIES").asText())
                .contains("execution.checkpointing.dir");
        assertThat(problems(compose, Path.of(""))).isEmpty();
    }

    /** Each mistake below is one Compose itself refuses; none may pass here. */
    @Test
    void brokenComposeFilesFail() throws Exception {
        assertBroken(c -> ((ObjectNode) c).set("servces", c.get("services")), "servces");
        assertBroken(c -> ((ObjectNode) c.at("/services/falco")).put("restart_policy", "always"), "restart_policy");
        assertBroken(c -> ((ObjectNode) c.at("/services/jobmanager/depends_on/falco")).put("condition", "service_ready"),
                "depends_on.falco.condition: does not have a value in the enumeration");
        assertBroken(c -> ((ArrayNode) c.at("/services/minio/ports")).add(JSON.createObjectNode().put("target", 9000).put("hostport", 9000)),
                "ports[2]");
        assertBroken(c -> ((ObjectNode) c.at("/services/minio/healthcheck")).put("intervall", "5s"), "healthcheck: property 'intervall' is not defined");
        assertBroken(c -> ((ObjectNode) c.at("/services/jobmanager/depends_on")).set("mino",
                JSON.createObjectNode().put("condition", "service_started")), "no service 'mino'");
        // The control: a change Compose accepts keeps the file valid here too.
        assertStillValid(c -> ((ObjectNode) c.at("/services/falcoctl")).remove("user"));
        assertBroken(c -> ((ObjectNode) c.at("/services/jobmanager/depends_on/sample-writer")).put("condition", "service_healthy"),
                "'sample-writer' has no healthcheck");
        assertBroken(c -> ((ArrayNode) c.at("/services/falco/volumes")).add("falco-config:/etc/falco"),
                "undefined volume falco-config");
        assertBroken(c -> ((ArrayNode) c.at("/services/falco/volumes")).add("./deploy/compose/missing.yaml:/etc/x.yaml:ro"),
                "./deploy/compose/missing.yaml does not exist");
        assertBroken(c -> ((ObjectNode) c.at("/services/jobmanager/build")).put("dockerfile", "deploy/image/Dockerfil"),
                "deploy/image/Dockerfil does not exist");
        assertBroken(c -> ((ObjectNode) c.at("/services/jobmanager")).put("command", "standalone-job ${JOB_ARGS}"),
                "${JOB_ARGS");
    }

    @Test
    void duplicateKeysFailAsInCompose() throws Exception {
        Path file = Files.createTempFile("compose", ".yml");
        try {
            Files.writeString(file, "services:\n  a:\n    image: x\n  a:\n    image: y\n");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> load(file))
                    .hasMessageContaining("found duplicate key a");
        } finally {
            Files.delete(file);
        }
    }

    private static void assertBroken(Consumer<JsonNode> breakIt, String expected) throws Exception {
        JsonNode compose = load(COMPOSE);
        breakIt.accept(compose);
        assertThat(problems(compose, Path.of(""))).as("problems after the change expected to mention %s", expected)
                .anySatisfy(p -> assertThat(p).contains(expected));
    }

    private static void assertStillValid(Consumer<JsonNode> change) throws Exception {
        JsonNode compose = load(COMPOSE);
        change.accept(compose);
        assertThat(problems(compose, Path.of(""))).isEmpty();
    }
}
