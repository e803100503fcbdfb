package io.lttricks.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.lttricks.platform.Config;
import io.lttricks.platform.grpc.GrpcServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * lt up's system: its services listen on loopback only, storage has credentials of its own (none
 * built in), its state is the owner's only, and the health service reports the whole system.
 */
@ExtendWith(ServicesFixture.Resolver.class)
class ServicesSecurityTest {
    private final ServicesFixture system;

    ServicesSecurityTest(ServicesFixture system) {
        this.system = system;
    }

    static String perms(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void listensOnLoopbackWithCredentialsOfItsOwnAndKeepsItsStateToItsOwner() throws Exception {
        Config c = system.config();
        assertEquals("127.0.0.1", c.grpc().bind());
        for (String service : new String[] {"sampler", "augment", "trainer", "evaluator"}) {
            assertTrue(system.endpoint(service).startsWith("127.0.0.1:"), service + " " + system.endpoint(service));
        }
        assertNotEquals("lttricks", c.s3AccessKey());
        assertNotEquals("lttricks-secret", c.s3SecretKey());
        assertTrue(c.s3SecretKey().length() >= 32, "a made-up secret, not a fixed one");

        Path state = c.workDir().getParent();
        assertEquals("rwx------", perms(state));
        assertEquals("rwx------", perms(state.resolve("kafka")));
        assertEquals("rwx------", perms(state.resolve("s3")));
        assertEquals("rw-------", perms(state.resolve(AllInOne.ENDPOINTS)));
        assertEquals("rw-------", perms(state.resolve(AllInOne.CREDENTIALS)));
        JsonNode credentials = new ObjectMapper().readTree(state.resolve(AllInOne.CREDENTIALS).toFile());
        assertEquals(c.s3AccessKey(), credentials.get("access_key").asText());
        assertEquals(c.s3SecretKey(), credentials.get("secret_key").asText());
        String endpoints = Files.readString(state.resolve(AllInOne.ENDPOINTS));
        assertFalse(endpoints.contains(c.s3SecretKey()), "endpoints.json (printed by lt up) holds no secret");
        assertFalse(c.toString().contains(c.s3SecretKey()) || c.toString().contains(c.s3AccessKey()), c.toString());
    }

    @Test
    void theHealthServiceReportsTheRunningSystem() {
        var health = HealthGrpc.newBlockingStub(system.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.newBuilder().setService("").build()).getStatus());
        assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.newBuilder()
                .setService("lttricks.v1.RunService").build()).getStatus());
        assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.newBuilder()
                .setService(GrpcServer.LIVENESS).build()).getStatus());
    }
}
