package io.lttricks.bench;

import io.lttricks.embedded.EmbeddedS3;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The embedded S3 server on its own, until killed: benchmarks that keep storage's CPU time out of the measured process. */
@Command(name = "s3-server", mixinStandardHelpOptions = true,
        description = "Runs the embedded S3 server (s3proxy, files under --dir) until killed; used by bench/shard-streaming.")
final class S3ServerBench implements Callable<Integer> {
    @Option(names = "--dir", required = true, description = "Where objects live.")
    Path dir;

    @Option(names = "--port", required = true, description = "Port to listen on.")
    int port;

    @Option(names = "--access-key", defaultValue = "bench-access", description = "Access key (default bench-access).")
    String access;

    @Option(names = "--secret-key", defaultValue = "bench-secret-key", description = "Secret key (default bench-secret-key).")
    String secret;

    @Override
    public Integer call() throws Exception {
        try (EmbeddedS3 s3 = EmbeddedS3.start(dir, port, access, secret)) {
            System.out.println("s3-server: " + s3.endpoint());
            System.out.flush();
            new CountDownLatch(1).await();
        }
        return 0;
    }
}
