package dev.eksaudit.bridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.eksaudit.bridge.config.InputPaths;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The CloudFormation templates of deploy/aws (never deployed here): every reference resolves,
 * and the names and prefixes they create are the ones the bridge's configuration, the Kubernetes
 * manifests and the README use. Intrinsics are long-form ({@code Fn::Sub}), so plain YAML parses
 * them; a few are evaluated here with the parameters' defaults to check what they expand to.
 */
class DeployAwsTemplatesTest {

    private static final List<String> TEMPLATES = List.of("eks-audit-bucket.yaml", "eks-audit-stream.yaml",
            "eks-audit-cluster.yaml", "eks-audit-bridge-policy.yaml");
    private static final Pattern SUB_VAR = Pattern.compile("\\$\\{([A-Za-z0-9:._]+)\\}");

    private static JsonNode template(String name) throws Exception {
        return new YAMLMapper().readTree(Path.of("deploy/aws", name).toFile());
    }

    @Test
    void everyReferenceResolves() throws Exception {
        for (String name : TEMPLATES) {
            JsonNode t = template(name);
            assertThat(t.path("AWSTemplateFormatVersion").asText()).as(name).isEqualTo("2010-09-09");
            assertThat(t.path("Resources").size()).as(name).isPositive();
            Set<String> declared = new HashSet<>();
            t.path("Parameters").fieldNames().forEachRemaining(declared::add);
            t.path("Resources").fieldNames().forEachRemaining(declared::add);
            Set<String> conditions = new HashSet<>();
            t.path("Conditions").fieldNames().forEachRemaining(conditions::add);
            checkRefs(name, t.path("Resources"), declared, conditions);
            checkRefs(name, t.path("Outputs"), declared, conditions);
            checkRefs(name, t.path("Conditions"), declared, conditions);
            for (JsonNode resource : t.path("Resources")) {
                assertThat(resource.path("Type").asText()).as(name).startsWith("AWS::");
                if (resource.has("Condition")) {
                    assertThat(conditions).as(name).contains(resource.get("Condition").asText());
                }
            }
        }
    }

