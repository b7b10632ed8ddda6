package dev.eksaudit.bridge.source;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * An S3 server in the test JVM speaking the real S3 API (s3proxy over an in-memory blob store),
 * with credentials and path-style access, and Flink's S3 file system pointed at it: the job reads
 * it through {@code flink-s3-fs-hadoop} exactly as it reads AWS.
 */
public final class InProcessS3 implements AutoCloseable {
    public static final String ACCESS_KEY = "bridge-test-access";
    public static final String SECRET_KEY = "bridge-test-secret-0123456789";

    private final BlobStoreContext context;
    private final S3Proxy proxy;
    private final URI endpoint;

    private InProcessS3(BlobStoreContext context, S3Proxy proxy, URI endpoint) {
        this.context = context;
        this.proxy = proxy;
        this.endpoint = endpoint;
    }

    /** Starts the server with the given buckets and initialises Flink's file systems for it. */
    public static InProcessS3 start(String... buckets) throws Exception {
        BlobStoreContext context = ContextBuilder.newBuilder("transient")
                .credentials(ACCESS_KEY, SECRET_KEY)
                .build(BlobStoreContext.class);
        for (String bucket : buckets) {
            context.getBlobStore().createContainerInLocation(null, bucket);
        }
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .build();
        proxy.start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!"STARTED".equals(proxy.getState())) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
        FileSystem.initialize(flinkConfiguration(endpoint), null);
        return new InProcessS3(context, proxy, endpoint);
    }

    /** The {@code s3.*} keys a user puts in config.yaml for an S3-compatible store. */
    public static Configuration flinkConfiguration(URI endpoint) {
        Configuration conf = new Configuration();
        conf.setString("s3.endpoint", endpoint.toString());
        conf.setString("s3.path.style.access", "true");
        conf.setString("s3.access-key", ACCESS_KEY);
        conf.setString("s3.secret-key", SECRET_KEY);
        // Fail fast in tests instead of the SDK's long default retry loop.
        conf.setString("s3.connection.maximum", "32");
        conf.setString("fs.s3a.attempts.maximum", "3");
        conf.setString("fs.s3a.retry.limit", "3");
        // As in flink-conf/config.yaml and the deploy files: a store without ETags is still readable.
        conf.setString("fs.s3a.change.detection.version.required", "false");
        return conf;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** PUTs an object through the S3 API (Flink's S3 file system), as Firehose would. */
    public void put(String s3Uri, byte[] body) throws IOException {
        Path path = new Path(s3Uri);
        try (OutputStream out = path.getFileSystem().create(path, FileSystem.WriteMode.OVERWRITE)) {
            out.write(body);
        }
    }

    /**
     * Stores an object straight into the server's blob store, without the S3 API: for loading a
     * benchmark corpus in seconds. What the job reads is still served through the S3 API.
     */
    public void putDirect(String bucket, String key, byte[] body) {
        context.getBlobStore().putBlob(bucket, context.getBlobStore().blobBuilder(key).payload(body)
                .contentLength(body.length).build());
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        context.close();
    }
}
