package io.lttricks.core.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where a stage's weights come from: {@code scratch} (the official initialisation), {@code previous}
 * (the last training stage's final model) or a checkpoint (a local path for {@code lt train}, an
 * {@code s3://} object for the services). Written in recipes and plans as that one word or location.
 */
public record Init(Kind kind, String checkpoint) {
    public enum Kind { SCRATCH, PREVIOUS, CHECKPOINT }

    public static final Init SCRATCH = new Init(Kind.SCRATCH, null);
    public static final Init PREVIOUS = new Init(Kind.PREVIOUS, null);

    public Init {
        if ((kind == Kind.CHECKPOINT) != (checkpoint != null && !checkpoint.isBlank())) {
            throw new IllegalArgumentException("a checkpoint init names its checkpoint, and only it does");
        }
    }

    @JsonCreator
    public static Init parse(String text) {
        if (text == null || text.isBlank() || text.equalsIgnoreCase("scratch")) {
            return SCRATCH;
        }
        if (text.equalsIgnoreCase("previous")) {
            return PREVIOUS;
        }
        return new Init(Kind.CHECKPOINT, text.trim());
    }

    @JsonValue
    @Override
    public String toString() {
        return switch (kind) {
            case SCRATCH -> "scratch";
            case PREVIOUS -> "previous";
            case CHECKPOINT -> checkpoint;
        };
    }

    public boolean isScratch() {
        return kind == Kind.SCRATCH;
    }

    public boolean isPrevious() {
        return kind == Kind.PREVIOUS;
    }

    public boolean isCheckpoint() {
        return kind == Kind.CHECKPOINT;
    }
}
