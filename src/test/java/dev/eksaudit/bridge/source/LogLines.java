package dev.eksaudit.bridge.source;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * The lines one class logs while a test runs (log4j's own appender API; no mocks), at INFO and
 * above whatever the test configuration on the class path says (Flink's test jars bring a
 * log4j2-test.properties that turns logging off and wins over this project's XML).
 */
final class LogLines extends AbstractAppender implements AutoCloseable {
    private final Logger logger;
    private Level previous;
    private final List<String> lines = new ArrayList<>();

    private LogLines(Logger logger) {
        super("test-lines", null, null, true, Property.EMPTY_ARRAY);
        this.logger = logger;
    }

    static LogLines of(Class<?> source) {
        Logger logger = (Logger) LogManager.getLogger(source);
        LogLines lines = new LogLines(logger);
        lines.start();
        lines.previous = logger.getLevel();
        logger.addAppender(lines);
        org.apache.logging.log4j.core.config.Configurator.setLevel(logger.getName(), Level.INFO);
        return lines;
    }

    @Override
    public synchronized void append(LogEvent event) {
        lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
    }

    /** Lines at this level, in order. */
    synchronized List<String> at(Level level) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith(level + " ")) {
                out.add(line.substring(level.toString().length() + 1));
            }
        }
        return out;
    }

    @Override
    public void close() {
        logger.removeAppender(this);
        org.apache.logging.log4j.core.config.Configurator.setLevel(logger.getName(), previous);
        stop();
    }
}
