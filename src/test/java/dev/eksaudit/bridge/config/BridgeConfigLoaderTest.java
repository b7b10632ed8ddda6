package dev.eksaudit.bridge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Arguments over the --config file over Managed Flink runtime properties over defaults. */
class BridgeConfigLoaderTest {

    @TempDir
    Path dir;

    private Path noManagedFlink() {
        return dir.resolve("absent-application_properties.json");
    }

    /** The file Managed Flink writes, in its own format (a list of property groups). */
    private Path managedFlink(String groupId, String... keyValues) throws Exception {
        StringBuilder map = new StringBuilder();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.append(i == 0 ? "" : ",").append('"').append(keyValues[i]).append("\":\"").append(keyValues[i + 1]).append('"');
        }
        Path file = dir.resolve("application_properties.json");
        Files.writeString(file, "[{\"PropertyGroupId\":\"" + groupId + "\",\"PropertyMap\":{" + map + "}}]");
        return file;
    }

    private Path write(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void argumentsAloneStillWork() {
        BridgeConfig c = BridgeConfigLoader.load(noManagedFlink(), "--input.path", "s3://a/b/", "--falco.dry-run", "true");
        assertThat(c.inputPath()).isEqualTo("s3://a/b/");
        assertThat(c.dedupTtl()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void precedenceIsArgumentsThenFileThenManagedFlinkThenDefaults() throws Exception {
        Path managed = managedFlink("BridgeConfig",
                "input.path", "s3://managed/", "falco.url", "http://managed:9765/k8s-audit",
                "dedup.ttl", "3 h", "falco.batch.max-events", "7");
        Path file = write("bridge.yaml", "falco:\n  url: http://file:9765/k8s-audit\n  batch.max-events: 9\n"
                + "input.path: s3://file/\n");

        BridgeConfig c = BridgeConfigLoader.load(managed, "--config", file.toString(), "--input.path", "s3://arg/");

        assertThat(c.inputPath()).as("argument over file and runtime properties").isEqualTo("s3://arg/");
        assertThat(c.falcoUrls()).as("file over runtime properties").containsExactly(URI.create("http://file:9765/k8s-audit"));
        assertThat(c.get(BridgeOptions.FALCO_BATCH_MAX_EVENTS)).as("nested YAML key").isEqualTo(9);
        assertThat(c.dedupTtl()).as("runtime properties over defaults").isEqualTo(Duration.ofHours(3));
        assertThat(c.get(BridgeOptions.FALCO_MAX_IN_FLIGHT)).as("default").isEqualTo(4);
    }

    @Test
    void managedFlinkPropertiesAloneConfigureTheJob() throws Exception {
        // Managed Flink passes no arguments: the property group must be enough.
        Path managed = managedFlink("BridgeConfig", "input.path", "s3://audit/eks/", "falco.url", "http://10.0.1.5:9765/k8s-audit");
        BridgeConfig c = BridgeConfigLoader.load(managed);
        assertThat(c.inputPath()).isEqualTo("s3://audit/eks/");
        assertThat(c.falcoUrls()).containsExactly(URI.create("http://10.0.1.5:9765/k8s-audit"));
    }

    @Test
    void propertiesFile() throws Exception {
        Path file = write("bridge.properties", "# comment\ninput.path = s3://p/\nfalco.dry-run=true\ndedup.ttl = 90 min\n");
        BridgeConfig c = BridgeConfigLoader.load(noManagedFlink(), "--config", file.toString());
        assertThat(c.inputPath()).isEqualTo("s3://p/");
        assertThat(c.dedupTtl()).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void yamlWithDottedKeysAndAListOfUrls() throws Exception {
        Path file = write("bridge.yml", "input.path: s3://y/\nfalco.url:\n  - http://a:9765/k8s-audit\n"
                + "  - http://b:9765/k8s-audit\nfalco.dry-run: false\n");
        BridgeConfig c = BridgeConfigLoader.load(noManagedFlink(), "--config", file.toString());
        assertThat(c.falcoUrls()).containsExactly(URI.create("http://a:9765/k8s-audit"), URI.create("http://b:9765/k8s-audit"));
    }

    @Test
    void unknownKeyInTheFileIsRejectedNamingKeyAndFile() throws Exception {
        Path file = write("bridge.yaml", "input.path: s3://y/\nfalco:\n  ulr: http://a:9765/k8s-audit\n");
        assertThatThrownBy(() -> BridgeConfigLoader.load(noManagedFlink(), "--config", file.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Unknown option 'falco.ulr' in --config " + file)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void unknownKeyInThePropertiesFileIsRejected() throws Exception {
        Path file = write("bridge.properties", "input.path=s3://p/\nfalco.dryrun=true\n");
        assertThatThrownBy(() -> BridgeConfigLoader.load(noManagedFlink(), "--config", file.toString()))
                .hasMessageStartingWith("Unknown option 'falco.dryrun' in --config " + file);
    }

    @Test
    void unknownKeyInManagedFlinkPropertiesIsRejected() throws Exception {
        Path managed = managedFlink("BridgeConfig", "input.path", "s3://a/", "falco.dry_run", "true");
        assertThatThrownBy(() -> BridgeConfigLoader.load(managed))
                .hasMessageStartingWith("Unknown option 'falco.dry_run' in runtime property group BridgeConfig");
    }

    @Test
    void misspeltManagedFlinkGroupIsRejected() throws Exception {
        Path managed = managedFlink("BridgeConf", "input.path", "s3://a/");
        assertThatThrownBy(() -> BridgeConfigLoader.load(managed, "--falco.dry-run", "true"))
                .hasMessageStartingWith("Unknown runtime property group 'BridgeConf'");
    }

    @Test
    void unknownArgumentIsRejectedNamingIt() {
        assertThatThrownBy(() -> BridgeConfigLoader.load(noManagedFlink(), "--input.path", "s3://a/", "--falco.ulr", "x"))
                .hasMessageStartingWith("Unknown option 'falco.ulr' in the arguments");
    }

    @Test
    void invalidValueFromAFileNamesTheKey() throws Exception {
        Path file = write("bridge.yaml", "input.path: s3://y/\nfalco.dry-run: true\ndedup.ttl: forever\n");
        assertThatThrownBy(() -> BridgeConfigLoader.load(noManagedFlink(), "--config", file.toString()))
                .hasMessageStartingWith("dedup.ttl: invalid value 'forever'");
    }

    @Test
    void fileProblemsAreOneLineErrors() throws Exception {
        assertThatThrownBy(() -> BridgeConfigLoader.load(noManagedFlink(), "--config", dir.resolve("missing.yaml").toString()))
                .hasMessageStartingWith("config: cannot read '");
        Path txt = write("bridge.txt", "input.path=s3://a/\n");
        assertThatThrownBy(() -> BridgeConfigLoader.load(noManagedFlink(), "--config", txt.toString()))
                .hasMessageEndingWith("must end in .properties, .yaml or .yml");
        Path broken = write("broken.yaml", "input.path: [s3://a/\nfalco: {\n");
        assertThatThrownBy(() -> BridgeConfigLoader.load(noManagedFlink(), "--config", broken.toString()))
                .hasMessageContaining("is not valid YAML at line");
        Path empty = write("empty.yaml", "falco.url:\n");
        assertThatThrownBy(() -> BridgeConfigLoader.load(noManagedFlink(), "--config", empty.toString()))
                .hasMessageStartingWith("falco.url: in '");
        Path nested = write("nested.yaml", "- input.path: s3://a/\n");
        assertThatThrownBy(() -> BridgeConfigLoader.load(noManagedFlink(), "--config", nested.toString()))
                .hasMessageEndingWith("must be a YAML mapping of keys to values");
        assertThatThrownBy(() -> BridgeConfigLoader.load(noManagedFlink(), "--config"))
                .hasMessage("config: missing value after --config");
    }

    @Test
    void theConfigKeyItselfIsNotAllowedInsideAFile() throws Exception {
        Path file = write("bridge.properties", "input.path=s3://p/\nconfig=/other.yaml\n");
        assertThatThrownBy(() -> BridgeConfigLoader.load(noManagedFlink(), "--config", file.toString()))
                .hasMessageStartingWith("Unknown option 'config' in --config");
    }

    @Test
    void theShippedExampleFileLoads() {
        BridgeConfig c = BridgeConfigLoader.load(noManagedFlink(), "--config", "deploy/k8s/bridge.yaml");
        assertThat(c.inputPath()).startsWith("s3://");
        assertThat(c.falcoUrls()).isNotEmpty();
    }
}
