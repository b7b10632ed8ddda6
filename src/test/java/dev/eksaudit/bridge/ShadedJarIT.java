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
import java.util.regex.Pattern;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job jar a user submits: the bytecode of its runtime (Java 11 for Flink 1.20, Java 17 for
 * 2.2), what a Flink distribution lacks relocated inside, and nothing a cluster already has
 * (Flink, its connectors, the S3 plugin, logging). Runs after {@code package} (failsafe), on the
 * real artifact: the jar of this build, which failsafe names in {@code bridge.jar}.
 */
class ShadedJarIT {

    private static List<String> entries;
    private static JarFile jar;

    @BeforeAll
    static void open() throws IOException {
        Path file = jobJar();
        jar = new JarFile(file.toFile());
        entries = new ArrayList<>();
        Collections.list(jar.entries()).forEach(e -> entries.add(e.getName()));
    }

    /** The shaded jar of this build (failsafe's {@code bridge.jar}: target/eks-audit-bridge-<version>-flink<runtime>.jar). */
    static Path jobJar() {
        String name = System.getProperty("bridge.jar");
        if (name == null || name.isBlank()) {
            throw new IllegalStateException("system property bridge.jar is missing (set by failsafe from the pom)");
        }
        Path file = Path.of(name);
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("no job jar " + file + ": run mvn verify");
        }
        return file;
    }

    @Test
    void isNamedForItsRuntime() {
        assertThat(jobJar().getFileName().toString())
                .matches("eks-audit-bridge-[0-9][^-]*(-SNAPSHOT)?-flink" + Pattern.quote(System.getProperty("flink.runtime")) + "\\.jar");
    }

    /**
     * Built from its runtime's source root (src/flink1/java or src/flink2/java): only the 2.x
     * writer base owns AsyncSink's buffer (its own RequestBuffer), and only the 1.20 sink base
     * implements 1.x's createWriter(InitContext).
     */
    @Test
    void carriesTheVersionSpecificClassesOfItsRuntime() throws IOException {
        boolean flink2 = !System.getProperty("flink.runtime").startsWith("1.");
        assertThat(entries.contains("dev/eksaudit/bridge/falco/FalcoAsyncSinkWriter$CountingBuffer.class")).isEqualTo(flink2);
        String sinkBase;
        try (InputStream in = jar.getInputStream(jar.getEntry("dev/eksaudit/bridge/falco/FalcoAsyncSinkBase.class"))) {
            sinkBase = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        assertThat(sinkBase.contains("org/apache/flink/api/connector/sink2/Sink$InitContext")).isEqualTo(!flink2);
    }

    @Test
    void startsBridgeJob() throws IOException {
        // The launcher starts BridgeJob; clusters may name BridgeJob as entry class directly.
        assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("dev.eksaudit.bridge.BridgeLauncher");
        assertThat(entries).contains("dev/eksaudit/bridge/BridgeJob.class", "dev/eksaudit/bridge/BridgeLauncher.class");
    }

    /** The README's command, with only a JRE and the jar: no Flink on the classpath. */
    @Test
    void helpWorksWithJavaDashJarAlone() throws Exception {
        Run run = javaJar("--help");

        assertThat(run.exit).as("exit code; stderr: %s", run.err).isZero();
        assertThat(run.err).isEmpty();
        assertThat(run.out).isEqualTo(dev.eksaudit.bridge.config.BridgeConfig.help());
    }

    @Test
    void withoutFlinkAnythingButHelpIsOneLineAndExit2() throws Exception {
        Run run = javaJar("--input.path", "s3://bucket/eks/");

        assertThat(run.exit).isEqualTo(2);
        assertThat(run.out).isEmpty();
        assertThat(run.err.lines()).singleElement().asString()
                .startsWith("eks-audit-bridge: Flink 1.20 is not on the classpath: submit this jar to a Flink cluster");
    }

    /** Only the job's own package and META-INF at the root; multi-release folders only in a Multi-Release jar. */
    @Test
    void noStrayRootResourcesOrMultiReleaseFolders() throws IOException {
        assertThat(entries).filteredOn(e -> !e.endsWith("/"))
                .filteredOn(e -> !e.startsWith("META-INF/") && !e.startsWith("dev/eksaudit/bridge/"))
                // httpclient5's public suffix list: data under its own unique name, loaded by that path.
                .containsExactly("org/publicsuffix/list/effective_tld_names.dat");
        assertThat(entries).doesNotContain("config.properties");
        assertThat(jar.getManifest().getMainAttributes().getValue("Multi-Release")).isNull();
        assertThat(entries).noneMatch(e -> e.startsWith("META-INF/versions/"));
    }

    private static final class Run {
        int exit;
        String out;
        String err;
    }

    private static Run javaJar(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove("CLASSPATH");
        Path out = Files.createTempFile("jar-out", ".txt");
        Path err = Files.createTempFile("jar-err", ".txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("java -jar finished").isTrue();
        Run run = new Run();
        run.exit = process.exitValue();
        run.out = Files.readString(out);
        run.err = Files.readString(err);
        Files.delete(out);
        Files.delete(err);
        return run;
    }

    @Test
    void bundlesRelocatedWhatTheDistributionLacks() {
        assertThat(entries).anyMatch(e -> e.startsWith("dev/eksaudit/bridge/shaded/org/apache/hc/client5/"));
        assertThat(entries).anyMatch(e -> e.startsWith("dev/eksaudit/bridge/shaded/com/fasterxml/jackson/databind/"));
        // gzip is read by the job's own member reader on the JDK's Inflater: no commons-compress inside.
        assertThat(entries).noneMatch(e -> e.contains("org/apache/commons/compress/"));
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

    /** Java 11 (class file 55) for Flink 1.20, Java 17 (61) for 2.2: failsafe passes the build's release. */
    @Test
    void isTheBytecodeOfItsRuntime() throws IOException {
        int release = Integer.parseInt(System.getProperty("maven.compiler.release"));
        assertThat(release).isEqualTo(System.getProperty("flink.runtime").startsWith("1.") ? 11 : 17);
        try (InputStream in = jar.getInputStream(jar.getEntry("dev/eksaudit/bridge/BridgeJob.class"))) {
            DataInputStream data = new DataInputStream(in);
            assertThat(data.readInt()).isEqualTo(0xCAFEBABE);
            data.readUnsignedShort();
            assertThat(data.readUnsignedShort()).as("class file major version").isEqualTo(44 + release);
        }
    }
}
