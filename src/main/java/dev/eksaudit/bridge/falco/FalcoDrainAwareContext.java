package dev.eksaudit.bridge.falco;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobInfo;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.apache.flink.util.UserCodeClassLoader;

/**
 * The writer's context with one change: a processing-time callback that fires while a checkpoint
 * drains ({@link FalcoRateLimit#draining()}) is postponed instead of run. AsyncSink's buffer timer
 * does a blocking flush, which would wait forever for a slot that draining never grants.
 *
 * <p>Implements only what {@link WriterInitContext} declares in both Flink 1.20 and 2.x (1.20's
 * subtask-index shortcuts are defaults there, derived from {@link #getTaskInfo()}).
 */
final class FalcoDrainAwareContext implements WriterInitContext {

    private final WriterInitContext delegate;
    private final ProcessingTimeService time;

    FalcoDrainAwareContext(WriterInitContext delegate, FalcoRateLimit rateLimit, long postponeMs) {
        this.delegate = delegate;
        ProcessingTimeService inner = delegate.getProcessingTimeService();
        this.time = new ProcessingTimeService() {
            @Override
            public long getCurrentProcessingTime() {
                return inner.getCurrentProcessingTime();
            }

            @Override
            public ScheduledFuture<?> registerTimer(long timestamp, ProcessingTimeCallback callback) {
                return inner.registerTimer(timestamp, new ProcessingTimeCallback() {
                    @Override
                    public void onProcessingTime(long firedAt) throws Exception {
                        if (rateLimit.draining()) {
                            inner.registerTimer(inner.getCurrentProcessingTime() + postponeMs, this);
                        } else {
                            callback.onProcessingTime(firedAt);
                        }
                    }
                });
            }
        };
    }

    @Override
    public ProcessingTimeService getProcessingTimeService() {
        return time;
    }

    @Override
    public UserCodeClassLoader getUserCodeClassLoader() {
        return delegate.getUserCodeClassLoader();
    }

    @Override
    public MailboxExecutor getMailboxExecutor() {
        return delegate.getMailboxExecutor();
    }

    @Override
    public SinkWriterMetricGroup metricGroup() {
        return delegate.metricGroup();
    }

    @Override
    public SerializationSchema.InitializationContext asSerializationSchemaInitializationContext() {
        return delegate.asSerializationSchemaInitializationContext();
    }

    @Override
    public boolean isObjectReuseEnabled() {
        return delegate.isObjectReuseEnabled();
    }

    @Override
    public <IN> TypeSerializer<IN> createInputSerializer() {
        return delegate.createInputSerializer();
    }

    @Override
    public <MetaT> Optional<Consumer<MetaT>> metadataConsumer() {
        return delegate.metadataConsumer();
    }

    @Override
    public OptionalLong getRestoredCheckpointId() {
        return delegate.getRestoredCheckpointId();
    }

    @Override
    public JobInfo getJobInfo() {
        return delegate.getJobInfo();
    }

    @Override
    public TaskInfo getTaskInfo() {
        return delegate.getTaskInfo();
    }
}
