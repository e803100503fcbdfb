package io.lttricks.platform.bus;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.lttricks.proto.v1.CamJob;
import io.lttricks.proto.v1.DatasetJob;
import io.lttricks.proto.v1.DeadLetter;
import io.lttricks.proto.v1.DeadLetterCause;
import io.lttricks.proto.v1.EvalJob;
import io.lttricks.proto.v1.JobDeadLettered;
import io.lttricks.proto.v1.Recipe;
import io.lttricks.proto.v1.RunEvent;
import io.lttricks.proto.v1.ShardJob;
import io.lttricks.proto.v1.TrainJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a {@link JobWorker} puts the jobs it stops trying: the whole job with why on
 * {@link Topics#DEAD_LETTERS}, and, when the job names its run, a {@code JobDeadLettered} event on
 * the run, which the coordinator records in the run's status. The job's own failure was reported
 * already (its stage failed, by the handler or the give-up callback); the dead letter keeps the
 * job itself, so that an operator can see what was dropped and publish it again once the cause is
 * fixed. Free of Kafka: the bus is the system's {@link EventBus}.
 */
public final class DeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    /** A reason longer than this is cut: it comes from exception messages, and the run status must stay small. */
    static final int MAX_REASON = 2000;

    private final EventBus bus;
    private final String group;

    /** @param group the consumer group of the worker that gives up, as the dead letter names it */
    public DeadLetters(EventBus bus, String group) {
        this.bus = bus;
        this.group = group;
    }

    /** The run and the stage a job belongs to, as the run's events name them; both empty when unknown. */
    public record JobRef(String runId, String stage) {
        static final JobRef UNKNOWN = new JobRef("", "");

        /** Reads them from any of the system's job messages; {@link #UNKNOWN} for {@code null} or another message. */
        public static JobRef of(Message job) {
            if (job instanceof TrainJob j) {
                return new JobRef(j.getRunId(), stageName(j.getRecipe(), j.getStageIndex()));
            } else if (job instanceof CamJob j) {
                return new JobRef(j.getRunId(), stageName(j.getRecipe(), j.getStageIndex()));
            } else if (job instanceof ShardJob j) {
                return of(j.getStage());
            } else if (job instanceof EvalJob j) {
                return new JobRef(j.getRunId(), j.getStage());
            } else if (job instanceof DatasetJob j) {
                return new JobRef(j.getRunId(), "");   // the training set is built before any stage
            }
            return UNKNOWN;
        }

        private static String stageName(Recipe recipe, int index) {
            if (index < 0 || index >= recipe.getStagesCount()) {
                return "";
            }
            String name = recipe.getStages(index).getName();
            return name.isEmpty() ? "stage" + (index + 1) : name;
        }
    }

    /**
     * Sends one job to the dead-letter topic and tells its run. Returns false when the bus could
     * not take it (the broker is unreachable): the caller decides whether to keep the job.
     *
     * @param job the parsed job, or {@code null} when the record could not be read
     */
    public boolean send(String topic, int partition, long offset, String key, byte[] bytes, Message job,
                        DeadLetterCause cause, String reason) {
        JobRef ref = JobRef.of(job);
        String why = cut(reason == null ? "no reason given" : reason);
        long now = System.currentTimeMillis();
        DeadLetter letter = DeadLetter.newBuilder().setTopic(topic).setPartition(partition).setOffset(offset)
                .setKey(key == null ? "" : key).setJob(ByteString.copyFrom(bytes == null ? new byte[0] : bytes))
                .setCause(cause).setReason(why).setGroup(group).setWorker(bus.source()).setTimeMs(now)
                .setRunId(ref.runId()).setStage(ref.stage()).build();
        try {
            bus.publish(Topics.DEAD_LETTERS, ref.runId().isEmpty() ? letter.getKey() : ref.runId(), letter);
            if (!ref.runId().isEmpty()) {
                bus.event(RunEvent.newBuilder().setRunId(ref.runId()).setStage(ref.stage())
                        .setDeadLetter(JobDeadLettered.newBuilder().setTopic(topic).setPartition(partition)
                                .setOffset(offset).setCause(cause).setReason(why).setWorker(bus.source())
                                .setStage(ref.stage()).setTimeMs(now)));
            }
            LOG.error("job {}@{}-{} (run {}, stage {}) sent to {}: {}: {}", topic, partition, offset,
                    ref.runId().isEmpty() ? "unknown" : ref.runId(), ref.stage().isEmpty() ? "-" : ref.stage(),
                    Topics.DEAD_LETTERS, cause, why);
            return true;
        } catch (IllegalStateException e) {
            LOG.error("job {}@{}-{} could not be sent to {}: {}", topic, partition, offset, Topics.DEAD_LETTERS,
                    e.getMessage());
            return false;
        }
    }

    /**
     * Publishes a job again at the end of its topic, as a new record: a worker that stopped a job for
     * a shutdown hands it on this way in a share group (a released record would count one more
     * delivery, and the broker archives a record past its delivery limit). Returns false when the
     * bus could not take it.
     */
    public boolean requeue(String topic, String key, Message job) {
        try {
            bus.publish(topic, key, job);
            return true;
        } catch (IllegalStateException e) {
            LOG.error("job of run {} could not be published again to {}: {}", JobRef.of(job).runId(), topic, e.getMessage());
            return false;
        }
    }

    private static String cut(String s) {
        return s.length() <= MAX_REASON ? s : s.substring(0, MAX_REASON) + "... (" + (s.length() - MAX_REASON) + " more characters)";
    }
}
