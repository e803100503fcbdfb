package io.lttricks.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lttricks.platform.store.Keys;
import io.lttricks.proto.v1.GetRunRequest;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.RunPhase;
import io.lttricks.proto.v1.RunStatus;
import io.lttricks.proto.v1.StagePhase;
import io.lttricks.proto.v1.WatchRunRequest;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Cancelling a run stops its training stage and ends its watch. */
@ExtendWith(ServicesFixture.Resolver.class)
class ServicesCancelTest {
    private final ServicesFixture system;

    ServicesCancelTest(ServicesFixture system) {
        this.system = system;
    }

    @Test
    void cancellingARunStopsItsTrainingStageAndEndsTheWatch() throws Exception {
        String yaml = ServicesFixture.PIPELINE.replace("epochs: 2, batch_size: 16, lr: 0.05", "epochs: 50, batch_size: 16, lr: 0.05")
                .replace("name: it", "name: it-cancel");
        RunStatus run = system.submit(yaml, "");
        GetRunRequest request = GetRunRequest.newBuilder().setRunId(run.getRunId()).build();
        Iterator<RunEvent> it = system.runs().withDeadlineAfter(5, TimeUnit.MINUTES)
                .watch(WatchRunRequest.newBuilder().setRunId(run.getRunId()).build());
        RunEvent e = null;
        while (it.hasNext()) {
            e = it.next();
            if (e.hasProgress()) {
                system.runs().cancel(request);
                break;
            }
        }
        while (it.hasNext()) {
            e = it.next();
        }
        assertTrue(e != null && e.hasFinished());
        assertEquals(RunPhase.RUN_CANCELLED, e.getFinished().getPhase());
        RunStatus after = system.runs().get(request);
        assertEquals(RunPhase.RUN_CANCELLED, after.getPhase());
        assertTrue(after.getStagesList().stream().allMatch(s -> s.getPhase() == StagePhase.STAGE_CANCELLED));

        StatusRuntimeException again = assertThrows(StatusRuntimeException.class, () -> system.runs().cancel(request));
        assertEquals(Status.Code.FAILED_PRECONDITION, again.getStatus().getCode());
        Thread.sleep(5000);
        assertFalse(system.store().exists(Keys.finalCheckpoint(Keys.stage(run.getRunId(), 0, "first"))),
                "the cancelled stage stopped before its end");
    }
}
