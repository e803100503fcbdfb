package io.lttricks.core.recipe;

/** A recipe that cannot run; the message names the field and what to write instead. */
public final class RecipeException extends IllegalArgumentException {
    public RecipeException(String message) {
        super(message);
    }

    public RecipeException(String message, Throwable cause) {
        super(message, cause);
    }
}
