package dev.eksaudit.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job jar a user submits: Java 11 bytecode, what a Flink 1.20 distribution lacks relocated
 * inside, and nothing a cluster already has (Flink, its connectors, the S3 plugin, logging).
 * Runs after {@code package} (failsafe), on the real artifact.
 */
class ShadedJarIT {

    private static List<String> entries;
    private static JarFile jar;

    @BeforeAll
    static void open() throws IOException {
        Path file;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            file = files.filter(p -> p.getFileName().toString().matches("eks-audit-bridge-[0-9][^-]*(-SNAPSHOT)?\\.jar"))
                    .findFirst().orElseThrow(() -> new AssertionError("no target/eks-audit-bridge-<version>.jar"));
        }
        jar = new JarFile(file.toFile());
        entries = new ArrayList<>();
        Collections.list(jar.entries()).forEach(e -> entries.add(e.getName()));
    }

    @Test
    void startsBridgeJob() throws IOException {
        assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("dev.eksaudit.bridge.BridgeJob");
        assertThat(entries).contains("dev/eksaudit/bridge/BridgeJob.class");
    }

    @Test
    void bundlesRelocatedWhatTheDistributionLacks() {
        assertThat(entries).anyMatch(e -> e.startsWith("dev/eksaudit/bridge/shaded/org/apache/hc/client5/"));
        assertThat(entries).anyMatch(e -> e.startsWith("dev/eksaudit/bridge/shaded/com/fasterxml/jackson/databind/"));
        assertThat(entries).anyMatch(e -> e.startsWith("dev/eksaudit/bridge/shaded/org/apache/commons/compress/"));
        // Managed Flink's runtime library and the YAML reader of --config: not in Flink, so inside, relocated.
        assertThat(entries).contains(
                "dev/eksaudit/bridge/shaded/com/amazonaws/services/kinesisanalytics/runtime/KinesisAnalyticsRuntime.class");
        assertThat(entries).anyMatch(e -> e.startsWith("dev/eksaudit/bridge/shaded/com/fasterxml/jackson/dataformat/yaml/"));
        assertThat(entries).anyMatch(e -> e.startsWith("dev/eksaudit/bridge/shaded/org/yaml/snakeyaml/"));
    }

    @Test
    void holdsNothingAClusterAlreadyHas() {
        assertThat(entries).noneMatch(e -> e.startsWith("org/apache/flink/"));
        assertThat(entries).noneMatch(e -> e.startsWith("org/apache/hadoop/"));
        assertThat(entries).noneMatch(e -> e.startsWith("com/amazonaws/"));
        assertThat(entries).noneMatch(e -> e.startsWith("org/slf4j/") || e.startsWith("org/apache/logging/"));
        assertThat(entries).noneMatch(e -> e.startsWith("com/fasterxml/") || e.startsWith("org/apache/hc/"));
        assertThat(entries).noneMatch(e -> e.startsWith("org/yaml/") || e.startsWith("io/fabric8/"));
        assertThat(entries).noneMatch(e -> e.startsWith("org/gaul/") || e.startsWith("org/junit/"));
    }

    @Test
    void isJava11Bytecode() throws IOException {
        try (InputStream in = jar.getInputStream(jar.getEntry("dev/eksaudit/bridge/BridgeJob.class"))) {
            DataInputStream data = new DataInputStream(in);
            assertThat(data.readInt()).isEqualTo(0xCAFEBABE);
            data.readUnsignedShort();
            assertThat(data.readUnsignedShort()).as("class file major version").isEqualTo(55);
        }
    }
}
