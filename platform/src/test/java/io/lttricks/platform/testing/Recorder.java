package io.lttricks.platform.testing;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What a service method sent back: its messages, whether it completed, its error. */
public final class Recorder<T> extends ServerCallStreamObserver<T> {
    public final List<T> values = new CopyOnWriteArrayList<>();
    public volatile boolean completed;
    public volatile Throwable error;

    /** The one message sent, after completion. */
    public T only() {
        if (values.size() != 1 || !completed) {
            throw new AssertionError("expected one message and completion, got " + values + " completed=" + completed);
        }
        return values.get(0);
    }

    @Override
    public void onNext(T value) {
        values.add(value);
    }

    @Override
    public void onError(Throwable t) {
        error = t;
    }

    @Override
    public void onCompleted() {
        completed = true;
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {
    }

    @Override
    public void setCompression(String compression) {
    }

    @Override
    public boolean isReady() {
        return true;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {
    }

    @Override
    public void request(int count) {
    }

    @Override
    public void setMessageCompression(boolean enable) {
    }

    @Override
    public void disableAutoInboundFlowControl() {
    }
}
