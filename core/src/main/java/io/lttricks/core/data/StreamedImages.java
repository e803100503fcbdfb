package io.lttricks.core.data;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Images whose bytes come from elsewhere (object storage) as they are needed: a reader that
 * knows the order ahead tells them ({@link #planEpoch}), and asks for each batch's bytes before it
 * decodes them ({@link #prefetch}), so that reading overlaps decoding.
 */
public interface StreamedImages extends LabeledImages {

    /** The next epoch reads images {@code order}, in that order. */
    void planEpoch(int[] order);

    /** Starts reading images {@code indices}; the result's image k is image {@code indices[k]}, in memory. */
    Future<LabeledImages> prefetch(int[] indices);

    /** {@code read}'s result turned into images by {@code view}, when it is asked for. */
    static <T> Future<LabeledImages> view(Future<T> read, Function<T, LabeledImages> view) {
        return new Future<>() {
            @Override
            public boolean cancel(boolean interrupt) {
                return read.cancel(interrupt);
            }

            @Override
            public boolean isCancelled() {
                return read.isCancelled();
            }

            @Override
            public boolean isDone() {
                return read.isDone();
            }

            @Override
            public LabeledImages get() throws InterruptedException, ExecutionException {
                return view.apply(read.get());
            }

            @Override
            public LabeledImages get(long timeout, TimeUnit unit)
                    throws InterruptedException, ExecutionException, TimeoutException {
                return view.apply(read.get(timeout, unit));
            }
        };
    }
}
