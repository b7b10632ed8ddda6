package dev.eksaudit.bridge.decode;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.OperatorMetricGroup;

/**
 * Records the counters a function registers, by name relative to its operator group
 * ({@code deadLetters.oversize}), by standing in for its RuntimeContext's metric group.
 */
final class MetricsCapture {
    final Map<String, Metric> metrics = new ConcurrentHashMap<>();

    RuntimeContext wrap(RuntimeContext real) {
        return (RuntimeContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {RuntimeContext.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getMetricGroup") && method.getParameterCount() == 0) {
                        return group(real.getMetricGroup(), "");
                    }
                    return invoke(method, real, args);
                });
    }

    private Object group(Object real, String prefix) {
        return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {OperatorMetricGroup.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("counter") && args != null && args.length == 1) {
                        return metrics.computeIfAbsent(prefix + args[0], k -> new SimpleCounter());
                    }
                    if (method.getName().equals("addGroup") && args != null && args.length == 1
                            && args[0] instanceof String name) {
                        return group(invoke(method, real, args), prefix + name + ".");
                    }
                    if (method.getName().equals("addGroup") && args != null && args.length == 2) {
                        // A key-value group (cluster=prod): recorded as cluster.prod.<metric>.
                        return group(invoke(method, real, args), prefix + args[0] + "." + args[1] + ".");
                    }
                    return invoke(method, real, args);
                });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** A decoder whose metrics land in {@link #metrics}. */
    CloudWatchLogsDecoder decoder(String prefix, long maxEventBytes) {
        return decoder(prefix, maxEventBytes, ClusterNames.untouched());
    }

    CloudWatchLogsDecoder decoder(String prefix, long maxEventBytes, ClusterNames clusters) {
        MetricsCapture capture = this;
        return new CloudWatchLogsDecoder(prefix, maxEventBytes, clusters) {
            private static final long serialVersionUID = 1L;

            @Override
            public RuntimeContext getRuntimeContext() {
                return capture.wrap(super.getRuntimeContext());
            }
        };
    }
}
