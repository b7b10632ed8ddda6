package dev.eksaudit.bridge.validate;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One short line for a storage error: its type, and S3's status and error code when it has them. */
final class StorageErrors {

    private static final Pattern S3_CODES = Pattern.compile("Status Code: (\\d+); Error Code: ([A-Za-z0-9]+)");
    private static final int MAX = 200;

    private StorageErrors() {}

    static String describe(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        String type = cause.getClass().getSimpleName();
        String message = cause.getMessage() == null ? "" : cause.getMessage();
        Matcher codes = S3_CODES.matcher(message);
        if (codes.find()) {
            return type + " (HTTP " + codes.group(1) + ", " + codes.group(2) + ")";
        }
        String line = message.lines().findFirst().orElse("").trim();
        if (line.length() > MAX) {
            line = line.substring(0, MAX) + "...";
        }
        return line.isEmpty() ? type : type + ": " + line;
    }

    /** S3A's answer for a bucket that does not exist (NoSuchBucket), whatever package it is shaded into. */
    static boolean noSuchBucket(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (t.getClass().getSimpleName().equals("UnknownStoreException") || message.contains("NoSuchBucket")) {
                return true;
            }
        }
        return false;
    }
}
