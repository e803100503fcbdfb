package io.lttricks.api;

/**
 * The limits the services hold a request to, in one place for the servers that enforce them and
 * the clients that stay within them (the protos' comments state the same figures). A request over
 * a limit is refused naming it: INVALID_ARGUMENT, or RESOURCE_EXHAUSTED for a message larger than
 * the server reads.
 */
public final class ApiLimits {
    private ApiLimits() {
    }

    /** {@code EvaluatorService.Predict}: images in one request (send more in several). */
    public static final int PREDICT_MAX_IMAGES = 64;
    /** {@code EvaluatorService.Predict}: the whole request, images included. */
    public static final int PREDICT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;
    /** {@code EvaluatorService.Predict}: an image's name. */
    public static final int PREDICT_MAX_NAME_CHARS = 1024;
    /** {@code RunService.Submit}: a recipe message (a run's state travels on Kafka, at most 1 MiB a message). */
    public static final int SUBMIT_MAX_RECIPE_BYTES = 64 * 1024;
    /** {@code RunService.Submit}: stages of a recipe. */
    public static final int SUBMIT_MAX_STAGES = 64;
    /** {@code RunService.Submit}: an idempotency key. */
    public static final int SUBMIT_MAX_REQUEST_ID = 256;
    /** {@code RunService.Submit}: a recipe document (also the largest recipe file lt reads). */
    public static final int SUBMIT_MAX_DOCUMENT_BYTES = 256 * 1024;
}
