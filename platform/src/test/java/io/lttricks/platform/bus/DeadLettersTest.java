package io.lttricks.platform.bus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lttricks.platform.testing.InMemoryEventBus;
import io.lttricks.proto.v1.CamJob;
import io.lttricks.proto.v1.DatasetJob;
import io.lttricks.proto.v1.DeadLetter;
import io.lttricks.proto.v1.DeadLetterCause;
import io.lttricks.proto.v1.EvalJob;
import io.lttricks.proto.v1.Recipe;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.ShardJob;
import io.lttricks.proto.v1.Stage;
import io.lttricks.proto.v1.TrainJob;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeadLettersTest {
    static final Recipe RECIPE = Recipe.newBuilder().addStages(Stage.newBuilder().setName("first"))
            .addStages(Stage.newBuilder().setName("deferred")).addStages(Stage.newBuilder()).build();

    @Test
    void everyJobNamesItsRunAndStage() {
        TrainJob train = TrainJob.newBuilder().setRunId("r1").setRecipe(RECIPE).setStageIndex(1).build();
        CamJob cam = CamJob.newBuilder().setRunId("r2").setRecipe(RECIPE).setStageIndex(2).build();
        assertEquals(new DeadLetters.JobRef("r1", "deferred"), DeadLetters.JobRef.of(train));
        assertEquals(new DeadLetters.JobRef("r2", "stage3"), DeadLetters.JobRef.of(cam), "an unnamed stage as the recipe defaults it");
        assertEquals(new DeadLetters.JobRef("r2", "stage3"), DeadLetters.JobRef.of(ShardJob.newBuilder().setStage(cam).build()));
        assertEquals(new DeadLetters.JobRef("r3", "first"), DeadLetters.JobRef.of(EvalJob.newBuilder().setRunId("r3").setStage("first").build()));
        assertEquals(new DeadLetters.JobRef("r4", ""), DeadLetters.JobRef.of(DatasetJob.newBuilder().setRunId("r4").build()));
        assertEquals(new DeadLetters.JobRef("", ""), DeadLetters.JobRef.of(null));
        assertEquals(new DeadLetters.JobRef("r5", ""), DeadLetters.JobRef.of(
                TrainJob.newBuilder().setRunId("r5").setRecipe(RECIPE).setStageIndex(7).build()), "an index past the recipe names no stage");
    }

    @Test
    void aJobGoesWholeToTheTopicAndItsRunIsTold() throws Exception {
        InMemoryEventBus bus = new InMemoryEventBus();
        TrainJob job = TrainJob.newBuilder().setRunId("r1").setRecipe(RECIPE).setStageIndex(0).build();
        assertTrue(new DeadLetters(bus, Topics.GROUP_TRAINER).send(Topics.TRAIN_JOBS, 3, 41L, "r1", job.toByteArray(), job,
                DeadLetterCause.DEAD_LETTER_GAVE_UP, "failed 5 times, the last: connection refused"));

        List<InMemoryEventBus.Published> out = bus.published();
        assertEquals(List.of(Topics.DEAD_LETTERS, Topics.EVENTS), out.stream().map(InMemoryEventBus.Published::topic).toList());
        DeadLetter letter = (DeadLetter) out.get(0).message();
        assertEquals("r1", out.get(0).key(), "keyed by run, in order with the run's other records");
        assertEquals(Topics.TRAIN_JOBS, letter.getTopic());
        assertEquals(3, letter.getPartition());
        assertEquals(41L, letter.getOffset());
        assertEquals(Topics.GROUP_TRAINER, letter.getGroup());
        assertEquals("first", letter.getStage());
        assertEquals(DeadLetterCause.DEAD_LETTER_GAVE_UP, letter.getCause());
        assertEquals(job, TrainJob.parseFrom(letter.getJob()), "the job itself, to publish again once fixed");

        RunEvent event = (RunEvent) out.get(1).message();
        assertEquals("r1", event.getRunId());
        assertEquals("first", event.getStage());
        assertEquals(41L, event.getDeadLetter().getOffset());
        assertEquals("failed 5 times, the last: connection refused", event.getDeadLetter().getReason());
    }

    @Test
    void anUnreadableRecordIsKeptByItsOwnKeyAndTellsNoRun() {
        InMemoryEventBus bus = new InMemoryEventBus();
        byte[] garbage = {(byte) 0xff, 0x01, 0x02};
        assertTrue(new DeadLetters(bus, Topics.GROUP_EVALUATOR).send(Topics.EVAL_JOBS, 0, 7L, "some-key", garbage, null,
                DeadLetterCause.DEAD_LETTER_UNREADABLE, "not a job"));
        assertEquals(1, bus.published().size(), "no run to tell");
        InMemoryEventBus.Published p = bus.published().get(0);
        assertEquals(Topics.DEAD_LETTERS, p.topic());
        assertEquals("some-key", p.key());
        assertArrayEquals(garbage, ((DeadLetter) p.message()).getJob().toByteArray());
    }

    @Test
    void aLongReasonIsCutAndABrokerDownIsSaid() {
        InMemoryEventBus bus = new InMemoryEventBus();
        String huge = "x".repeat(10_000);
        EvalJob job = EvalJob.newBuilder().setRunId("r").setStage("s").build();
        new DeadLetters(bus, "g").send(Topics.EVAL_JOBS, 0, 1L, "r", job.toByteArray(), job, DeadLetterCause.DEAD_LETTER_FAILED, huge);
        String reason = ((DeadLetter) bus.published().get(0).message()).getReason();
        assertTrue(reason.length() < 2100 && reason.endsWith("(8000 more characters)"), reason.substring(reason.length() - 40));

        bus.failNext(1, Topics.DEAD_LETTERS);
        assertFalse(new DeadLetters(bus, "g").send(Topics.EVAL_JOBS, 0, 2L, "r", job.toByteArray(), job,
                DeadLetterCause.DEAD_LETTER_FAILED, "x"), "the worker keeps the job when its dead letter cannot be sent");
    }
}
