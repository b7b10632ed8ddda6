package dev.eksaudit.bridge.bench;

import java.nio.file.Files;
import java.nio.file.Paths;

/** What the numbers were measured on: CPUs, memory, JDK, load. */
final class Machine {
    private Machine() {}

    static String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("| CPUs (nproc) | ").append(Runtime.getRuntime().availableProcessors()).append(" |\n");
        sb.append("| CPU | ").append(cpuModel()).append(" |\n");
        sb.append("| Memory | ").append(memTotal()).append(" |\n");
        sb.append("| JDK | ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(" |\n");
        sb.append("| OS | ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version")).append(" |\n");
        sb.append("| Harness JVM heap | -Xmx").append(Runtime.getRuntime().maxMemory() / (1024 * 1024)).append(" MB, ")
                .append(java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().get(0).getName()).append(" |\n");
        return sb.toString();
    }

    /** CPU time of this process, every thread, from the OS. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static String load() {
        try {
            String[] parts = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (Exception e) {
            return "?";
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return "?";
    }

    private static String memTotal() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    long kb = Long.parseLong(line.replaceAll("\\D", ""));
                    return String.format("%.1f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return "?";
    }
}
