package dev.eksaudit.bridge.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.SdkClientException;
import com.amazonaws.services.s3.model.AmazonS3Exception;
import dev.eksaudit.bridge.decode.StorageError.Kind;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import org.apache.hadoop.fs.s3a.S3AUtils;
import org.junit.jupiter.api.Test;

/**
 * Classification of what S3A really throws: AWS SDK exceptions as the SDK builds them from S3's
 * answers, translated by S3A's own {@code S3AUtils.translateException} (the code every S3A read
 * and open goes through), plus the plain I/O failures of a broken connection.
 */
class StorageErrorTest {
    private static final String KEY = "s3a://audit/eks/2026/11/26/15/eks-audit-1-2026-11-26-15-20-05-a";

    private static IOException s3a(String operation, int status, String code) {
        AmazonS3Exception e = new AmazonS3Exception("Service message");
        e.setStatusCode(status);
        e.setErrorCode(code);
        e.setServiceName("Amazon S3");
        return S3AUtils.translateException(operation, KEY, e);
    }

    @Test
    void accessDeniedOnGetIsDeniedWithStatusAndCode() {
        IOException e = s3a("read", 403, "AccessDenied");
        assertThat(e).isInstanceOf(java.nio.file.AccessDeniedException.class);
        StorageError error = StorageError.classify(e);
        assertThat(error.kind()).isEqualTo(Kind.DENIED);
        assertThat(error.status()).isEqualTo(403);
        assertThat(error.errorCode()).isEqualTo("AccessDenied");
        assertThat(error.describe()).isEqualTo("403 AccessDenied (AccessDeniedException)");
    }

    @Test
    void forbiddenHeadWithoutABodyIsDeniedWithoutAnInventedCode() {
        // A HEAD answer has no XML body: the SDK makes the status line its error code.
        StorageError error = StorageError.classify(s3a("getFileStatus", 403, "403 Forbidden"));
        assertThat(error.kind()).isEqualTo(Kind.DENIED);
        assertThat(error.status()).isEqualTo(403);
        assertThat(error.errorCode()).isNull();
    }

    @Test
    void kmsAndCredentialErrorsAreDenied() {
        assertThat(StorageError.classify(s3a("read", 400, "KMS.DisabledException")).kind()).isEqualTo(Kind.DENIED);
        assertThat(StorageError.classify(s3a("read", 400, "ExpiredToken")).kind()).isEqualTo(Kind.DENIED);
        assertThat(StorageError.classify(s3a("read", 403, "InvalidAccessKeyId")).kind()).isEqualTo(Kind.DENIED);
        IOException noCredentials = S3AUtils.translateException("open", KEY,
                new SdkClientException("Unable to load AWS credentials from any provider in the chain"));
        assertThat(StorageError.classify(noCredentials).kind()).isEqualTo(Kind.DENIED);
    }

    @Test
    void noSuchKeyIsNotFound() {
        IOException e = s3a("read", 404, "NoSuchKey");
        assertThat(e).isInstanceOf(FileNotFoundException.class);
        StorageError error = StorageError.classify(e);
        assertThat(error.kind()).isEqualTo(Kind.NOT_FOUND);
        assertThat(error.describe()).isEqualTo("404 NoSuchKey (FileNotFoundException)");
        // The HEAD S3A sends on open: no body, no code, only the status.
        assertThat(StorageError.classify(s3a("getFileStatus", 404, "404 Not Found")).kind()).isEqualTo(Kind.NOT_FOUND);
        // Flink's local file system.
        assertThat(StorageError.classify(new FileNotFoundException("/tmp/x (No such file or directory)")).kind())
                .isEqualTo(Kind.NOT_FOUND);
    }

    @Test
    void aMissingBucketIsDeniedNotADeadLetterForEveryObject() {
        assertThat(StorageError.classify(s3a("read", 404, "NoSuchBucket")).kind()).isEqualTo(Kind.DENIED);
    }

    @Test
    void aMissingBucketIsNamedSoValidateCanSayIt() {
        assertThat(StorageError.classify(s3a("listStatus", 404, "NoSuchBucket")).noSuchBucket()).isTrue();
        assertThat(StorageError.classify(s3a("read", 404, "NoSuchKey")).noSuchBucket()).isFalse();
        assertThat(StorageError.classify(s3a("read", 403, "AccessDenied")).noSuchBucket()).isFalse();
    }

    @Test
    void throttlingServerErrorsAndBrokenConnectionsAreTransient() {
        StorageError slowDown = StorageError.classify(s3a("read", 503, "SlowDown"));
        assertThat(slowDown.kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(slowDown.describe()).isEqualTo("503 SlowDown (AWSServiceThrottledException)");
        assertThat(StorageError.classify(s3a("read", 500, "InternalError")).kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(StorageError.classify(new SocketException("Connection reset")).kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(StorageError.classify(new SocketTimeoutException("Read timed out")).kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(StorageError.classify(new EOFException("Premature end of Content-Length delimited message body"))
                .kind()).isEqualTo(Kind.TRANSIENT);
        assertThat(StorageError.classify(new StorageInputStream.TruncatedBodyException(10, 20)).kind())
                .isEqualTo(Kind.TRANSIENT);
    }

    @Test
    void theSdkMessageIsReadWhenTheExceptionTypeIsOutOfReach() {
        // On a cluster the SDK classes live in the S3 plugin's class loader; their text still says it.
        IOException wrapped = new IOException("read on s3a://audit/x: com.amazonaws.services.s3.model."
                + "AmazonS3Exception: Access Denied (Service: Amazon S3; Status Code: 403; Error Code: AccessDenied;"
                + " Request ID: X; S3 Extended Request ID: Y; Proxy: null)");
        StorageError error = StorageError.classify(wrapped);
        assertThat(error.kind()).isEqualTo(Kind.DENIED);
        assertThat(error.status()).isEqualTo(403);
        assertThat(error.errorCode()).isEqualTo("AccessDenied");
    }
}
