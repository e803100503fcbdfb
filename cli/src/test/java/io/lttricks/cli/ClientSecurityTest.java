package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.lttricks.platform.grpc.GrpcSecurity;
import io.lttricks.platform.grpc.GrpcServer;
import io.lttricks.platform.testing.TestCertificates;
import io.lttricks.proto.v1.ListRunsRequest;
import io.lttricks.proto.v1.ListRunsResponse;
import io.lttricks.proto.v1.RunServiceGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lt's client options and variables reach a server with TLS, mutual TLS and tokens. */
class ClientSecurityTest {
    static final String TOKEN = "client-test-token-0123456789";

    @TempDir
    Path dir;

    static final class Runs extends RunServiceGrpc.RunServiceImplBase {
        @Override
        public void list(ListRunsRequest request, StreamObserver<ListRunsResponse> response) {
            response.onNext(ListRunsResponse.getDefaultInstance());
            response.onCompleted();
        }
    }

    static ServerOptions options(int port, Map<String, String> env) {
        ServerOptions o = new ServerOptions();
        o.server = "localhost:" + port;
        o.env = env;
        return o;
    }

    static Status.Code list(ServerOptions o) throws Exception {
        try {
            return Status.Code.values()[o.with(channel -> {
                RunServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .list(ListRunsRequest.getDefaultInstance());
                return 0;
            })];
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    @Test
    void optionsAndVariablesGiveTheCaTheClientCertificateAndTheToken() throws Exception {
        TestCertificates.Ca ca = TestCertificates.ca("test CA");
        Path caFile = ca.write(dir.resolve("ca.crt"));
        Path[] server = ca.server("sampler", "localhost", "127.0.0.1").write(dir, "server");
        Path[] client = ca.client("lt").write(dir, "client");
        GrpcSecurity s = new GrpcSecurity("127.0.0.1", server[0], server[1], caFile,
                List.of(GrpcSecurity.Token.of(TOKEN, GrpcSecurity.Role.ALL)), false);
        try (GrpcServer grpc = new GrpcServer(s, 0, List.of(new Runs()))) {
            int port = grpc.port();
            Map<String, String> env = Map.of(ServerOptions.ENV_TLS_CA, caFile.toString(),
                    ServerOptions.ENV_TLS_CERT, client[0].toString(), ServerOptions.ENV_TLS_KEY, client[1].toString(),
                    ServerOptions.ENV_TOKEN, TOKEN);
            assertEquals(Status.Code.OK, list(options(port, env)), "LT_TLS_CA, LT_TLS_CERT, LT_TLS_KEY, LT_TOKEN");

            ServerOptions flags = options(port, Map.of());
            flags.tlsCa = caFile;
            flags.tlsCert = client[0];
            flags.tlsKey = client[1];
            flags.tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
            assertEquals(Status.Code.OK, list(flags), "--tls-ca, --tls-cert, --tls-key, --token-file");

            ServerOptions noToken = options(port, Map.of());
            noToken.tlsCa = caFile;
            noToken.tlsCert = client[0];
            noToken.tlsKey = client[1];
            assertEquals(Status.Code.UNAUTHENTICATED, list(noToken));
            noToken.token = "not-the-token-0123456789";
            assertEquals(Status.Code.UNAUTHENTICATED, list(noToken), "--token wins over nothing, and is checked");

            ServerOptions noCert = options(port, Map.of(ServerOptions.ENV_TLS_CA, caFile.toString(),
                    ServerOptions.ENV_TOKEN, TOKEN));
            assertEquals(Status.Code.UNAVAILABLE, list(noCert), "mutual TLS: no client certificate, no connection");
            assertEquals(Status.Code.UNAVAILABLE, list(options(port, Map.of(ServerOptions.ENV_TOKEN, TOKEN))),
                    "plaintext to a TLS server");

            ServerOptions halfCert = options(port, Map.of());
            halfCert.tlsCert = client[0];
            assertThrows(IllegalArgumentException.class, () -> list(halfCert));
        }
    }
}
