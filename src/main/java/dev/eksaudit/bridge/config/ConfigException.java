package dev.eksaudit.bridge.config;

/** A configuration error: its message is one line naming the key and what is allowed. */
public class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
