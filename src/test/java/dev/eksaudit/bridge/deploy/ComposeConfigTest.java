package dev.eksaudit.bridge.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code docker-compose config -q}: Compose's own validation of docker-compose.yml (schema,
 * interpolation, merge keys, depends_on conditions). No Docker engine is needed, and none runs in
 * CI, so this is how far the stack is checked here; .ci/run installs the Debian docker-compose.
 */
class ComposeConfigTest {

    @Test
    void composeFileIsValid() throws Exception {
        Process process;
        try {
            process = new ProcessBuilder("docker-compose", "-f", "docker-compose.yml", "config", "-q")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            fail("docker-compose is not installed, so docker-compose.yml cannot be validated. Install it "
                    + "(Debian/Ubuntu: apt-get install -y docker-compose; .ci/run does this): " + e.getMessage());
            return;
        }
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("docker-compose config finished").isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("docker-compose config -q says:%n%s", output).isZero();
    }
}
