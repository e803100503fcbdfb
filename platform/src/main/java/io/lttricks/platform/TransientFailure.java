package io.lttricks.platform;

import io.lttricks.platform.bus.JobWorker;

/**
 * Marks an exception whose cause may pass: storage or the broker could not be reached, timed out or
 * answered with a server error. A job that fails with one is tried again ({@link JobWorker.Retry});
 * any other failure is the job's own and final.
 */
public interface TransientFailure {

    /** Whether {@code e} or one of its causes is a transient failure. */
    static boolean in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TransientFailure) {
                return true;
            }
        }
        return false;
    }
}
