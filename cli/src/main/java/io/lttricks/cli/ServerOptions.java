package io.lttricks.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the run service is: --server, else the endpoints of 'lt up' in --state-dir, else localhost:50051. */
final class ServerOptions {
    @Option(names = "--server", paramLabel = "HOST:PORT",
            description = "The sampler service (which hosts the run service). Default: the one 'lt up' started"
                    + " (from --state-dir), else localhost:50051.")
    String server;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "State directory of 'lt up' (default ~/.lttricks/up).")
    Path stateDir;

    Path stateDir() {
        return stateDir != null ? stateDir : Path.of(System.getProperty("user.home"), ".lttricks", "up");
    }

    String target() throws IOException {
        if (server != null) {
            return server;
        }
        Path endpoints = stateDir().resolve(AllInOne.ENDPOINTS);
        if (Files.isRegularFile(endpoints)) {
            JsonNode n = new ObjectMapper().readTree(endpoints.toFile());
            if (n.hasNonNull("sampler")) {
                return n.get("sampler").asText();
            }
        }
        return "localhost:" + io.lttricks.platform.Config.SAMPLER_PORT;
    }

    ManagedChannel channel() throws IOException {
        return ManagedChannelBuilder.forTarget(target()).usePlaintext().build();
    }

    /** Something done over a channel to the run service. */
    interface ChannelCall {
        int call(ManagedChannel channel) throws Exception;
    }

    /** Opens a channel, runs {@code call}, closes the channel; returns the exit code. */
    int with(ChannelCall call) throws Exception {
        ManagedChannel channel = channel();
        try {
            return call.call(channel);
        } finally {
            channel.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
