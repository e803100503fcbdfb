package io.lttricks.core.util;

/**
 * Where long work reports how far it has got. Core code never prints; the command line renders
 * this as a progress line, a service as events.
 */
public interface Progress {

    /** {@code done} of {@code total} units (total <= 0 when unknown) of the named task. */
    void update(String task, long done, long total, String unit);

    /** A one-line message for the user (a choice made, a file written). */
    default void note(String message) {
    }

    Progress SILENT = (task, done, total, unit) -> { };
}
