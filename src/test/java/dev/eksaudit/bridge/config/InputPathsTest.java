package dev.eksaudit.bridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InputPathsTest {

    @Test
    void namedAndUnnamedItems() {
        InputPaths paths = InputPaths.parse("input.path",
                "s3://central/eks/, edge-1=s3://edge-account-bucket/eks-audit/,file:///data/audit");
        assertThat(paths.all().stream().map(p -> p.name + "|" + p.uri).collect(Collectors.toList()))
                .containsExactly("null|s3://central/eks/", "edge-1|s3://edge-account-bucket/eks-audit/",
                        "null|file:///data/audit");
        assertThat(paths.nameOf("s3://edge-account-bucket/eks-audit/2026/11/26/15/x.gz")).contains("edge-1");
        assertThat(paths.nameOf("s3a://edge-account-bucket/eks-audit/2026/11/26/15/x.gz"))
                .as("s3a names the same bucket").contains("edge-1");
        assertThat(paths.nameOf("s3://central/eks/2026/11/26/15/x")).as("unnamed path").isEmpty();
        assertThat(paths.nameOf("s3://edge-account-bucket/eks-audit-old/x")).as("a directory, not a string prefix")
                .isEmpty();
        assertThat(paths.anyNamed()).isTrue();
    }

    @Test
    void hiveStylePrefixesKeepTheirEqualsSigns() {
        InputPaths paths = InputPaths.parse("input.path",
                "s3://b/eks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/,prod-eu=s3://b/eu/year=!{timestamp:yyyy}/");
        assertThat(paths.all().get(0).name).isNull();
        assertThat(paths.all().get(0).uri).isEqualTo("s3://b/eks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/");
        assertThat(paths.all().get(1).name).isEqualTo("prod-eu");
        assertThat(paths.all().get(1).uri).isEqualTo("s3://b/eu/year=!{timestamp:yyyy}/");
        assertThat(paths.nameOf("s3://b/eu/year=2026/x")).contains("prod-eu");
        assertThat(paths.nameOf("s3://b/eks/year=2026/month=11/x")).isEmpty();
    }

    @Test
    void localPathsMatchFlinksRendering() {
        InputPaths paths = InputPaths.parse("input.path", "lab=file:///tmp/audit/");
        assertThat(paths.nameOf("file:/tmp/audit/2026/11/26/15/o")).contains("lab");
        assertThat(paths.nameOf("file:///tmp/audit/2026/11/26/15/o")).contains("lab");
        // Flink's own rendering of a local path, accepted as input.path as before.
        assertThat(InputPaths.parse("input.path", "file:/tmp/audit/").nameOf("file:/tmp/audit/o")).isEmpty();
        assertThat(InputPaths.parse("input.path", "file:/tmp/audit/").all().get(0).uri).isEqualTo("file:/tmp/audit/");
    }

    @Test
    void longestStaticPrefixWins() {
        InputPaths paths = InputPaths.parse("input.path", "a=s3://b/eks/x=!{timestamp:yyyy}/,c=s3://b/eks/xy=!{timestamp:yyyy}/");
        assertThat(paths.nameOf("s3://b/eks/xy=2026/o")).contains("c");
        assertThat(paths.nameOf("s3://b/eks/x=2026/o")).contains("a");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "bad name|-x=s3://b/a/|input.path: '-x' is not a valid path name",
        "name with space|prod eu=s3://b/a/|input.path: 'prod eu' is not a valid path name",
        "duplicate name|p=s3://b/a/;p=s3://b/c/|input.path: name 'p' is given to two paths",
        "duplicate path|s3://b/a/;s3a://b/a|input.path: 's3://b/a/' and 's3a://b/a' are the same path",
        "nested path|s3://b/a/;s3://b/a/edge/|input.path: 's3://b/a/edge/' is inside 's3://b/a/'",
        "nested under an expression|s3://b/a/year=!{timestamp:yyyy}/;s3://b/a/|input.path: 's3://b/a/year=!{timestamp:yyyy}/' is inside 's3://b/a/'",
        "empty item|s3://b/a/;|input.path: empty item",
        "bad scheme|p=ftp://b/a/|input.path: 'ftp://b/a/' has scheme ftp",
        "no scheme|/data/audit/|input.path: '/data/audit/' has scheme null",
    })
    void rejectsWithOneLineNamingTheKey(String name, String value, String message) {
        assertThatThrownBy(() -> InputPaths.parse("input.path", value.replace(';', ',')))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void theJobTakesOneNamedPathOrAList() {
        BridgeConfig one = BridgeConfig.fromArgs("--input.path", "prod-eu=s3://b/eks/", "--falco.dry-run", "true");
        assertThat(one.inputPath()).as("the source lists the path without its name").isEqualTo("s3://b/eks/");
        assertThat(one.inputPaths().nameOf("s3://b/eks/2026/11/26/15/o")).contains("prod-eu");

        BridgeConfig plain = BridgeConfig.fromArgs("--input.path", "s3://b/eks/", "--falco.dry-run", "true");
        assertThat(plain.inputPath()).isEqualTo("s3://b/eks/");

        BridgeConfig list = BridgeConfig.fromArgs("--input.path", "s3://a/,b=s3://b/eks/", "--falco.dry-run", "true");
        assertThat(list.inputPaths().all()).extracting(p -> p.uri).containsExactly("s3://a/", "s3://b/eks/");
        assertThat(list.inputPaths().all()).extracting(p -> p.name).containsExactly(null, "b");
    }

    @Test
    void nameFormatTakesClusterAndAccountOnly() {
        BridgeConfig c = BridgeConfig.fromArgs("--input.path", "s3://b/", "--falco.dry-run", "true",
                "--cluster.name-format", "{account}/{cluster}");
        assertThat(c.get(BridgeOptions.CLUSTER_NAME_FORMAT)).isEqualTo("{account}/{cluster}");
        assertThat(c.get(BridgeOptions.CLUSTER_TAGGING)).isTrue();
        assertThatThrownBy(() -> BridgeConfig.fromArgs("--input.path", "s3://b/", "--falco.dry-run", "true",
                "--cluster.name-format", "{region}/{cluster}"))
                .hasMessageStartingWith("cluster.name-format: invalid value '{region}/{cluster}'");
        assertThatThrownBy(() -> BridgeConfig.fromArgs("--input.path", "s3://b/", "--falco.dry-run", "true",
                "--cluster.name-format", "{account}"))
                .hasMessageStartingWith("cluster.name-format: invalid value '{account}'");
    }
}
