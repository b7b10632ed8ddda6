package dev.eksaudit.bridge.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.s3.model.AmazonS3Exception;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.hadoop.fs.s3a.S3AUtils;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How loud a retry is: what an operator sees in the log while an object waits. */
class StorageRetryTest {
    private static final String KEY = "s3://audit/eks/2026/11/26/15/eks-audit-1-2026-11-26-15-20-05-a";

    private final List<LogEvent> lines = new CopyOnWriteArrayList<>();
    private AbstractAppender appender;

    @BeforeEach
    void capture() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        appender = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(event.toImmutable());
            }
        };
        appender.start();
        LoggerConfig logger = new LoggerConfig(StorageRetry.class.getName(), Level.DEBUG, false);
        logger.addAppender(appender, Level.DEBUG, null);
        config.addLogger(StorageRetry.class.getName(), logger);
        ctx.updateLoggers();
    }

    @AfterEach
    void release() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().removeLogger(StorageRetry.class.getName());
        ctx.updateLoggers();
        appender.stop();
    }

    private static StorageRetry retry(StorageRetryMetrics metrics) {
        return new StorageRetry(KEY, Duration.ZERO, Duration.ZERO, Duration.ofMinutes(10), Duration.ZERO, metrics);
    }

    private static IOException denied() {
        AmazonS3Exception e = new AmazonS3Exception("Access Denied");
        e.setStatusCode(403);
        e.setErrorCode("AccessDenied");
        return S3AUtils.translateException("read", "s3a://audit/eks/x", e);
    }

    private static IOException throttled() {
        AmazonS3Exception e = new AmazonS3Exception("Please reduce your request rate.");
        e.setStatusCode(503);
        e.setErrorCode("SlowDown");
        return S3AUtils.translateException("read", "s3a://audit/eks/x", e);
    }

    private List<LogEvent> at(Level level) {
        return lines.stream().filter(e -> e.getLevel() == level).toList();
    }

    @Test
    void aDenialLogsOneErrorLineAMinuteNamingKeyStatusAndCodeAndCountsEveryRetry() throws Exception {
        StorageRetryMetrics metrics = StorageRetryMetrics.unregistered();
        StorageRetry retry = retry(metrics);
        for (int i = 0; i < 50; i++) {
            retry.failed(denied(), 1234);
        }

        List<LogEvent> errors = at(Level.ERROR);
        assertThat(errors).hasSize(1);
        String line = errors.get(0).getMessage().getFormattedMessage();
        assertThat(line).startsWith("Object " + KEY + " cannot be read: 403 AccessDenied (AccessDeniedException) at byte 1234;");
        assertThat(line).contains("bucket policy, KMS key policy, credentials");
        assertThat(metrics.retries()).isEqualTo(50);
        assertThat(metrics.objectsBlocked()).isEqualTo(1);

        retry.progress();
        assertThat(metrics.objectsBlocked()).isZero();
        assertThat(at(Level.INFO)).singleElement()
                .satisfies(e -> assertThat(e.getMessage().getFormattedMessage())
                        .startsWith("Object " + KEY + " is readable again after ").endsWith("(50 retries)"));
    }

    @Test
    void throttlingIsQuietUntilOneObjectKeepsFailingThenOneWarnAMinute() throws Exception {
        StorageRetryMetrics metrics = StorageRetryMetrics.unregistered();
        StorageRetry retry = retry(metrics);
        for (int i = 0; i < 4; i++) {
            retry.failed(throttled(), 0);
        }
        assertThat(at(Level.WARN)).isEmpty();
        assertThat(at(Level.ERROR)).isEmpty();
        assertThat(at(Level.DEBUG)).hasSize(4);

        for (int i = 0; i < 40; i++) {
            retry.failed(throttled(), 0);
        }
        assertThat(at(Level.WARN)).singleElement()
                .satisfies(e -> assertThat(e.getMessage().getFormattedMessage()).contains("503 SlowDown"));
        assertThat(at(Level.ERROR)).isEmpty();
        retry.progress();
        assertThat(at(Level.INFO)).isEmpty(); // a quiet episode ends quietly
        assertThat(metrics.objectsBlocked()).isZero();
    }

    @Test
    void progressResetsTheBackoffAndANewEpisodeIsBlockedAgain() throws Exception {
        StorageRetryMetrics metrics = StorageRetryMetrics.unregistered();
        StorageRetry retry = new StorageRetry(KEY, Duration.ofMillis(40), Duration.ofSeconds(10),
                Duration.ofMinutes(10), Duration.ZERO, metrics);
        for (int i = 0; i < 5; i++) {
            retry.failed(throttled(), 0); // ceilings 40, 80, 160, 320, 640 ms
        }
        retry.progress();
        long started = System.nanoTime();
        retry.failed(throttled(), 100);
        // Back to the first step (20-40 ms), not the sixth (640-1280 ms).
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(400));
        assertThat(metrics.objectsBlocked()).isEqualTo(1);
        retry.release();
        assertThat(metrics.objectsBlocked()).isZero();
    }

    @Test
    void notFoundMustLastTheWholeTimeoutWithoutAnyOtherAnswerInBetween() throws Exception {
        StorageRetryMetrics metrics = StorageRetryMetrics.unregistered();
        StorageRetry retry = new StorageRetry(KEY, Duration.ofMillis(20), Duration.ofMillis(20),
                Duration.ofMillis(200), Duration.ZERO, metrics);
        long end = System.nanoTime() + Duration.ofMillis(400).toNanos();
        while (System.nanoTime() < end) {
            retry.failed(new java.io.FileNotFoundException("No such file"), 0);
            retry.failed(throttled(), 0); // the store answers something else: not clearly gone
        }
        assertThatThrownBy(() -> {
            while (true) {
                retry.failed(new java.io.FileNotFoundException("No such file"), 0);
            }
        }).isInstanceOf(ObjectMissingException.class).hasMessageStartingWith("not found: (FileNotFoundException) for ");
        assertThat(metrics.objectsBlocked()).isZero();
    }
}
