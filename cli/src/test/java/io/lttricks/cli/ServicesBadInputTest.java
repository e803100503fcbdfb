package io.lttricks.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lttricks.core.recipe.Recipes;
import io.lttricks.platform.RecipeMapper;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.SubmitRunRequest;
import io.lttricks.proto.v1.TrainStageRequest;
import io.lttricks.proto.v1.TrainerServiceGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/** Errors come back as the documented status codes, with a message that says what to do. */
@ExtendWith(ServicesFixture.Resolver.class)
class ServicesBadInputTest {
    private final ServicesFixture system;

    ServicesBadInputTest(ServicesFixture system) {
        this.system = system;
    }

    static Status status(Executable call) {
        return assertThrows(StatusRuntimeException.class, call).getStatus();
    }

    Status submit(String yaml) {
        return status(() -> system.runs().submit(SubmitRunRequest.newBuilder()
                .setRecipe(RecipeMapper.toProto(Recipes.parseYaml(yaml))).build()));
    }

    @Test
    void aBadRecipeIsAnInvalidArgumentThatNamesTheChoices() {
        Status bad = submit("dataset: {name: cifar10}\nstages: [{loss: Hinge}]");
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getCode());
        assertTrue(bad.getDescription().contains("CB_Focal"), bad.getDescription());
    }

    @Test
    void aCheckpointOutsideStorageIsAnInvalidArgument() {
        Status local = submit("dataset: {name: cifar10}\nstages: [{name: ft, init: /tmp/model.ckpt}]");
        assertEquals(Status.Code.INVALID_ARGUMENT, local.getCode());
        assertTrue(local.getDescription().contains("s3://lttricks/"), local.getDescription());
        Status missing = submit("dataset: {name: cifar10}\nstages: [{name: ft, init: 's3://lttricks/runs/none/final.ckpt'}]");
        assertEquals(Status.Code.INVALID_ARGUMENT, missing.getCode());
        assertTrue(missing.getDescription().contains("no checkpoint"), missing.getDescription());
    }

    @Test
    void anUnknownRunIsNotFound() {
        assertEquals(Status.Code.NOT_FOUND, status(() -> system.runs().get(GetRunRequest.newBuilder().setRunId("nope").build()))
                .getCode());
    }

    @Test
    void aStageWithoutItsTrainingSetIsAFailedPrecondition() {
        ManagedChannel trainer = ManagedChannelBuilder.forTarget(system.endpoint("trainer")).usePlaintext().build();
        try {
            Status pre = status(() -> TrainerServiceGrpc.newBlockingStub(trainer).submitStage(TrainStageRequest.newBuilder()
                    .setRunId("x").setRecipe(RecipeMapper.toProto(Recipes.parseYaml("dataset: {name: cifar10}\n")))
                    .setManifestKey("runs/x/manifest.json").setOutputPrefix("runs/x/01-train").build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, pre.getCode());
            assertTrue(pre.getDescription().contains("build the data set first"), pre.getDescription());
        } finally {
            trainer.shutdownNow();
        }
    }
}