    private static void checkRefs(String file, JsonNode node, Set<String> declared, Set<String> conditions) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                JsonNode v = f.getValue();
                switch (f.getKey()) {
                    case "Ref":
                        assertThat(v.asText().startsWith("AWS::") || declared.contains(v.asText()))
                                .as(file + ": Ref " + v.asText()).isTrue();
                        break;
                    case "Fn::GetAtt":
                        assertThat(declared).as(file + ": GetAtt").contains(v.get(0).asText());
                        break;
                    case "Fn::Sub":
                        String text = v.isArray() ? v.get(0).asText() : v.asText();
                        Set<String> local = new HashSet<>(declared);
                        if (v.isArray()) {
                            v.get(1).fieldNames().forEachRemaining(local::add);
                        }
                        Matcher m = SUB_VAR.matcher(text);
                        while (m.find()) {
                            String var = m.group(1).split("\\.")[0];
                            assertThat(var.startsWith("AWS::") || local.contains(var)).as(file + ": ${" + var + "}").isTrue();
                        }
                        break;
                    case "Fn::If":
                        assertThat(conditions).as(file + ": Fn::If").contains(v.get(0).asText());
                        break;
                    default:
                        break;
                }
                checkRefs(file, v, declared, conditions);
            }
        } else if (node.isArray()) {
            node.forEach(n -> checkRefs(file, n, declared, conditions));
        }
    }

    /** What Firehose writes for a cluster is what a named input.path reads, in the hourly layout. */
    @Test
    void streamWritesWhereTheNamedInputPathReads() throws Exception {
        JsonNode t = template("eks-audit-stream.yaml");
        Map<String, String> params = defaults(t);
        params.put("ClusterName", "prod-eu");
        JsonNode s3 = t.at("/Resources/DeliveryStream/Properties/ExtendedS3DestinationConfiguration");
        String prefix = eval(s3.get("Prefix"), params).asText();
        String errors = eval(s3.get("ErrorOutputPrefix"), params).asText();
        assertThat(prefix).isEqualTo("eks-audit/prod-eu/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/");
        assertThat(errors).startsWith("eks-audit-errors/prod-eu/!{firehose:error-output-type}/")
                .as("error output is outside every audit prefix").doesNotStartWith(params.get("AuditPrefix"));
        assertThat(s3.path("CompressionFormat").asText()).isEqualTo("UNCOMPRESSED");
        assertThat(t.at("/Parameters/BufferIntervalSeconds/MinValue").asInt()).isZero();
        assertThat(t.at("/Parameters/BufferIntervalSeconds/MaxValue").asInt()).isEqualTo(900);
        assertThat(eval(t.at("/Resources/DeliveryStream/Properties/DeliveryStreamName"), params).asText())
                .isEqualTo("eks-audit-prod-eu");

        String inputPath = eval(t.at("/Outputs/InputPath/Value"), params).asText();
        assertThat(inputPath).isEqualTo("prod-eu=s3://my-eks-audit-bucket/eks-audit/prod-eu/");
        InputPaths paths = InputPaths.parse("input.path", inputPath);
        String object = "s3://my-eks-audit-bucket/" + prefix.replace("!{timestamp:yyyy}", "2026")
                .replace("!{timestamp:MM}", "11").replace("!{timestamp:dd}", "26").replace("!{timestamp:HH}", "15")
                + "eks-audit-prod-eu-1-2026-11-26-15-02-11-0a1b";
        assertThat(paths.nameOf(object)).contains("prod-eu");
        assertThat(paths.nameOf("s3://my-eks-audit-bucket/" + errors)).isEmpty();

        // Cross-account: the destination forwards to the stream and admits the cluster's account.
        assertThat(t.at("/Resources/LogsDestination/Condition").asText()).isEqualTo("CrossAccount");
        params.put("ClusterAccountIds", "444455556666,777788889999");
        params.put("AWS::Region", "eu-west-1");
        params.put("AWS::AccountId", "111122223333");
        String policy = eval(t.at("/Resources/LogsDestination/Properties/DestinationPolicy"), params).asText();
        JsonNode destinationPolicy = new com.fasterxml.jackson.databind.ObjectMapper().readTree(policy);
        assertThat(strings(destinationPolicy.at("/Statement/0/Principal/AWS"))).containsExactly("444455556666", "777788889999");
        assertThat(destinationPolicy.at("/Statement/0/Resource").asText())
                .isEqualTo("arn:aws:logs:eu-west-1:111122223333:destination:eks-audit-prod-eu");
        assertThat(strings(eval(t.at("/Resources/DestinationRole/Properties/AssumeRolePolicyDocument/Statement/0/Condition/StringLike/aws:SourceArn"), params)))
                .containsExactly("arn:aws:logs:eu-west-1:444455556666:*", "arn:aws:logs:eu-west-1:777788889999:*");
        assertThat(destinationPolicy.at("/Statement/0/Action").asText()).isEqualTo("logs:PutSubscriptionFilter");
    }

    @Test
    void clusterSubscribesItsEksLogGroup() throws Exception {
        JsonNode t = template("eks-audit-cluster.yaml");
        Map<String, String> params = defaults(t);
        params.put("ClusterName", "staging");
        JsonNode filter = t.at("/Resources/AuditSubscription/Properties");
        assertThat(t.at("/Resources/AuditSubscription/Type").asText()).isEqualTo("AWS::Logs::SubscriptionFilter");
        assertThat(eval(filter.get("LogGroupName"), params).asText()).isEqualTo("/aws/eks/staging/cluster");
        assertThat(t.at("/Parameters/FilterPattern/Default").asText()).isEmpty();
        assertThat(t.at("/Parameters/ClusterName/AllowedPattern").asText())
                .isEqualTo(template("eks-audit-stream.yaml").at("/Parameters/ClusterName/AllowedPattern").asText());
    }

    /** Bucket, prefixes and role are the ones deploy/k8s and the README configure. */
    @Test
    void namesAgreeWithTheKubernetesManifestsAndTheReadme() throws Exception {
        JsonNode bridge = new YAMLMapper().readTree(Path.of("deploy/k8s/bridge.yaml").toFile());
        URI input = URI.create(bridge.at("/input/path").asText());
        URI dlq = URI.create(bridge.at("/dlq/path").asText());
        for (String name : List.of("eks-audit-bucket.yaml", "eks-audit-stream.yaml", "eks-audit-bridge-policy.yaml")) {
            Map<String, String> params = defaults(template(name));
            assertThat(params.get("BucketName")).as(name).isEqualTo(input.getHost()).isEqualTo(dlq.getHost());
            if (params.containsKey("AuditPrefix")) {
                assertThat("/" + params.get("AuditPrefix")).as(name).isEqualTo(input.getPath());
            }
            if (params.containsKey("DeadLetterPrefix")) {
                assertThat("/" + params.get("DeadLetterPrefix")).as(name).isEqualTo(dlq.getPath());
            }
        }
        JsonNode sa = new YAMLMapper().readTree(Path.of("deploy/k8s/serviceaccount.yaml").toFile());
        String roleArn = sa.at("/metadata/annotations").get("eks.amazonaws.com/role-arn").asText();
        JsonNode policy = template("eks-audit-bridge-policy.yaml");
        assertThat(roleArn).endsWith(":role/" + policy.at("/Parameters/BridgeRoleName/Default").asText());

        // The README's multi-cluster input.path names exactly the prefixes the policy grants.
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = Pattern.compile("--input\\.path \"([^\"]+)\"").matcher(readme.substring(readme.indexOf("## Many clusters")));
        assertThat(m.find()).as("a multi-cluster input.path in README").isTrue();
        InputPaths paths = InputPaths.parse("input.path", m.group(1));
        List<String> prefixes = new ArrayList<>();
        for (InputPaths.InputPath p : paths.all()) {
            URI uri = URI.create(p.uri);
            assertThat(uri.getHost()).isEqualTo(input.getHost());
            assertThat(p.name).as("named after its folder").isEqualTo(uri.getPath().replaceAll(".*/([^/]+)/$", "$1"));
            prefixes.add(uri.getPath().substring(1));
        }
        Map<String, String> params = defaults(policy);
        assertThat(params.get("AuditPrefixes").split(",")).containsExactlyElementsOf(prefixes);

        JsonNode statements = policy.at("/Resources/BridgePolicy/Properties/PolicyDocument/Statement");
        List<String> listPrefixes = strings(eval(statements.get(0).at("/Condition/StringLike/s3:prefix"), params));
        List<String> expected = new ArrayList<>();
        prefixes.forEach(p -> expected.add(p + "*"));
        expected.add("eks-audit-dead-letters/*");
        assertThat(listPrefixes).containsExactlyElementsOf(expected);
        List<String> reads = strings(eval(statements.get(1).get("Resource"), params));
        List<String> expectedReads = new ArrayList<>();
        prefixes.forEach(p -> expectedReads.add("arn:aws:s3:::my-eks-audit-bucket/" + p + "*"));
        assertThat(reads).containsExactlyElementsOf(expectedReads);

        String section = readme.substring(readme.indexOf("## Many clusters"), readme.indexOf("\n## ", readme.indexOf("## Many clusters") + 1));
        for (String name : TEMPLATES) {
            assertThat(section).as("README names " + name).contains("deploy/aws/" + name);
        }
        assertThat(section).contains("not deployed");
    }

    private static Map<String, String> defaults(JsonNode template) {
        Map<String, String> params = new HashMap<>();
        template.path("Parameters").fields().forEachRemaining(e -> {
            if (e.getValue().has("Default")) {
                params.put(e.getKey(), e.getValue().get("Default").asText());
            }
        });
        return params;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Ref, Fn::Sub, Fn::Join and Fn::Split over parameter values; partition "aws". */
    private static JsonNode eval(JsonNode node, Map<String, String> params) {
        YAMLMapper mapper = new YAMLMapper();
        if (node.isObject() && node.size() == 1) {
            String fn = node.fieldNames().next();
            JsonNode arg = node.get(fn);
            switch (fn) {
                case "Ref":
                    return mapper.getNodeFactory().textNode(param(arg.asText(), params));
                case "Fn::Sub": {
                    Map<String, String> vars = new HashMap<>(params);
                    if (arg.isArray()) {
                        arg.get(1).fields().forEachRemaining(e -> vars.put(e.getKey(), eval(e.getValue(), params).asText()));
                    }
                    Matcher m = SUB_VAR.matcher(arg.isArray() ? arg.get(0).asText() : arg.asText());
                    StringBuilder out = new StringBuilder();
                    while (m.find()) {
                        m.appendReplacement(out, Matcher.quoteReplacement(param(m.group(1), vars)));
                    }
                    m.appendTail(out);
                    return mapper.getNodeFactory().textNode(out.toString());
                }
                case "Fn::Join": {
                    String sep = eval(arg.get(0), params).asText();
                    List<String> parts = new ArrayList<>();
                    JsonNode list = eval(arg.get(1), params);
                    if (list.isTextual()) { // a CommaDelimitedList parameter
                        list = eval(mapper.createObjectNode().set("Fn::Split",
                                mapper.createArrayNode().add(",").add(list)), params);
                    }
                    for (JsonNode item : list) {
                        JsonNode v = eval(item, params);
                        parts.add(v.asText());
                    }
                    return mapper.getNodeFactory().textNode(String.join(sep, parts));
                }
                case "Fn::Split": {
                    String sep = arg.get(0).asText();
                    var array = mapper.getNodeFactory().arrayNode();
                    for (String s : eval(arg.get(1), params).asText().split(Pattern.quote(sep), -1)) {
                        array.add(s);
                    }
                    return array;
                }
                default:
                    break;
            }
        }
        return node;
    }

    private static String param(String name, Map<String, String> params) {
        if (name.equals("AWS::Partition")) {
            return "aws";
        }
        String v = params.get(name);
        assertThat(v).as("a value for " + name).isNotNull();
        return v;
    }
}
