package dev.eksaudit.bridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.AbstractConfiguration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.apache.logging.log4j.core.config.xml.XmlConfiguration;
import org.junit.jupiter.api.Test;

/**
 * Every shipped log configuration, parsed by log4j itself, silences the noise that buries causes
 * (the AWS SDK v1 banner, Hadoop metrics2 and native-library warnings) and still lets the
 * bridge's own warnings and those libraries' errors through. The local one is also exercised for
 * real by BridgeJobStartTest, whose console output must hold no WARN.
 */
class LogConfigurationsTest {

    private static final String[] SILENCED = {
        "com.amazonaws.util.VersionInfoUtils",
        "org.apache.hadoop.metrics2.impl.MetricsConfig",
        "org.apache.hadoop.util.NativeCodeLoader",
    };

    private static void assertQuiet(AbstractConfiguration config) {
        config.initialize();
        for (String logger : SILENCED) {
            Level level = config.getLoggerConfig(logger).getLevel();
            assertThat(level).as("%s: WARN off, ERROR on", logger).isEqualTo(Level.ERROR);
        }
        assertThat(config.getLoggerConfig("dev.eksaudit.bridge.BridgeJob").getLevel().isLessSpecificThan(Level.WARN))
                .as("the bridge's warnings still show").isTrue();
    }

    private static ConfigurationSource source(String text) throws java.io.IOException {
        return new ConfigurationSource(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void localRun() throws Exception {
        LoggerContext context = new LoggerContext("local");
        assertQuiet(new XmlConfiguration(context, source(Files.readString(Path.of("flink-conf/log4j2-local.xml")))));
    }

    @Test
    void imageAndComposeAppendTheQuietLoggersToFlinksConsoleConfiguration() throws Exception {
        for (String image : new String[] {"deploy/image/Dockerfile", "deploy/image/Dockerfile.flink2.2"}) {
            String dockerfile = Files.readString(Path.of(image));
            assertThat(dockerfile).as(image).contains("COPY deploy/image/log4j-quiet.properties")
                    .contains("/opt/flink/conf/log4j-console.properties").contains("/opt/flink/conf/log4j.properties");
        }
        assertThat(Files.readString(Path.of(".dockerignore"))).contains("!deploy/image/log4j-quiet.properties");
        // A console configuration as the image has it, with the fragment appended as the Dockerfile does.
        String base = "rootLogger.level = INFO\nrootLogger.appenderRef.console.ref = ConsoleAppender\n"
                + "logger.hadoop.name = org.apache.hadoop\nlogger.hadoop.level = INFO\n"
                + "appender.console.name = ConsoleAppender\nappender.console.type = CONSOLE\n";
        String appended = base + "\n" + Files.readString(Path.of("deploy/image/log4j-quiet.properties"));
        assertQuiet((AbstractConfiguration) new PropertiesConfigurationFactory()
                .getConfiguration(new LoggerContext("image"), source(appended)));
    }

    @Test
    void kubernetesLogConfiguration() throws Exception {
        JsonNode deployment = new YAMLMapper().readTree(Path.of("deploy/k8s/flinkdeployment.yaml").toFile());
        String properties = deployment.at("/spec/logConfiguration/log4j-console.properties").asText();
        assertThat(properties).contains("appender.rolling.fileName = ${sys:log.file}");
        System.setProperty("log.file", Files.createTempFile("k8s-log", ".log").toString());
        assertQuiet((AbstractConfiguration) new PropertiesConfigurationFactory()
                .getConfiguration(new LoggerContext("k8s"), source(properties)));
    }
}
