/**
 * Delivery to Falco's k8saudit webhook, shaped like the flink-connector-aws sinks:
 * {@link dev.eksaudit.bridge.falco.FalcoSinkBuilder} -> {@link dev.eksaudit.bridge.falco.FalcoSink} ->
 * {@link dev.eksaudit.bridge.falco.FalcoSinkWriter} -> {@link dev.eksaudit.bridge.falco.FalcoElementConverter}.
 *
 * <p>Guarantees: at-least-once (a checkpoint waits for in-flight POSTs and stores buffered events);
 * a POST ends in bounded time (request timeout, then one backoff while holding its in-flight slot,
 * then the events go back to the buffer); while a checkpoint drains no new POST starts, so
 * checkpoints complete during a Falco outage unless the input is backpressured. Dead letters
 * ({@code oversize}, {@code falco-rejected}, {@code falco-unreachable}) are written and closed
 * before their POST completes. Only events rejected on their own become {@code falco-rejected}
 * ({@link dev.eksaudit.bridge.falco.FalcoResponseClassifier}); an endpoint problem (401, 404, TLS)
 * is retried forever. Payloads and the auth header are never logged.
 */
package dev.eksaudit.bridge.falco;
