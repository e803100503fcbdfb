package io.lttricks.platform.ops;

import org.slf4j.MDC;

/**
 * The run and stage that log lines written on this thread are about, for as long as it is open
 * (MDC keys {@value #RUN_ID} and {@value #STAGE}; the services' logback.xml prints them, as fields
 * of the JSON with LT_LOG_FORMAT=json). Closing restores what was there before, so contexts nest.
 */
public final class LogContext implements AutoCloseable {
    public static final String RUN_ID = "run_id";
    public static final String STAGE = "stage";

    private final String previousRun;
    private final String previousStage;

    private LogContext(String runId, String stage) {
        this.previousRun = MDC.get(RUN_ID);
        this.previousStage = MDC.get(STAGE);
        set(RUN_ID, runId);
        set(STAGE, stage);
    }

    /** Empty or null values leave the key unset. */
    public static LogContext of(String runId, String stage) {
        return new LogContext(runId, stage);
    }

    private static void set(String key, String value) {
        if (value == null || value.isEmpty()) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }

    @Override
    public void close() {
        set(RUN_ID, previousRun);
        set(STAGE, previousStage);
    }
}
