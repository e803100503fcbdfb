package io.lttricks.platform.grpc;

import java.io.IOException;

/**
 * An output key a request named already holds the result of other inputs: the request is refused
 * (ALREADY_EXISTS) rather than answered with that older result or allowed to overwrite it. The
 * message starts with the request's field, says what the key holds and what to do.
 */
public final class OutputExists extends IOException {
    public OutputExists(String message) {
        super(message);
    }
}
