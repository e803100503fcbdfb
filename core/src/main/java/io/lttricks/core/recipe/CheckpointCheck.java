package io.lttricks.core.recipe;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Whether a checkpoint a recipe names ({@code init: <checkpoint>}) can be read where the recipe
 * will run: on the local disk for {@code lt train}, in the object store for the services. The
 * caller of {@link Recipes#resolve(Recipe, CheckpointCheck)} supplies it, so resolution itself
 * touches no disk and no store.
 */
@FunctionalInterface
public interface CheckpointCheck {
    /** Null when the checkpoint at {@code location} can be read, else what is wrong, for the user. */
    String problem(String location);

    /** Accepts every location (checked later by whatever reads it). */
    CheckpointCheck NONE = location -> null;

    /** Local files (lt train): an existing regular file. */
    CheckpointCheck LOCAL_FILES = location -> {
        if (Recipes.isObjectReference(location)) {
            return location + " is an object in the services' store; lt train reads local files: give a local path,"
                    + " or run the recipe on the services with lt submit";
        }
        try {
            return Files.isRegularFile(Path.of(location)) ? null : "checkpoint not found: " + location;
        } catch (InvalidPathException e) {
            return "not a file path: " + location;
        }
    };
}
