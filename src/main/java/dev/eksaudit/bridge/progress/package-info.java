/**
 * Portable progress records: what a continuous job has read, written as small JSON files beside the
 * checkpoints (with {@code input.progress-path}), so that a job of another Flink major version,
 * which cannot restore this one's savepoint, can start where it stopped ({@code input.start-from}).
 * The enumerator writes one record per checkpoint, while it is taken ({@link ProgressRecord}); every sink
 * subtask writes, in the same checkpoint, which objects still have events it has not delivered
 * ({@link SinkProgress}). {@link ProgressStart} puts them together again.
 */
package dev.eksaudit.bridge.progress;
